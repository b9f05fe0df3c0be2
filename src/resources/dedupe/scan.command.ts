// `contact-registry dedupe-scan`: option checks, the output formats, and the progress bar.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Config } from '../../config.js';
import { openDatabase, type Executor, type TenantDatabase } from '../../db/index.js';
import { findNamespaceByIdOrName } from '../namespaces/namespaces.queries.js';
import { type MinBand, type ScanCluster, type ScanProgress, bestPairs, dedupeScan } from './scan.js';

export type ScanFormat = 'jsonl' | 'csv';

export interface ScanCommandOptions {
  tenant: string;
  namespace?: string;
  format?: string;
  out?: string;
  minBand?: string;
  /**
   * Called with the clusters before they are written (`--persist`: open a pair for each); returns
   * a line for stderr. The default band becomes `possible` then.
   */
  persist?: (db: TenantDatabase, clusters: readonly ScanCluster[]) => Promise<string>;
}

/** A scan is a batch job: its GROUP BY over a large tenant may outlast the per-request timeout. */
const SCAN_STATEMENT_TIMEOUT_MS = 30 * 60_000;

export class ScanUsageError extends Error {}

/** One JSON object per cluster. */
export function clusterJsonl(c: ScanCluster): string {
  return `${JSON.stringify({ cluster: c.cluster, size: c.size, contacts: c.contacts, pairs: c.pairs })}\n`;
}

export const CSV_HEADER = 'cluster,contact_id,ref_id,name,best_score,band\n';

function csvField(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per contact of the cluster, with its best score and band inside the cluster. */
export function clusterCsv(c: ScanCluster): string {
  const best = bestPairs(c);
  return c.contacts
    .map((m) => {
      const p = best.get(m.id);
      return [c.cluster, m.id, m.ref_id, m.name, p?.score ?? null, p?.band ?? null].map(csvField).join(',') + '\n';
    })
    .join('');
}

/** `\r`-updated progress line on a TTY; nothing otherwise. */
export function progressBar(stream: NodeJS.WriteStream): ((p: ScanProgress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  return (p) => {
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    if (p.phase === 'done') {
      stream.write(`\r\x1b[Kscanned ${p.total} contacts in ${secs}s, ${p.pairs} pairs\n`);
      return;
    }
    const what = p.phase === 'names' ? 'contacts' : p.phase === 'exact' ? 'PAN groups' : 'identifier groups';
    if (p.total === 0) {
      // The identifier phases stream their groups without counting them first.
      stream.write(`\r\x1b[K${p.phase.padEnd(6)} ${p.done} ${what}, ${p.pairs} pairs, ${secs}s`);
      return;
    }
    const frac = Math.min(1, p.done / p.total);
    const width = 30;
    const filled = Math.round(frac * width);
    stream.write(`\r\x1b[K${p.phase.padEnd(6)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}% ${p.done}/${p.total} ${what}, ${p.pairs} pairs, ${secs}s`);
  };
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Runs the scan against the configured database and writes the clusters. */
export async function runScanCommand(config: Config, o: ScanCommandOptions, stdout: Writable = process.stdout): Promise<{ clusters: number }> {
  const format = (o.format ?? 'jsonl') as ScanFormat;
  if (format !== 'jsonl' && format !== 'csv') throw new ScanUsageError(`--format must be jsonl or csv, got "${o.format}"`);
  const minBand = (o.minBand ?? (o.persist ? 'possible' : 'probable')) as MinBand;
  if (minBand !== 'probable' && minBand !== 'possible') throw new ScanUsageError(`--min-band must be probable or possible, got "${o.minBand}"`);
  const db = await openDatabase({ ...config, statementTimeoutMs: Math.max(config.statementTimeoutMs, SCAN_STATEMENT_TIMEOUT_MS) });
  try {
    const tenantDb = db.forTenant(o.tenant);
    const namespaceId = o.namespace === undefined ? null : await resolveNamespace(tenantDb, o.tenant, o.namespace);
    const { clusters } = await dedupeScan(tenantDb, { tenantId: o.tenant, namespaceId, minBand, onProgress: progressBar(process.stderr) });
    if (o.persist) process.stderr.write(`${await o.persist(tenantDb, clusters)}\n`);
    const out: Writable = o.out === undefined ? stdout : createWriteStream(o.out);
    if (format === 'csv') await write(out, CSV_HEADER);
    for (const c of clusters) await write(out, format === 'csv' ? clusterCsv(c) : clusterJsonl(c));
    if (out !== stdout) {
      out.end();
      await once(out, 'finish');
    }
    return { clusters: clusters.length };
  } finally {
    await db.close();
  }
}

async function resolveNamespace(db: Executor, tenantId: string, nameOrId: string): Promise<string> {
  const ns = await findNamespaceByIdOrName(db, tenantId, nameOrId);
  if (!ns) throw new ScanUsageError(`unknown namespace "${nameOrId}" in tenant "${tenantId}"`);
  return ns.id;
}
