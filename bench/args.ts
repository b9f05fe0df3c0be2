// Command-line flags of `npm run bench`.
import { parseArgs } from 'node:util';
import { FULL_SIZES, PGLITE_QUICK_SIZES, PGLITE_SIZES, QUICK_SIZES, type Sizes } from './dataset.js';

export interface BenchOptions {
  duration: number;
  rounds: number;
  warmup: number;
  connections: number;
  scenarios: string[] | null;
  engine: 'postgres' | 'pglite' | 'both';
  quick: boolean;
  sizes: Sizes;
  pgliteSizes: Sizes;
  build: boolean;
  cpuProf: boolean;
  output: string;
  command: string;
}

const HELP = `Usage: npm run bench -- [options]

  --duration <s>       seconds per measured run (default 10; --quick 3)
  --rounds <n>         rounds; targets are interleaved round by round (default 3; --quick 1)
  --warmup <s>         seconds of unrecorded warm-up per scenario and target (default 3; --quick 1)
  --connections <n>    concurrent connections (default 32)
  --scenarios <a,b>    only these scenarios (get_by_id, get_expand, list_filtered, list_search,
                       post, patch, actions)
  --engine <e>         postgres | pglite | both (default both)
  --tenants <n> --per-tenant <n> --large <n>
                       data set on PostgreSQL (default 100 x 1000 + 200000; --quick 10 x 200 + 20000)
  --quick              short durations and the small data set
  --no-build           skip \`npm run build\` (dist/ must be current)
  --cpu-prof           run our service with --cpu-prof (profiles in bench/results/prof/)
  --output <file>      report file (default BENCHMARKS.md)`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      scenarios: { type: 'string' },
      engine: { type: 'string' },
      tenants: { type: 'string' },
      'per-tenant': { type: 'string' },
      large: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const num = (name: string, raw: string | undefined, fallback: number, min = 1): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${raw}"`);
    return n;
  };
  const base = quick ? QUICK_SIZES : FULL_SIZES;
  const engine = values.engine ?? 'both';
  if (engine !== 'postgres' && engine !== 'pglite' && engine !== 'both') throw new Error(`--engine must be postgres, pglite or both`);
  const sizes: Sizes = {
    tenants: num('tenants', values.tenants, base.tenants),
    perTenant: num('per-tenant', values['per-tenant'], base.perTenant, 8),
    large: num('large', values.large, base.large),
  };
  return {
    duration: num('duration', values.duration, quick ? 3 : 10),
    rounds: num('rounds', values.rounds, quick ? 1 : 3),
    warmup: num('warmup', values.warmup, quick ? 1 : 3, 0),
    connections: num('connections', values.connections, 32),
    scenarios: values.scenarios
      ? values.scenarios
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null,
    engine,
    quick,
    sizes,
    pgliteSizes: quick ? PGLITE_QUICK_SIZES : PGLITE_SIZES,
    build: !values['no-build'],
    cpuProf: values['cpu-prof'] ?? false,
    output: values.output ?? 'BENCHMARKS.md',
    command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
  };
}
