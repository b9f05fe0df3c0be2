import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { migrateDatabase, openDatabase, DataDirLockedError } from '../db/index.js';
import { mintToken, parseTtl } from '../auth/index.js';
import { resolveDevSecret, serveForever } from '../main.js';
import { buildApp } from '../app.js';
import { runScanCommand, ScanUsageError } from '../resources/dedupe/scan.command.js';
import { runVerify, VERIFY_HELP } from './commands/verify.js';
import { runWorkerForever, WORKER_HELP } from './commands/worker.js';

const HELP: Record<string, string> = {
  verify: VERIFY_HELP,
  worker: WORKER_HELP,
  main: `Usage: contact-registry <command> [options]

Commands:
  serve                 run the HTTP service (HOST, PORT, DATABASE_URL, DATA_DIR, AUTH_* from the environment)
  worker                run the background worker alone (event feed, webhook deliveries)
  migrate               apply pending database migrations and exit
  token --tenant <id> --sub <id> [--ttl 1h]
                        print a bearer token signed with the configured HS256 secret
  openapi               print the OpenAPI 3.1 document
  dedupe-scan --tenant <id> [--namespace <name|id>] [--format jsonl|csv] [--out <file>] [--min-band probable|possible]
                        scan a tenant for clusters of probable duplicates
  verify --tenant <id>  check a tenant's derived data (dedupe keys and copies) against its sources

Run "contact-registry <command> --help" for a command's options.`,
  serve: 'Usage: contact-registry serve\n\nServes on HOST:PORT (default 127.0.0.1:8080). Migrations run at start.',
  migrate: 'Usage: contact-registry migrate\n\nApplies pending migrations to DATABASE_URL (or the embedded database in DATA_DIR), connecting as\nMIGRATION_DATABASE_URL (the schema owner) when that is set.',
  token:
    'Usage: contact-registry token --tenant <id> --sub <id> [--ttl 1h]\n\nPrints an HS256 JWT with claims tenant_id and sub, signed with AUTH_JWT_SECRET\n(or the development secret in DATA_DIR). --ttl accepts 90s, 30m, 1h, 7d.',
  openapi: 'Usage: contact-registry openapi\n\nPrints the OpenAPI 3.1 document as JSON.',
  'dedupe-scan':
    'Usage: contact-registry dedupe-scan --tenant <id> [--namespace <name|id>] [--format jsonl|csv] [--out <file>] [--min-band probable|possible]\n\n' +
    'Scans the live contacts of a tenant (or one namespace) of DATABASE_URL (or DATA_DIR) for duplicates and writes\n' +
    'one cluster per JSON line ({"cluster","size","contacts":[{"id","ref_id","name"}],"pairs":[{"a","b","score","band","reasons"}]})\n' +
    'or CSV rows (cluster,contact_id,ref_id,name,best_score,band) to --out (default stdout).\n' +
    'Pairs are scored like POST /contacts/dedupe/; --min-band (default probable) is the weakest band that links a pair.\n' +
    'Blocking keeps it near-linear: shared PAN, mobile, email (and CIN, passport, voter id) values, and equal\n' +
    'phonetic name keys that also share a pincode or Aadhaar last four (all same-sounding names with --min-band possible).\n' +
    'Shows a progress bar on stderr when it is a terminal. Statements may run up to 30 minutes (a batch job).',
};

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return command ? 0 : 2;
  }
  if (!(command in HELP) || command === 'main') {
    console.error(`unknown command "${command}"\n\n${HELP.main}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      help: { type: 'boolean', short: 'h' },
      tenant: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string' },
      namespace: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      'min-band': { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await serveForever(config);
      return -1; // keep running
    case 'worker':
      await runWorkerForever(config);
      return -1; // keep running
    case 'migrate': {
      const db = await openDatabase(config);
      try {
        const applied = await migrateDatabase(config, db);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'token': {
      if (!values.tenant || !values.sub) {
        console.error(HELP.token);
        return 2;
      }
      const secret = config.auth.jwtSecret ?? resolveDevSecret(config)?.secret;
      if (!secret) {
        console.error('token needs AUTH_JWT_SECRET (an external JWKS issuer mints its own tokens)');
        return 2;
      }
      const ttlSeconds = parseTtl(values.ttl ?? '1h');
      console.log(await mintToken({ secret, tenant: values.tenant, sub: values.sub, ttlSeconds, issuer: config.auth.issuer, audience: config.auth.audience }));
      return 0;
    }
    case 'dedupe-scan': {
      if (!values.tenant) {
        console.error(HELP['dedupe-scan']);
        return 2;
      }
      try {
        await runScanCommand(config, { tenant: values.tenant, namespace: values.namespace, format: values.format, out: values.out, minBand: values['min-band'] });
      } catch (err) {
        if (!(err instanceof ScanUsageError)) throw err;
        console.error(`error: ${err.message}`);
        return 2;
      }
      return 0;
    }
    case 'verify': {
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (!values.tenant || (limit !== undefined && !(Number.isInteger(limit) && limit > 0))) {
        console.error(HELP.verify);
        return 2;
      }
      return runVerify(config, { tenant: values.tenant, limit });
    }
    case 'openapi': {
      const none = async (): Promise<never> => {
        throw new Error('no database');
      };
      const stub = { engine: 'pglite' as const, query: none, exec: none, transaction: none, forTenant: () => ({ tenantId: '', query: none, exec: none, transaction: none }), ping: async () => {}, close: async () => {} };
      const app = await buildApp({ config: { ...config, rateLimitPerMinute: 0 }, db: stub, devSecret: 'openapi-generation-only-secret-000000' });
      await app.ready();
      console.log(JSON.stringify(app.swagger(), null, 2));
      await app.close();
      return 0;
    }
  }
  return 2;
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(`error: ${err.message}`);
    else if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`error: ${(err as Error).message}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
