import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareTemplates } from './helpers/databases.js';

// `npm test`: every test file but the slow families (or the files and folders named as
// arguments) under node:test, on all cores; `npm run test:slow` the slow families alone (server
// and worker processes killed and restarted, generated requests: test/crash, test/fuzz),
// `npm run test:all` both. CI runs both. The console's browser tests stay in `npm test`. A test process spends about two seconds of CPU loading tsx, Fastify and the service
// before its first test, so the files are packed into a few groups — each group one process that
// imports its files in turn — and node:test runs the groups side by side. Each suite still gets a
// database of its own (test/helpers/databases.ts), so files in one process cannot see each
// other's rows. Any other argument goes to node:test: `npm test -- --test-name-pattern=dedupe`.
//
// One file on its own needs none of this: `node --import tsx --test test/api/contacts.test.ts`.

const ROOT = resolve(import.meta.dirname, '..');

/** Families of files that start and kill processes, or generate many requests: `--slow`. */
const SLOW_FAMILIES = ['crash', 'fuzz'].map((dir) => resolve(ROOT, 'test', dir) + sep);

type Family = 'fast' | 'slow' | 'all';

/** The test files under the given files and folders (by default test/, of the given family). */
function testFiles(selection: string[], family: Family): string[] {
  const roots = selection.length ? selection.map((p) => resolve(p)) : [resolve(ROOT, 'test')];
  const files = roots.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts')).map((f) => join(p, f))
      : [p],
  );
  const slow = (f: string) => SLOW_FAMILIES.some((dir) => f.startsWith(dir));
  // Files named one by one always run; a family narrows what folders contribute.
  const chosen = selection.length && family === 'fast' ? files : files.filter((f) => family === 'all' || (family === 'slow') === slow(f));
  return [...new Set(chosen)].sort();
}

/**
 * Files whose running time the estimate below gets wrong: seconds their suites took in a full
 * `npm test` on 2 cores (measured under load and scaled to a quiet run; only the packing depends
 * on these numbers, so their ratios are what matter). The slow families' are from `--slow` runs.
 */
const MEASURED_SECONDS: Record<string, number> = {
  'test/fuzz/openapi-fuzz.test.ts': 28, // generated requests on both engines
  'test/crash/sigkill.test.ts': 20, // server processes under write load
  'test/crash/import-resume.test.ts': 15, // a worker process killed mid-file
  'test/crash/amplification-memory.test.ts': 14, // a server process building large pages
  'test/api/contact-counts.test.ts': 10, // CLI processes, a slot-overflow database, every write kind on both engines
  'test/crash/duplicates-worker.test.ts': 14, // API and worker processes on PostgreSQL; serve on PGlite
  'test/api/startup.test.ts': 23, // CLI processes
  'test/api/merge-property.test.ts': 13, // generated contact graphs, both engines
  'test/browser/docs.test.ts': 12, // a server and Chromium; Swagger UI parsing the whole document
  'test/api/banks.test.ts': 11,
  'test/api/isolation-matrix.test.ts': 10, // every route × bad credentials and another tenant
  'test/browser/console-actions.test.ts': 9, // a server and Chromium
  'test/browser/console-imports.test.ts': 9, // a server with its worker, and Chromium
  'test/browser/console-records.test.ts': 9, // a server and Chromium
  'test/api/cli-import.test.ts': 8, // CLI processes
  'test/browser/console-contacts.test.ts': 8, // a server and Chromium
  'test/api/addresses.test.ts': 7,
  'test/api/duplicates.test.ts': 7, // write checks and scans run by hand, both engines
  'test/api/merge.test.ts': 7,
  'test/browser/console-duplicates.test.ts': 7, // a server with its worker, and Chromium
  'test/api/cli.test.ts': 6, // CLI processes
  'test/api/contacts.test.ts': 6,
  'test/api/imports.test.ts': 6, // import jobs through the worker, both engines
  'test/api/amplification.test.ts': 5, // contacts with 200 large props each
  'test/api/console.test.ts': 5,
  'test/api/duplicates-concurrency.test.ts': 5, // PostgreSQL only, parallel connections
  'test/browser/console-webhooks.test.ts': 5, // a server with its worker, a receiver and Chromium
  'test/api/import-batch.test.ts': 4, // eight imports each way, both engines
  'test/api/merge-concurrency.test.ts': 4,
  'test/browser/console-forms.test.ts': 4, // a server and Chromium
  'test/browser/console-merge.test.ts': 4, // a server and Chromium
  'test/browser/console-oidc.test.ts': 3, // a server, an OpenID provider and Chromium
  'test/api/auth-errors.test.ts': 2,
  'test/api/dedupe-dob.test.ts': 2,
  'test/api/namespaces.test.ts': 2,
  'test/property/invalid-bodies.test.ts': 2, // generated bodies
  'test/api/cli-dedupe-persist.test.ts': 1, // a CLI process on PostgreSQL
};

/**
 * A file's expected running time in seconds: a table entry, else about a third of a second per
 * suite on a database (its app and harness; the database is the process's, shared) and a fifth
 * of a second per kilobyte of tests — or a twentieth for files without a database.
 */
function weight(file: string): number {
  const name = relative(ROOT, file).split(sep).join('/');
  if (name in MEASURED_SECONDS) return MEASURED_SECONDS[name]!;
  const source = readFileSync(file, 'utf8');
  const count = (re: RegExp) => source.match(re)?.length ?? 0;
  const suites = 2 * count(/\bdescribeEngines\(/g) + count(/\b(describePostgres|createHarness|pgTest)\(/g);
  return 0.3 * suites + (suites ? 0.2 : 0.05) * (source.length / 1024);
}

/**
 * Longest first, each file to the lightest group. Twice as many groups as cores: a process that
 * finishes early takes the next group, which evens out a wrong estimate at the cost of a few
 * more process starts.
 */
function pack(files: string[], groups: number): string[][] {
  const bins = Array.from({ length: Math.min(groups, files.length) }, () => ({ files: [] as string[], weight: 0 }));
  for (const file of [...files].sort((a, b) => weight(b) - weight(a))) {
    const lightest = bins.reduce((min, bin) => (bin.weight < min.weight ? bin : min));
    lightest.files.push(file);
    lightest.weight += weight(file);
  }
  return bins.sort((a, b) => b.weight - a.weight).map((bin) => bin.files.sort());
}

const args = process.argv.slice(2);
const family: Family = args.includes('--all') ? 'all' : args.includes('--slow') ? 'slow' : 'fast';
const selection = args.filter((a) => !a.startsWith('-') && existsSync(a));
const nodeTestOptions = args.filter((a) => !selection.includes(a) && a !== '--all' && a !== '--slow');
const files = testFiles(selection, family);
const cores = availableParallelism();
const groups = pack(files, cores * 2);

await prepareTemplates();

process.stderr.write(`test/run.ts: ${files.length} ${family === 'all' ? '' : `${family} `}files in ${groups.length} processes, ${cores} at a time\n`);
const runStart = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'cr-test-run-'));
const groupFiles = groups.map((group, i) => {
  const path = join(dir, `group-${i + 1}.mjs`);
  // Each group says when it ran and what CPU it used as it exits: what packing and CI time hinge on.
  const report =
    `process.on('exit', () => { const at = (t) => ((t - ${runStart}) / 1000).toFixed(0); const cpu = process.cpuUsage(); ` +
    `process.stderr.write(\`test/run.ts: group ${i + 1} (${group.length} files) ran \${at(performance.timeOrigin)}–\${at(Date.now())} s, CPU \${((cpu.user + cpu.system) / 1e6).toFixed(0)} s\\n\`); });\n`;
  writeFileSync(path, report + group.map((f) => `import ${JSON.stringify(pathToFileURL(f).href)};\n`).join(''));
  return path;
});

// TEST_CPU_PROF_DIR=<dir>: a V8 CPU profile of every test process (open in Chrome's DevTools), to
// see where the suite's time goes.
const profiling = process.env.TEST_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.TEST_CPU_PROF_DIR)}`] : [];
const child = spawn(
  process.execPath,
  // --test-force-exit: a failed test that left a server, pool or timer open must not hold its
  // process (and the whole run) open after its results are in.
  [...profiling, '--import', 'tsx', '--test', '--test-force-exit', `--test-concurrency=${cores}`, ...nodeTestOptions, ...groupFiles],
  { stdio: 'inherit' },
);
// Ctrl-C reaches node:test too; wait for it to stop its processes, then remove the group files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((done) => child.on('exit', (status) => done(status ?? 1)));
rmSync(dir, { recursive: true, force: true });
const seconds = Math.round(performance.now() / 1000);
process.stderr.write(`test/run.ts: ${files.length} files in ${Math.floor(seconds / 60)} min ${seconds % 60} s (load average ${loadavg()[0]!.toFixed(1)})\n`);
process.exitCode = code;
