import { OPENAPI_HINT } from './schemas.js';
import { OPERATION_DESCRIPTIONS, REQUEST_EXAMPLES, problemExamples } from './openapi-operations.js';

// What the route schemas cannot say, added to the generated document in one place, for every
// route alike: operation ids, descriptions, the problem media type of error responses, the wire
// types of query parameters, and the responses every operation shares (429, 503, …). Error
// responses are written once under `components.responses` and referenced: most operations share
// them, and copying their examples into each would multiply the document's size (which /docs
// has to parse).

type Json = Record<string, unknown>;
interface Parameter extends Json {
  name: string;
  in: string;
  schema?: Json;
  description?: string;
}
interface Operation extends Json {
  operationId?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, Json> };
  responses: Record<string, Json>;
}
export interface OpenApiDocument extends Json {
  paths: Record<string, Record<string, Operation>>;
  components: Json & { schemas?: Json; responses?: Json };
  tags?: Array<{ name: string; description?: string }>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
const ACTIONS: Record<(typeof METHODS)[number], string> = {
  get: 'retrieve',
  post: 'create',
  put: 'update',
  patch: 'partial_update',
  delete: 'destroy',
};
const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/**
 * `contacts_create`, `contacts_retrieve`, `contacts_active_update`, `contacts_props_list`: the
 * path's literal segments and the action, named as Django REST Framework names them (Crego's
 * stack), so the ids read the same as a Crego client's. A GET answering a list is `_list`.
 */
export function operationIdFor(method: string, path: string, operation: Operation): string {
  const words = path.split('/').filter((s) => s !== '' && !s.startsWith('{'));
  const m = method.toLowerCase() as (typeof METHODS)[number];
  const action = m === 'get' && answersList(operation) ? 'list' : ACTIONS[m];
  return [...words, action].join('_');
}

function answersList(operation: Operation): boolean {
  const schema = (operation.responses['200']?.content as Record<string, { schema?: Json }> | undefined)?.['application/json']?.schema;
  if (!schema) return false;
  return schema.type === 'array' || (schema.type === 'object' && 'results' in ((schema.properties as Json | undefined) ?? {}));
}

/** A query parameter validated by its handler carries its wire type as a hint (see http/schemas.ts). */
function applyHint(parameter: Parameter): void {
  const hint = parameter.schema?.[OPENAPI_HINT] as Json | undefined;
  if (!parameter.schema || !hint) return;
  const { [OPENAPI_HINT]: _hint, ...schema } = parameter.schema;
  parameter.schema = { ...schema, ...hint };
}

/** A reference to the shared problem response of `status` for the operation, added to `shared` if new. */
function problemResponse(shared: Record<string, Json>, description: string, status: string, operationId: string, method: string): Json {
  const { name, examples } = problemExamples(status, operationId, method);
  const response = { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_REF, examples } } };
  const known = shared[name];
  if (!known) shared[name] = response;
  else if (JSON.stringify(known) !== JSON.stringify(response)) throw new Error(`two different problem responses named ${name}`);
  return { $ref: `#/components/responses/${name}` };
}

/** What each status means here; the `code` member of the problem says which case it is. */
const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '204': 'No content',
  '400': 'Invalid input: `errors` names every bad field',
  '401': 'No bearer token, or one that is invalid or expired',
  '404': "No such object in the caller's tenant (a malformed id included)",
  '409': 'Conflicts with the current state: a duplicate, a name or number in use, a transition not allowed (see `code`)',
  '412': 'The object changed since the ETag given in If-Match',
  '413': 'The body is larger than BODY_LIMIT_BYTES (an import file: IMPORT_MAX_BYTES)',
  '415': 'A Content-Type the operation does not take (application/json; an import: text/csv or application/x-ndjson)',
  '422': 'The Idempotency-Key was used before with a different request',
  '429': "Over the tenant's rate limit; retry after `Retry-After` seconds",
  '503': 'The database is unavailable or answered too slowly; retry',
};

/** Responses an operation may give whatever its route declares. */
const SHARED_RESPONSES: Record<string, (op: Operation) => boolean> = {
  '401': () => true,
  '413': (op) => op.requestBody !== undefined,
  '415': (op) => op.requestBody !== undefined,
  '422': (op) => hasIdempotencyKey(op),
  '409': (op) => hasIdempotencyKey(op), // the same key still running
  '429': () => true,
  '503': () => true,
};

function hasIdempotencyKey(op: Operation): boolean {
  return (op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
}

const IF_MATCH: Parameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag of the version you read (`"3"`): the write fails with 412 if the object has changed since.',
  schema: { type: 'string', examples: ['"3"'] },
};

const RAW_REQUEST_BODIES: Record<string, Operation['requestBody'] & Json> = {
  imports_create: {
    required: true,
    description: 'The file: CSV (UTF-8, header row of the §10 columns) or NDJSON (one contact body per line).',
    content: {
      'text/csv': { schema: { type: 'string' }, example: 'name,type,namespace,prop:pan_no\nAsha Rao,individual,retail,ABCPR1234K\n' },
      'application/x-ndjson': { schema: { type: 'string' }, example: '{"name":"Asha Rao","type":"individual","namespace":"retail"}\n' },
    },
  },
};

function finishOperation(method: string, path: string, op: Operation, sharedResponses: Record<string, Json>): void {
  op.operationId = operationIdFor(method, path, op);
  const id = op.operationId;
  op.description = OPERATION_DESCRIPTIONS[id];
  for (const p of op.parameters ?? []) applyHint(p);
  if (op.responses['412'] && !(op.parameters ?? []).some((p) => p.name === 'If-Match')) {
    op.parameters = [...(op.parameters ?? []), IF_MATCH];
  }
  // A body the route schemas cannot describe (a streamed file).
  if (RAW_REQUEST_BODIES[id] && !op.requestBody) op.requestBody = RAW_REQUEST_BODIES[id];
  const example = REQUEST_EXAMPLES[id];
  const body = op.requestBody?.content?.['application/json'];
  if (example !== undefined && body && body.example === undefined) body.example = example;

  for (const [status, applies] of Object.entries(SHARED_RESPONSES)) {
    if (applies(op)) op.responses[status] ??= {};
  }
  for (const [status, response] of Object.entries(op.responses)) {
    if (Number(status) >= 400) op.responses[status] = problemResponse(sharedResponses, STATUS_TEXT[status] ?? 'Problem', status, id, method);
    else if (response.description === undefined || response.description === 'Default Response')
      response.description = STATUS_TEXT[status] ?? 'OK';
  }
  op.responses = Object.fromEntries(Object.entries(op.responses).sort(([a], [b]) => Number(a) - Number(b)));
}

export function finishDocument(doc: OpenApiDocument, tags: Array<{ name: string; description: string }>): OpenApiDocument {
  const sharedResponses: Record<string, Json> = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) finishOperation(method, path, op, sharedResponses);
    }
  }
  doc.components.responses = Object.fromEntries(Object.entries(sharedResponses).sort(([a], [b]) => a.localeCompare(b)));
  doc.tags = tags;
  return doc;
}
