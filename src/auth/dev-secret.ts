import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * Embedded-database development mode: with no auth configured, a random HS256 secret is created
 * once in DATA_DIR and reused, so `contact-registry token` and the server agree without set-up.
 */
export function loadOrCreateDevSecret(dataDir: string): { secret: string; created: boolean; path: string } {
  const path = join(dataDir, 'dev-jwt-secret');
  if (existsSync(path)) return { secret: readFileSync(path, 'utf8').trim(), created: false, path };
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, secret + '\n', { mode: 0o600 });
  return { secret, created: true, path };
}
