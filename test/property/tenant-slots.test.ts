import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTenantSlots } from '../../src/db/tenant-slots.js';
import { AppError } from '../../src/errors/index.js';

// A tenant's share of the pool: its transactions beyond `max` wait for its own slots, never
// another tenant's; one that waits too long is a 429 with Retry-After.

test('a tenant over its share waits for its own slots, then 429; other tenants are not held up', async () => {
  const slots = createTenantSlots(2, 100);
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let concurrentA = 0;
  let maxA = 0;
  const holdA = () =>
    slots.run('a', async () => {
      maxA = Math.max(maxA, ++concurrentA);
      await gate;
      concurrentA--;
    });
  const first = [holdA(), holdA()];
  const third = holdA();
  // Another tenant is not held up by a's full share.
  assert.equal(await slots.run('b', async () => 'b'), 'b');
  // a's third waited 100 ms for a slot of its own and gave up.
  const refused = await third.then(() => null, (err: AppError) => err);
  assert.equal(refused?.code, 'rate_limited');
  assert.equal(refused?.status, 429);
  assert.equal(refused?.headers?.['retry-after'], '1');
  // A waiter gets the slot a finishing transaction frees.
  const fourth = holdA();
  open();
  await Promise.all([...first, fourth]);
  assert.equal(maxA, 2, 'never more than 2 of tenant a at once');
});

test('a slot is freed when the transaction fails', async () => {
  const slots = createTenantSlots(1, 50);
  await assert.rejects(slots.run('a', async () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await slots.run('a', async () => 'next'), 'next');
});
