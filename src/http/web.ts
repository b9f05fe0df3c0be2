import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import { constants as zlib } from 'node:zlib';

// The web conventions every response follows: security headers, compression of large bodies and,
// only when configured, CORS for browser clients on other origins.

/**
 * The API answers JSON only: its pages may load nothing and be framed by no one. The reference
 * at /docs has its own policy (DOCS_CSP).
 */
const API_CSP = { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } };

/**
 * /docs (Swagger UI): its scripts, styles and the OpenAPI document come from this server; "Try it
 * out" calls this server. Swagger UI sets `style` attributes at run time, hence 'unsafe-inline'
 * for styles only (scripts stay 'self'). No validator badge (it would call a third party).
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'self'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'";

/** Responses smaller than this go out as they are: compressing a single contact costs more than it saves. */
const COMPRESS_THRESHOLD_BYTES = 4096;

/**
 * Brotli with a 256 KiB window instead of its 4 MiB default: each response being compressed holds
 * an encoder sized by its window, and twenty large pages at once would otherwise hold megabytes
 * each (the 400 MB bound of test/crash/amplification-memory.test.ts). JSON repeats itself within
 * far less than 256 KiB, so the ratio hardly changes.
 */
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_QUALITY]: 4, [zlib.BROTLI_PARAM_LGWIN]: 18 } };

/** A header write of helmet's middleware: set (name, value) or remove (name). */
type HeaderStep = [name: string, value: string | null];

/**
 * The header writes helmet makes for these options, recorded once. Helmet's middleware is a pure
 * function of its options (no directive here depends on the request), but @fastify/helmet rebuilt
 * it — option parsing, CSP validation and serialization — on every request, a few per cent of a
 * GET's CPU. Replaying the recorded writes on the raw response gives the same headers, in the same
 * order and spelling.
 */
export function helmetHeaderSteps(options: HelmetOptions): HeaderStep[] {
  const steps: HeaderStep[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void steps.push([name, String(value)]),
    removeHeader: (name: string) => void steps.push([name, null]),
  };
  let failure: unknown = null;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => (failure = err ?? null));
  if (failure) throw failure;
  return steps;
}

function applySteps(res: ServerResponse, steps: HeaderStep[]): void {
  for (const [name, value] of steps) {
    if (value === null) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}

export async function registerWebConventions(app: FastifyInstance, corsOrigins: string[]): Promise<void> {
  const security = helmetHeaderSteps({ contentSecurityPolicy: API_CSP });
  app.addHook('onRequest', (_request, reply, done) => {
    applySteps(reply.raw, security);
    done();
  });
  // Request bodies are not decompressed: a small gzip body could expand past BODY_LIMIT_BYTES' intent.
  await app.register(compress, { threshold: COMPRESS_THRESHOLD_BYTES, globalDecompression: false, brotliOptions: BROTLI_OPTIONS });
  if (corsOrigins.length > 0) {
    // Registered before authentication: a preflight (OPTIONS) carries no token and is answered here.
    await app.register(cors, {
      origin: corsOrigins.includes('*') ? '*' : corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
      maxAge: 600,
    });
  }
}
