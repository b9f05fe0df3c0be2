// Clusters of the duplicate scan (scan.ts): union-find over accepted pairs, and their output order.
import type { Band, Reason } from '../../dedupe/score.js';

export interface ScanContact {
  id: string;
  ref_id: string | null;
  name: string;
}
export interface ScanPair {
  a: string;
  b: string;
  score: number;
  band: Band;
  reasons: Reason[];
}
export interface ScanCluster {
  cluster: number;
  size: number;
  contacts: ScanContact[];
  pairs: ScanPair[];
}
/** Union-find over contact ids, with path halving. */
export class DisjointSets {
  private parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    while (p !== x) {
      const gp = this.parent.get(p) ?? p;
      this.parent.set(x, gp);
      x = p;
      p = gp;
    }
    return x;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // The smaller id becomes the root: deterministic, whatever the order pairs arrive in.
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
  roots(ids: Iterable<string>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const id of ids) {
      const r = this.find(id);
      const list = out.get(r);
      if (list) list.push(id);
      else out.set(r, [id]);
    }
    return out;
  }
}

/** Clusters of the accepted pairs, largest first (ties by smallest contact id), numbered from 1. */
export function buildClusters(sets: DisjointSets, accepted: Map<string, ScanPair>, info: Map<string, ScanContact>): ScanCluster[] {
  const groups = [...sets.roots(info.keys()).values()].map((ids) => ids.sort());
  const pairsOf = new Map<string, ScanPair[]>();
  for (const p of accepted.values()) {
    const root = sets.find(p.a);
    const list = pairsOf.get(root);
    if (list) list.push(p);
    else pairsOf.set(root, [p]);
  }
  groups.sort((x, y) => y.length - x.length || (x[0]! < y[0]! ? -1 : 1));
  return groups.map((ids, n) => ({
    cluster: n + 1,
    size: ids.length,
    contacts: ids.map((id) => info.get(id)!),
    pairs: (pairsOf.get(sets.find(ids[0]!)) ?? []).sort((p, q) => q.score - p.score || (p.a < q.a ? -1 : p.a > q.a ? 1 : p.b < q.b ? -1 : 1)),
  }));
}

/** Each contact's best pair in its cluster (for the CSV format). */
export function bestPairs(cluster: ScanCluster): Map<string, ScanPair> {
  const best = new Map<string, ScanPair>();
  for (const p of cluster.pairs) {
    for (const id of [p.a, p.b]) {
      const cur = best.get(id);
      if (!cur || p.score > cur.score) best.set(id, p);
    }
  }
  return best;
}
