import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.js';

export const etagOf = (version: number): string => `"${version}"`;

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etagOf(version));
}

/**
 * Optimistic concurrency: honours If-Match against the object's current version (read under a
 * row lock by the caller). `*` matches any existing object; no header means last writer wins.
 */
export function checkIfMatch(request: FastifyRequest, currentVersion: number): void {
  const header = request.headers['if-match'];
  if (header === undefined) return;
  const wanted = header.split(',').map((s) => s.trim().replace(/^W\//, ''));
  if (wanted.includes('*') || wanted.includes(etagOf(currentVersion))) return;
  throw new AppError('precondition_failed', 'The object has changed since the given ETag (If-Match).', {
    headers: { etag: etagOf(currentVersion) },
  });
}
