import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config.js';

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

/** The dev secret for the embedded mode with no auth configured (CONTRACT §7); null otherwise. */
export function resolveDevSecret(config: Config): { secret: string; created: boolean; path: string } | null {
  if (config.auth.jwtSecret || config.auth.jwksUrl || config.databaseUrl) return null;
  return loadOrCreateDevSecret(config.dataDir);
}
