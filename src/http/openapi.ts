import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DOCS_CSP } from './web.js';
import { finishDocument, type OpenApiDocument } from './openapi-document.js';

export const DOCS_PREFIX = '/docs';

/** Every tag an operation may carry, in the order /docs shows them. */
export const OPENAPI_TAGS = [
  { name: 'namespaces', description: 'Groups of contacts with their own reference-id patterns (`VAY-{yyyy}-{seq:6}`) and counters.' },
  { name: 'contacts', description: 'Borrowers, co-applicants, guarantors and corporates: one record each, with typed props.' },
  { name: 'contact lifecycle', description: 'Status (active/inactive), approval (approve/reject) and restoring a deleted contact.' },
  { name: 'props', description: 'Typed key/value facts of a contact (PAN, mobile, email, …), upserted by key.' },
  { name: 'addresses', description: "A contact's addresses (flat Crego paths: the owner is the `contact_id` body field)." },
  { name: 'banks', description: "A contact's bank accounts, at most one of them primary." },
  { name: 'relations', description: 'Relations between contacts (spouse, guarantor, …), or to a party not on file yet.' },
  {
    name: 'history',
    description: 'The audit trail: one entry per change, with the state before and after, written in the same transaction.',
  },
  { name: 'dedupe', description: 'Duplicate detection: existing contacts that may be the same person or company, scored and explained.' },
  { name: 'events', description: 'The feed of every change, read with a cursor (`after`, `next_after`): each event exactly once, in order.' },
  { name: 'webhooks', description: 'Endpoints that receive events as signed HTTP POSTs (Standard Webhooks), with their deliveries.' },
  { name: 'imports', description: 'Bulk import of CSV or NDJSON files: validated and written row by row exactly as the API would, in the background.' },
  { name: 'merges', description: 'Merging duplicate contacts into one survivor, the record of each merge, and its exact undo.' },
  { name: 'duplicates', description: 'The review queue: pairs of contacts that may be one party, opened by writes, scans and overrides; dismissed pairs are remembered.' },
];

/**
 * OpenAPI 3.1 generated from the same route schemas that validate requests; what the route
 * schemas cannot say (operation ids, descriptions, problem media types, wire types of query
 * parameters) is added in one place, finishDocument.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Contact Registry',
        version: '0.1.0',
        description:
          'Contact master data for lending platforms: a drop-in for the Crego Contact APIs (same paths, fields and status codes; ' +
          "paths end with `/` as Crego's do). Every endpoint needs `Authorization: Bearer <JWT>`; the tenant is the token's " +
          '`tenant_id` claim. Errors are RFC 9457 problem documents (`application/problem+json`) whose `errors` member names every bad field.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      // Relative: the document is served by the API it describes, so "Try it out" calls this server.
      servers: [{ url: '/', description: 'the server that serves this document' }],
      tags: OPENAPI_TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (generated) => {
      if (!('openapiObject' in generated)) throw new Error('an OpenAPI 3 document was expected');
      return finishDocument(generated.openapiObject as OpenApiDocument, OPENAPI_TAGS) as typeof generated.openapiObject;
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, displayOperationId: true, defaultModelsExpandDepth: 0 },
  });
}
