import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors/index.js';
import { subjectProblem, tenantIdProblem } from './claims.js';

export interface TenantContext {
  tenantId: string;
  userId: string;
}

export interface AuthSettings {
  jwtSecret: string | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string | null;
  /** Tokens valid for longer are refused (default 24 h): a leaked long-lived token is a standing key. */
  maxTokenTtlSeconds?: number;
}

export interface TokenVerifier {
  (token: string): Promise<TenantContext>;
  /** The token's context when it was verified before and has not expired (no signature check). */
  cached?(token: string): TenantContext | undefined;
}

// Verified tokens are cached (bounded, until expiry) so a hot client does not pay signature
// verification on every request; a token's claims cannot change, only expire.
const CACHE_MAX = 10_000;

export function createTokenVerifier(settings: AuthSettings): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 })
    : new TextEncoder().encode(settings.jwtSecret ?? '');
  if (!settings.jwksUrl && !settings.jwtSecret) throw new Error('an auth secret or JWKS URL is required');
  const algorithms = settings.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
  const cache = new Map<string, { ctx: TenantContext; expMs: number }>();
  const cached = (token: string): TenantContext | undefined => {
    const hit = cache.get(token);
    if (hit === undefined) return undefined;
    if (hit.expMs > Date.now()) return hit.ctx;
    cache.delete(token);
    return undefined;
  };

  const verify = async (token: string): Promise<TenantContext> => {
    const hit = cached(token);
    if (hit) return hit;
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        issuer: settings.issuer ?? undefined,
        audience: settings.audience ?? undefined,
        requiredClaims: ['exp'],
      });
      payload = result.payload;
    } catch {
      throw new AppError('unauthorized', 'The bearer token is invalid or expired.');
    }
    const maxTtl = settings.maxTokenTtlSeconds ?? 86_400;
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000;
    if ((payload.exp as number) - issuedAt > maxTtl) {
      throw new AppError('unauthorized', `The bearer token is valid for longer than this service accepts (${maxTtl} s, AUTH_MAX_TOKEN_TTL).`);
    }
    const tenant = payload.tenant_id ?? payload.tenant;
    if (tenantIdProblem(tenant) !== null) {
      throw new AppError('unauthorized', 'The bearer token has no valid tenant_id claim.');
    }
    if (subjectProblem(payload.sub) !== null) {
      throw new AppError('unauthorized', 'The bearer token has no valid sub claim.');
    }
    const ctx: TenantContext = { tenantId: tenant as string, userId: payload.sub as string };
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(token, { ctx, expMs: (payload.exp as number) * 1000 });
    return ctx;
  };
  return Object.assign(verify, { cached });
}
