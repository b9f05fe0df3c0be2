import { SignJWT } from 'jose';

export interface MintOptions {
  secret: string;
  tenant: string;
  sub: string;
  ttlSeconds: number;
  issuer?: string | null;
  audience?: string | null;
}

/** Mints an HS256 bearer token (the `token` CLI command and the tests use it). */
export async function mintToken(o: MintOptions): Promise<string> {
  let jwt = new SignJWT({ tenant_id: o.tenant })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(o.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + o.ttlSeconds);
  if (o.issuer) jwt = jwt.setIssuer(o.issuer);
  if (o.audience) jwt = jwt.setAudience(o.audience);
  return jwt.sign(new TextEncoder().encode(o.secret));
}

/** Parses `90s`, `15m`, `1h`, `7d` (or plain seconds). */
export function parseTtl(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw new Error(`invalid ttl "${text}" (use e.g. 30m, 1h, 7d)`);
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}
