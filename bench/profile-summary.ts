// Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): the functions with the most
// self time, and self time grouped by package, so a hot spot is visible without DevTools.
// Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [skip-seconds]
// (skip-seconds leaves out the start-up: module loading, schema compilation).
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
const skipUs = Number(skipArg ?? 0) * 1e6;
let clock = 0;
prof.samples.forEach((id, i) => {
  clock += prof.timeDeltas[i] ?? 0;
  if (clock >= skipUs) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url: string): string => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/dist/')) return 'service (dist)';
  if (url.startsWith('node:')) return 'node core';
  return url === '' ? '(native/gc/idle)' : url.replace(/^file:\/\//, '');
};

const fns = new Map<string, number>();
const pkgs = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${where(f.url)}:${f.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  const pkg = f.functionName === '(idle)' ? '(idle)' : where(f.url);
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + t);
}
// Inclusive time per package: a sample counts once for every package on its stack.
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>();
let busy = 0;
for (const [id, t] of self) {
  if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
  busy += t;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (f.url) seen.add(where(f.url));
  }
  for (const k of seen) incl.set(k, (incl.get(k) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const top = Number(topArg ?? 25);
console.log(`total sampled ${(total / 1e6).toFixed(1)} s\n\nself time by package:`);
for (const [k, t] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(t)}  ${k}`);
console.log(`\ninclusive time by package, as a share of busy (non-idle) time ${(busy / 1e6).toFixed(1)} s:`);
for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
