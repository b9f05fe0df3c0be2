import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import { DedupeBody, DedupeResponse } from './dedupe.schema.js';
import { findDuplicates } from './dedupe.service.js';

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
    async (request) => findDuplicates(request.db, request.ctx.tenantId, request.body),
  );
}
