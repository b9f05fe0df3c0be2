import { AppError } from '../errors/index.js';

/**
 * A tenant's share of the connection pool: at most `max` of its transactions hold a connection at
 * once, and the rest wait for one of the tenant's own slots — not for the pool — so one tenant's
 * flood of slow requests never takes every connection from the others. A request that waits
 * longer than `waitMs` for its tenant's slot is answered 429 with Retry-After: the tenant is over
 * its share, the service is not overloaded.
 */
export interface TenantSlots {
  run<T>(tenantId: string, fn: () => Promise<T>): Promise<T>;
}

interface Queue {
  active: number;
  waiting: (() => void)[];
}

export function createTenantSlots(max: number, waitMs: number): TenantSlots {
  const queues = new Map<string, Queue>();

  /** Takes a free slot at once (true), or queues for one (a promise, rejected after waitMs). */
  const acquire = (tenantId: string): true | Promise<void> => {
    let q = queues.get(tenantId);
    if (!q) queues.set(tenantId, (q = { active: 0, waiting: [] }));
    if (q.active < max) {
      q.active++;
      return true;
    }
    const queue = q;
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = queue.waiting.indexOf(grant);
        if (i >= 0) queue.waiting.splice(i, 1);
        reject(
          new AppError('rate_limited', `Too many of this tenant's requests are running at once (at most ${max}); retry shortly.`, {
            headers: { 'retry-after': '1' },
          }),
        );
      }, waitMs);
      queue.waiting.push(grant);
    });
  };

  const release = (tenantId: string): void => {
    const q = queues.get(tenantId)!;
    const next = q.waiting.shift();
    // The slot passes straight to the next waiter (active stays the same).
    if (next) return next();
    q.active--;
    if (q.active === 0) queues.delete(tenantId);
  };

  return {
    // Not an async function: a request that finds a free slot (the usual case) runs fn at once.
    run<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
      const held = (): Promise<T> => {
        let result: Promise<T>;
        try {
          result = fn();
        } catch (err) {
          release(tenantId);
          return Promise.reject(err as Error);
        }
        return result.then(
          (value) => {
            release(tenantId);
            return value;
          },
          (err: unknown) => {
            release(tenantId);
            throw err;
          },
        );
      };
      const slot = acquire(tenantId);
      return slot === true ? held() : slot.then(held);
    },
  };
}
