import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

// Building an app compiles a validator for every request schema and a serializer for every
// response schema of every route: about a second of CPU, most of it in fast-json-stringify. A
// process that builds more than one app (each test suite builds its own) compiles each distinct
// schema once: Fastify's own compilers, behind a cache keyed by the schema's content and the shared
// schemas and options it was compiled with. Equal content compiles to the same function, and the
// compiled functions keep no state between calls, so sharing them changes nothing but the cost.

type RouteSchema = { schema: unknown };
type Factory<F> = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => F;

/**
 * A number per distinct schema content. Routes hand the same schema objects (module constants) to
 * every app, so an object's content is serialized once, not at every build; schemas are not
 * changed after their routes are registered.
 */
const contentIds = new Map<string, number>();
const objectIds = new WeakMap<object, number>();
function contentId(value: unknown): number {
  const isObject = value !== null && typeof value === 'object';
  const known = isObject ? objectIds.get(value) : undefined;
  if (known !== undefined) return known;
  const json = JSON.stringify(value) ?? 'undefined';
  let id = contentIds.get(json);
  if (id === undefined) contentIds.set(json, (id = contentIds.size));
  if (isObject) objectIds.set(value, id);
  return id;
}

function memoized<F>(factory: Factory<F>): Factory<F> {
  const compiled = new Map<string, F>();
  return (externalSchemas, options) => {
    const shared = Object.entries(externalSchemas ?? {}).map(([id, schema]) => `${id}=${contentId(schema)}`);
    const context = `${shared.join(',')}\0${contentId(options ?? null)}`;
    // Made on the first schema not compiled yet: the factory itself serializes the shared schemas.
    let compile: ((route: RouteSchema) => F) | undefined;
    return (route) => {
      const key = `${context}\0${contentId(route.schema)}`;
      let fn = compiled.get(key);
      if (fn === undefined) {
        compile ??= factory(externalSchemas, options);
        compiled.set(key, (fn = compile(route)));
      }
      return fn;
    };
  };
}

const PRIMITIVE = new Set(['string', 'number', 'integer', 'boolean']);
const COMPOSITE = ['anyOf', 'oneOf', 'allOf', '$ref', 'not', 'if'];

/**
 * A response schema as the serializer is given it: every `anyOf: [<primitive>, {type: 'null'}]`
 * (TypeBox's Union with Null, how nullable fields are written for the OpenAPI document) becomes
 * `type: [<primitive>, 'null']`. fast-json-stringify serializes an anyOf by running a validator for
 * each branch on every value — a failed validation, with its error objects, for each null field of
 * every contact — where a type list is a typeof check; the JSON written is the same.
 */
export function flattenNullableUnions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(flattenNullableUnions);
  if (schema === null || typeof schema !== 'object') return schema;
  const node = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = flattenNullableUnions(v);
  const branches = out.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return out;
  const nullAt = branches.findIndex((b) => isPlainNull(b));
  const other = branches[1 - nullAt] as Record<string, unknown> | undefined;
  if (nullAt < 0 || !other || typeof other.type !== 'string' || !PRIMITIVE.has(other.type)) return out;
  if (COMPOSITE.some((k) => k in other) || 'type' in out) return out;
  const { anyOf: _, ...rest } = out;
  return { ...rest, ...other, type: [other.type, 'null'] };
}

function isPlainNull(b: unknown): boolean {
  return b !== null && typeof b === 'object' && (b as { type?: unknown }).type === 'null' && Object.keys(b).every((k) => k === 'type' || k === 'description');
}

function withFlatNullables<F>(factory: Factory<F>): Factory<F> {
  return (externalSchemas, options) => {
    const compile = factory(flattenNullableUnions(externalSchemas), options);
    return (route) => compile({ ...route, schema: flattenNullableUnions(route.schema) });
  };
}

// One of each per process: AjvCompiler also keeps one Ajv instance per set of shared schemas.
const compilersFactory = {
  buildValidator: memoized(AjvCompiler() as unknown as Factory<unknown>),
  buildSerializer: memoized(withFlatNullables(SerializerSelector() as unknown as Factory<unknown>)),
};

export const schemaController = { compilersFactory } as unknown as NonNullable<FastifyServerOptions['schemaController']>;
