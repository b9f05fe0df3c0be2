import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { createTokenVerifier } from '../../src/auth/index.js';
import { cliNodeArgs } from '../helpers/cli-process.js';

// The command line as a person meets it: every mistake is one line plus the usage and exit 2,
// never a stack trace; `token` mints only what the server accepts.

const SECRET = 'cli-test-secret-cli-test-secret-0123456789';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** Runs the real entry point in a child process (for what needs the environment). */
function spawnCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [...cliNodeArgs(), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
  });
}

async function assertUsageError(args: string[], message: RegExp) {
  const r = await cli(args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit 2 (stderr: ${r.err})`);
  assert.equal(r.out, '', `${args.join(' ')}: nothing on stdout`);
  const lines = r.err.trimEnd().split('\n');
  assert.match(lines[0]!, /^error: /, `${args.join(' ')}: one error line first`);
  assert.match(lines[0]!, message, args.join(' '));
  assert.match(lines[1]!, /^usage: contact-registry /, `${args.join(' ')}: then the usage`);
  assert.ok(lines.length <= 3, `${args.join(' ')}: short (${lines.length} lines)`);
  assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
}

describe('CLI usage errors', () => {
  test('no command prints the command list (exit 2); --help prints it (exit 0)', async () => {
    const none = await cli([]);
    assert.equal(none.code, 2);
    assert.match(none.err, /Commands:/);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const c of COMMANDS) assert.match(help.out, new RegExp(`^  ${c.name} `, 'm'));
  });

  test('unknown commands and options before the command', async () => {
    await assertUsageError(['frobnicate'], /unknown command "frobnicate"/);
    await assertUsageError(['--port', '9000'], /unknown option --port/);
    await assertUsageError(['help', 'frobnicate'], /unknown command "frobnicate"/);
  });

  for (const command of COMMANDS) {
    test(`${command.name}: --help, unknown flags, stray arguments, missing values`, async () => {
      const help = await cli([command.name, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.out, new RegExp(`^Usage: contact-registry ${command.name}`));
      await assertUsageError([command.name, '--bogus'], /unknown option --bogus/);
      await assertUsageError([command.name, '--help=yes'], /--help takes no value/);
      if (!command.allowPositionals) await assertUsageError([command.name, 'stray'], /unexpected argument "stray"/);
      for (const [name, spec] of Object.entries(command.options)) {
        if (spec.type !== 'string') continue;
        await assertUsageError([command.name, `--${name}`], new RegExp(`--${name} needs a value`));
        await assertUsageError([command.name, `--${name}`, 'a', `--${name}`, 'b'], new RegExp(`--${name} is given more than once`));
      }
    });
  }

  test('token: required options, and tenants, users and lifetimes the server would refuse', async () => {
    await assertUsageError(['token', '--sub', 'alice'], /--tenant is required/);
    await assertUsageError(['token', '--tenant', 'acme'], /--sub is required/);
    for (const tenant of ['a b', '', 'x'.repeat(101), 'acme/eu', 'ümlaut']) {
      await assertUsageError(['token', '--tenant', tenant, '--sub', 'alice'], /--tenant .* is not accepted by the service/);
    }
    await assertUsageError(['token', '--tenant', 'acme', '--sub', ''], /--sub "" is not accepted/);
    await assertUsageError(['token', '--tenant', 'acme', '--sub', 'u'.repeat(101)], /at most 100 characters/);
    for (const ttl of ['5y', '0', '0s', '367d', '1.5h', 'h']) {
      await assertUsageError(['token', '--tenant', 'acme', '--sub', 'alice', '--ttl', ttl], /--ttl must be a duration/);
    }
    await assertUsageError(['token', '--tenant', 'acme', '--sub', 'alice', '--ttl=-1h'], /--ttl must be a duration/);
    await assertUsageError(['token', '--tenant', 'acme', '--sub', 'alice', '--ttl', '2d'], /longer than the service accepts \(AUTH_MAX_TOKEN_TTL/);
  });

  test('serve: --port and --host values', async () => {
    for (const port of ['99999', 'abc', '80.5', '']) await assertUsageError(['serve', '--port', port], /--port must be a port number/);
    await assertUsageError(['serve', '--port=-1'], /--port must be a port number/);
    await assertUsageError(['serve', '--host', ' '], /--host needs an address/);
  });

  test('dedupe-scan: tenant, format and band are checked before any database is opened', async () => {
    await assertUsageError(['dedupe-scan'], /--tenant is required/);
    await assertUsageError(['dedupe-scan', '--tenant', 'a b'], /is not a tenant id/);
    await assertUsageError(['dedupe-scan', '--tenant', 'acme', '--format', 'xml'], /--format must be jsonl or csv/);
    await assertUsageError(['dedupe-scan', '--tenant', 'acme', '--min-band', 'exact'], /--min-band must be probable or possible/);
  });
});

describe('CLI token', () => {
  test('mints a bearer token the configured secret verifies', async () => {
    const out = spawnCli(['token', '--tenant', 'acme', '--sub', 'alice', '--ttl', '10m'], { AUTH_JWT_SECRET: SECRET });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'the token and a newline');
    const ctx = await createTokenVerifier({ jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null })(out.stdout.trim());
    assert.deepEqual(ctx, { tenantId: 'acme', userId: 'alice' });
  });

  test('without auth configuration it signs with the development secret it creates in DATA_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cr-cli-'));
    try {
      const out = spawnCli(['token', '--tenant', 'acme', '--sub', 'alice'], { DATA_DIR: dir });
      assert.equal(out.status, 0, out.stderr);
      assert.ok(existsSync(join(dir, 'dev-jwt-secret')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with only AUTH_JWKS_URL, or DATABASE_URL without a secret, it says why in one line (exit 1)', () => {
    const jwks = spawnCli(['token', '--tenant', 'acme', '--sub', 'alice'], { AUTH_JWKS_URL: 'https://idp.example.com/jwks.json' });
    assert.equal(jwks.status, 1);
    assert.match(jwks.stderr, /^error: AUTH_JWKS_URL is set: tokens come from that identity provider/);
    const pg = spawnCli(['token', '--tenant', 'acme', '--sub', 'alice'], { DATABASE_URL: 'postgres://x@127.0.0.1:1/x' });
    assert.equal(pg.status, 1);
    assert.equal(pg.stderr.trimEnd().split('\n').length, 1, pg.stderr);
    assert.match(pg.stderr, /^error: DATABASE_URL is set but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is/);
  });

  test('--help and token load neither Fastify nor the PostgreSQL driver', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { runCli } = await import('./src/cli/run.ts');
      const io = { out() {}, err(t) { process.stderr.write(t); } };
      const codes = [await runCli(['--help'], io), await runCli(['token', '--help'], io), await runCli(['token', '--tenant', 'acme', '--sub', 'alice'], io)];
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /node_modules\\/(fastify|pg|@fastify\\/[^/]+)\\//.test(p));
      console.log(JSON.stringify({ codes, loaded }));`;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AUTH_JWT_SECRET: SECRET },
    });
    assert.equal(out.status, 0, out.stderr);
    const { codes, loaded } = JSON.parse(out.stdout.trim().split('\n').pop()!);
    assert.deepEqual(codes, [0, 0, 0]);
    assert.deepEqual(loaded, []);
  });
});

describe('CLI openapi', () => {
  test('prints the document without a database', () => {
    const out = spawnCli(['openapi'], { AUTH_JWT_SECRET: SECRET });
    assert.equal(out.status, 0, out.stderr);
    const doc = JSON.parse(out.stdout);
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/contacts/'] && doc.paths['/contacts/dedupe/'] && doc.paths['/history/']);
  });
});
