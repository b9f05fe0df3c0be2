import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Executor } from '../db/index.js';

// One per-tenant rate limit across every node sharing the database (CONTRACT §12 "Several
// nodes"). Counting in the database on every request would add a round trip to each of them, so
// each node counts in memory and, every SYNC_MS, adds its new hits to the shared window row and
// reads back the total of all nodes (migration 0017). A node admits a request while the last
// known total plus its own unsynced hits stay within the limit: across N nodes the limit can be
// overshot by at most what the other nodes admit within one sync interval.

const SYNC_MS = 200;
/** Keys idle for this many windows are forgotten. */
const KEEP_WINDOWS = 2;

interface Counter {
  window: number;
  /** The total of all nodes at the last sync. */
  shared: number;
  /** Hits of this node since the last sync. */
  unsynced: number;
}

export interface SharedRateLimiter {
  /** The store class for @fastify/rate-limit's `store` option. */
  Store: FastifyRateLimitStoreCtor;
  close(): Promise<void>;
}

/** `now`: the clock the fixed windows are counted by (milliseconds since the epoch). */
export function createSharedRateLimiter(db: Executor, windowMs: number, onError: (err: unknown) => void, now: () => number = Date.now): SharedRateLimiter {
  const counters = new Map<string, Counter>();
  const windowOf = (now: number) => Math.floor(now / windowMs);

  let syncing: Promise<void> = Promise.resolve();
  const sync = async () => {
    const current = windowOf(now());
    const keys: string[] = [];
    const windows: number[] = [];
    const hits: number[] = [];
    for (const [key, c] of counters) {
      if (c.window < current - KEEP_WINDOWS) counters.delete(key);
      else if (c.window === current) {
        keys.push(key);
        windows.push(c.window);
        hits.push(c.unsynced);
      }
    }
    if (keys.length === 0) return;
    const sent = new Map(keys.map((k, i) => [k, hits[i]!]));
    const res = await db.query<{ key: string; window_no: string | number; hits: string | number }>(
      'SELECT key, window_no, hits FROM rate_limit_add($1::text[], $2::bigint[], $3::bigint[])',
      [keys, windows, hits],
    );
    for (const r of res.rows) {
      const c = counters.get(r.key);
      if (!c || c.window !== Number(r.window_no)) continue;
      c.shared = Number(r.hits);
      c.unsynced -= sent.get(r.key) ?? 0;
    }
  };
  const timer = setInterval(() => {
    syncing = syncing.then(sync).catch(onError);
  }, SYNC_MS).unref();

  class Store implements FastifyRateLimitStore {
    incr(key: string, cb: (err: Error | null, res?: { current: number; ttl: number }) => void): void {
      const at = now();
      const window = windowOf(at);
      let c = counters.get(key);
      if (!c || c.window !== window) {
        c = { window, shared: 0, unsynced: 0 };
        counters.set(key, c);
      }
      c.unsynced++;
      cb(null, { current: c.shared + c.unsynced, ttl: (window + 1) * windowMs - at });
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  }

  return {
    Store,
    async close() {
      clearInterval(timer);
      await syncing;
    },
  };
}
