import { sqlState } from './sqlstate.js';

// A transaction that locks many rows across tables (a merge: contacts, sub-resources, duplicate
// pairs) can lose a deadlock to a concurrent one that touches the same rows in another order
// (PostgreSQL then aborts one of them with 40P01). Nothing of the aborted attempt was written, so
// running it again is safe and is what a client would do after the 503 it would otherwise get.

const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

const isRetryable = (err: unknown): boolean => {
  const code = sqlState(err) ?? sqlState((err as { cause?: unknown })?.cause);
  return code !== undefined && RETRYABLE.has(code);
};

/** Runs `attempt` (one whole transaction) again, up to 3 times in all, when it lost a deadlock or a serialization conflict. */
export async function retryingConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= ATTEMPTS || !isRetryable(err)) throw err;
      // A short random pause: the winner finishes, and two losers do not collide again in step.
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * n));
    }
  }
}
