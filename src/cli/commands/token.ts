import { defineCommand, UsageError } from '../command.js';
import { subjectProblem, tenantIdProblem } from '../../auth/claims.js';
import { isStorableText } from '../../validation/text.js';

const TTL = /^([0-9]{1,9})([smhd]?)$/;
const UNIT_SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;
/** A development token is not a credential to keep: a year at most. */
const MAX_TTL_SECONDS = 366 * 86400;

function ttlSeconds(text: string): number {
  const m = TTL.exec(text);
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : NaN;
  if (!(seconds >= 1 && seconds <= MAX_TTL_SECONDS)) {
    throw new UsageError(`--ttl must be a duration from 1s to 366d such as 90s, 30m, 1h or 7d, got "${text}"`);
  }
  return seconds;
}

export const token = defineCommand({
  name: 'token',
  summary: 'print a bearer token for a tenant and user (HS256)',
  usage: 'token --tenant <id> --sub <user> [--ttl <duration>]',
  details: `Prints an HS256 JWT with the claims tenant_id and sub, signed with AUTH_JWT_SECRET, or with the
development secret in DATA_DIR when no auth is configured (the embedded mode). Values the service
would refuse are refused here: a tenant id is 1–100 characters of A–Z, a–z, 0–9, ".", "_", ":" and
"-"; a user id is 1–100 characters. --ttl is 90s, 30m, 1h, 7d (default 1h, at most 366d).
--ttl may not exceed AUTH_MAX_TOKEN_TTL (default 24h). With AUTH_JWKS_URL the identity provider mints
tokens; this command cannot.`,
  options: { tenant: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } },
  async run(values, io) {
    if (values.tenant === undefined) throw new UsageError('--tenant is required');
    if (values.sub === undefined) throw new UsageError('--sub is required');
    const tenantProblem = tenantIdProblem(values.tenant);
    if (tenantProblem) throw new UsageError(`--tenant "${values.tenant}" is not accepted by the service: ${tenantProblem}`);
    const subProblem = subjectProblem(values.sub) ?? (isStorableText(values.sub) ? null : 'it contains characters that cannot be stored');
    if (subProblem) throw new UsageError(`--sub "${values.sub}" is not accepted by the service: ${subProblem}`);
    const seconds = ttlSeconds(values.ttl ?? '1h');

    const { loadConfig } = await import('../../config.js');
    const { mintToken, resolveDevSecret } = await import('../../auth/index.js');
    const config = loadConfig();
    if (config.auth.jwksUrl && !config.auth.jwtSecret) {
      io.err('error: AUTH_JWKS_URL is set: tokens come from that identity provider (set AUTH_JWT_SECRET to mint HS256 tokens here)\n');
      return 1;
    }
    if (seconds > config.auth.maxTokenTtlSeconds) {
      throw new UsageError(`--ttl ${values.ttl} is longer than the service accepts (AUTH_MAX_TOKEN_TTL, ${config.auth.maxTokenTtlSeconds} s)`);
    }
    const secret = config.auth.jwtSecret ?? resolveDevSecret(config)?.secret;
    if (!secret) {
      io.err('error: no signing secret: set AUTH_JWT_SECRET (with DATABASE_URL set there is no development secret)\n');
      return 1;
    }
    const jwt = await mintToken({
      secret,
      tenant: values.tenant,
      sub: values.sub,
      ttlSeconds: seconds,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    });
    io.out(`${jwt}\n`);
    return 0;
  },
});
