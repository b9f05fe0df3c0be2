import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors/index.js';
import { problems } from '../../http/schemas.js';
import { nameKey, phoneticKey } from '../../dedupe/names.js';
import { compareMatches, dedupeSubject, prepareSubject, scorePrepared, type ContactType } from '../../dedupe/score.js';
import { toContact } from '../contacts/contacts.queries.js';
import { DedupeBody, DedupeResponse } from './dedupe.schema.js';
import { findCandidates } from './dedupe.queries.js';

const DEFAULT_LIMIT = 10;

export function registerDedupeRoutes(parent: FastifyInstance): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/contacts/dedupe/',
    {
      schema: {
        tags: ['dedupe'],
        summary: 'Find existing contacts that duplicate a candidate, scored and explained',
        body: DedupeBody,
        response: { 200: DedupeResponse, ...problems(400, 401) },
      },
    },
    async (request) => {
      const body = request.body;
      const tenantId = request.ctx.tenantId;
      const type = (body.type ?? null) as ContactType | null;
      const pincodes = (body.addresses ?? []).map((a) => a.pincode).filter((p): p is string => typeof p === 'string');
      const subject = dedupeSubject({ name: body.name, type, props: body.props ?? [], pincodes });
      const candidate = prepareSubject(subject);
      // Aadhaar's last four digits are shared by ~1 in 10,000 people: like PAN prefixes they fetch
      // only holders with a similar name (findCandidates, pass 3), never every holder.
      const keys = subject.identifiers.keys.filter((k) => k.kind !== 'aadhaar');
      const aadhaarLast4 = subject.identifiers.keys.filter((k) => k.kind === 'aadhaar').map((k) => k.value);
      const panPrefixes = [...new Set([...(candidate.values.get('pan') ?? [])].map((pan) => pan.slice(0, 5)))];
      const nameType = type ?? 'individual';

      // Pincodes as written and as the scorer normalizes them (stored values are compared as written).
      const pins = [...new Set([...pincodes.map((p) => p.trim()), ...candidate.pincodes])].filter((p) => p !== '');
      // The namespace is only validated (matching is tenant-wide), by the same statement.
      const { namespaceOk, rows } = await findCandidates(request.db, tenantId, {
        namespace: body.namespace ?? null,
        keys,
        aadhaarLast4,
        panPrefixes,
        nameKey: nameKey(body.name, nameType),
        phonetic: phoneticKey(body.name, nameType),
        pincodes: pins,
      });
      if (!namespaceOk) {
        throw new AppError('validation_error', `Unknown namespace "${body.namespace}".`, { errors: { namespace: [`Unknown namespace "${body.namespace}".`] } });
      }

      const minScore = body.min_score ?? 0;
      const matches = rows
        .map((row) => {
          const props = row.props_kv.map(([, key, value]) => ({ key, value }));
          const existing = prepareSubject(dedupeSubject({ name: row.name, type: row.type, props, pincodes: row.pincodes }));
          return { row, result: scorePrepared(candidate, existing, row.name_count) };
        })
        .filter((m) => m.result.band !== null && m.result.score >= minScore)
        .sort((a, b) => compareMatches(a.result, b.result) || (a.row.id < b.row.id ? -1 : 1))
        .slice(0, body.limit ?? DEFAULT_LIMIT);
      return {
        count: matches.length,
        results: matches.map((m) => ({ contact: toContact(m.row), score: m.result.score, band: m.result.band!, reasons: m.result.reasons })),
      };
    },
  );
}
