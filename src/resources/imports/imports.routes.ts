import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { AppError, FieldErrorCollector, notFound } from '../../errors/index.js';
import type { Deps } from '../../http/deps.js';
import { problems, RefTo } from '../../http/schemas.js';
import { pathId } from '../../http/ids.js';
import { envelope, parsePaging } from '../../http/list.js';
import { filterEnum } from '../common/subresource.js';
import {
  IMPORT_STATUSES,
  ImportCreateQuery,
  ImportIdParam,
  ImportJob,
  ImportList,
  ImportListQuery,
  ImportRow,
  ImportRowList,
  ImportRowListQuery,
  MATCH_ON,
  ON_DUPLICATE,
  ROW_OUTCOMES,
  type MatchOn,
  type OnDuplicate,
} from './imports.schema.js';
import { findImportJob, listImportJobs, listImportRows, toImportJob } from './imports.queries.js';
import { cancelImport, receiveImport } from './imports.service.js';
import type { ImportFormat } from './parse.js';

const TAGS = ['imports'];
/** The media types of an import file (CONTRACT §10). */
export const IMPORT_MEDIA_TYPES: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };
const REASON_MAX = 500;

function mediaFormat(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const format = IMPORT_MEDIA_TYPES[type];
  if (!format) throw new AppError('unsupported_media_type', `An import body must be text/csv or application/x-ndjson, not "${type || 'none'}".`);
  return format;
}

function parseCreateQuery(q: ImportCreateQuery) {
  const errors = new FieldErrorCollector();
  const pick = <T extends string>(field: string, raw: string | undefined, allowed: readonly T[], fallback: T): T => {
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) errors.add(field, `Must be one of: ${allowed.join(', ')}.`);
    return raw as T;
  };
  const dryRun = pick('dry_run', q.dry_run, ['true', 'false'], 'false') === 'true';
  const matchOn = pick<MatchOn>('match_on', q.match_on, MATCH_ON, 'none');
  const onDuplicate = pick<OnDuplicate>('on_duplicate', q.on_duplicate, ON_DUPLICATE, 'block');
  const reason = q.reason?.trim() || null;
  if (onDuplicate === 'allow' && reason === null) errors.add('reason', 'A reason is required with on_duplicate=allow.');
  if (reason !== null && reason.length > REASON_MAX) errors.add('reason', `At most ${REASON_MAX} characters.`);
  errors.throwIfAny();
  return { dryRun, matchOn, onDuplicate, reason, namespace: q.namespace || null };
}

export function registerImportRoutes(parent: FastifyInstance, deps: Deps): void {
  parent.addSchema(ImportJob);
  parent.addSchema(ImportRow);
  // In a scope of their own: only POST /imports/ takes CSV and NDJSON, as a stream (never whole in memory).
  parent.register(async (scope) => {
    scope.addContentTypeParser(Object.keys(IMPORT_MEDIA_TYPES), (_request, payload, done) => done(null, payload));
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    const maxBytes = deps.config.imports.maxBytes;

    app.post(
      '/imports/',
      {
        schema: {
          tags: TAGS,
          summary: 'Upload a CSV or NDJSON file of contacts; the worker imports it (202 with the job)',
          querystring: ImportCreateQuery,
          response: { 202: RefTo(ImportJob), ...problems(400, 401, 413, 415) },
        },
      },
      async (request, reply) => {
        const format = mediaFormat(request.headers['content-type']);
        const options = parseCreateQuery(request.query);
        const length = Number(request.headers['content-length'] ?? NaN);
        if (length > maxBytes) throw new AppError('payload_too_large', `The file is larger than IMPORT_MAX_BYTES (${maxBytes} bytes).`);
        const job = await receiveImport(request.db, request.ctx, { format, maxBytes, uploadTimeoutMs: deps.config.imports.leaseMs, ...options }, request.body as Readable);
        return reply.code(202).header('location', `/imports/${job.id}/`).send(toImportJob(job));
      },
    );
  });

  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/imports/',
    { schema: { tags: TAGS, summary: 'List import jobs, newest first', querystring: ImportListQuery, response: { 200: ImportList, ...problems(400, 401) } } },
    async (request) => {
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, request.query);
      const status = filterEnum(errors, 'status', request.query.status, IMPORT_STATUSES);
      errors.throwIfAny();
      const { rows, count } = await listImportJobs(request.db, request.ctx.tenantId, status, paging.pageSize, paging.offset);
      return envelope(rows.map(toImportJob), count, paging);
    },
  );

  app.get(
    '/imports/:import_id/',
    { schema: { tags: TAGS, summary: 'Retrieve an import job with its live counts', params: ImportIdParam, response: { 200: RefTo(ImportJob), ...problems(401, 404) } } },
    async (request) => {
      const job = await findImportJob(request.db, request.ctx.tenantId, pathId(request.params.import_id, 'Import'));
      if (!job) throw notFound('Import');
      return toImportJob(job);
    },
  );

  app.get(
    '/imports/:import_id/rows/',
    {
      schema: {
        tags: TAGS,
        summary: "An import's per-row report (outcome, contact, errors, duplicate_of), in file order",
        params: ImportIdParam,
        querystring: ImportRowListQuery,
        response: { 200: ImportRowList, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const id = pathId(request.params.import_id, 'Import');
      const errors = new FieldErrorCollector();
      const paging = parsePaging(errors, request.query);
      const outcome = filterEnum(errors, 'outcome', request.query.outcome, ROW_OUTCOMES);
      errors.throwIfAny();
      const tenantId = request.ctx.tenantId;
      const page = await request.db.read(async (tx) => {
        if (!(await findImportJob(tx, tenantId, id))) throw notFound('Import');
        return listImportRows(tx, tenantId, id, outcome, paging.pageSize, paging.offset);
      });
      return envelope(page.rows, page.count, paging);
    },
  );

  app.post(
    '/imports/:import_id/cancel/',
    {
      schema: {
        tags: TAGS,
        summary: 'Cancel an import: a queued job at once, a running one after its current batch (rows committed so far stay)',
        params: ImportIdParam,
        response: { 200: RefTo(ImportJob), ...problems(401, 404, 409) },
      },
    },
    async (request) => {
      const id = pathId(request.params.import_id, 'Import');
      const job = await request.db.transaction((tx) => cancelImport(tx, request.ctx.tenantId, id));
      return toImportJob(job);
    },
  );
}
