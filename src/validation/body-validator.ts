import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldErrors } from '../errors/index.js';
import { validationErrors, type AjvError } from './ajv-errors.js';

// Request bodies validated outside a request (an import row is "a POST /contacts/ body"): the same
// Ajv options as the routes' validator (app.ts passes AJV_CUSTOM_OPTIONS to Fastify, whose own
// defaults are repeated here), so a row gets the same messages under the same `errors` keys.

/** OpenAPI-only annotation keyword of query parameters (http/schemas.ts OPENAPI_HINT). */
const OPENAPI_HINT_KEYWORD = 'x-openapi';

export const AJV_CUSTOM_OPTIONS = {
  allErrors: true,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
  keywords: [OPENAPI_HINT_KEYWORD],
} as const;

// ajv-formats is CommonJS; under ESM its plugin is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let shared: Ajv | undefined;
function ajv(): Ajv {
  if (!shared) {
    shared = new Ajv({ addUsedSchema: false, ...AJV_CUSTOM_OPTIONS, keywords: [...AJV_CUSTOM_OPTIONS.keywords] });
    addFormats(shared);
  }
  return shared;
}

export type BodyCheck = (body: unknown) => FieldErrors | null;

/** A checker for one body schema: null when the body is valid, else its field errors. */
export function bodyValidator(schema: object): BodyCheck {
  let validate: ValidateFunction | undefined;
  return (body) => {
    validate ??= ajv().compile(schema);
    if (validate(body)) return null;
    return validationErrors((validate.errors ?? []) as AjvError[]);
  };
}
