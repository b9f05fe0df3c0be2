import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagOf, type Precondition } from '../changes/precondition.js';

export { etagOf };

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etagOf(version));
}

const STRONG_TAG = /^"(0|[1-9]\d{0,14})"$/;

/**
 * If-Match as a precondition for the service to check under its row lock. `*` matches any existing
 * object; a tag that is not one of our versions matches nothing; no header means last writer wins.
 */
export function ifMatch(request: FastifyRequest): Precondition | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const tags = header.split(',').map((s) => s.trim().replace(/^W\//, ''));
  if (tags.includes('*')) return { any: true };
  const versions = tags.flatMap((t) => {
    const m = STRONG_TAG.exec(t);
    return m ? [Number(m[1])] : [];
  });
  return { versions };
}
