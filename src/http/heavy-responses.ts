import type { FastifyReply } from 'fastify';
import { AppError } from '../errors/index.js';

/**
 * Responses that inline many related items (a page of contacts with hundreds of props each) hold
 * megabytes each while they are read, serialized and compressed: twenty at once would take the
 * process past any memory bound. At most `max` of them are built at once per process; one more is
 * refused with 503 and Retry-After rather than queued, because the request asking is inside its
 * tenant transaction and would hold a pool connection while it waited. A page that inlines little
 * never asks. The permit is held until the response has been sent, compression included.
 */
export interface HeavyResponses {
  /** The gate one request's expansion passes through (views/expand.ts calls admit()). */
  gateFor(reply: FastifyReply): { admit(): void };
}

const RETRY_AFTER_SECONDS = 1;

export function createHeavyResponses(max: number): HeavyResponses {
  let active = 0;
  return {
    gateFor(reply) {
      let admitted = false;
      return {
        admit() {
          if (admitted) return;
          if (active >= max) {
            throw new AppError('service_unavailable', `Too many large responses are being built at once (at most ${max} per process); retry shortly.`, {
              headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
            });
          }
          active++;
          admitted = true;
          // 'close' fires once the response is sent, or when the client went away first.
          reply.raw.once('close', () => active--);
        },
      };
    },
  };
}
