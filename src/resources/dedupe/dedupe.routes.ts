import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors/index.js';
import { problems } from '../../http/schemas.js';
import type { ContactType } from '../../dedupe/score.js';
import { planDedupe, rankCandidates } from './dedupe.match.js';
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
      const { candidate, query } = planDedupe({ name: body.name, type, props: body.props ?? [], addresses: body.addresses ?? [], namespace: body.namespace ?? null });
      // The namespace is only validated (matching is tenant-wide), by the same statement.
      const { namespaceOk, rows } = await findCandidates(request.db, tenantId, query);
      if (!namespaceOk) {
        throw new AppError('validation_error', `Unknown namespace "${body.namespace}".`, { errors: { namespace: [`Unknown namespace "${body.namespace}".`] } });
      }

      const matches = rankCandidates(candidate, rows, { minScore: body.min_score ?? 0, limit: body.limit ?? DEFAULT_LIMIT });
      return {
        count: matches.length,
        results: matches.map((m) => ({ contact: toContact(m.row), score: m.result.score, band: m.result.band!, reasons: m.result.reasons })),
      };
    },
  );
}
