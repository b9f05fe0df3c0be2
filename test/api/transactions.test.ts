import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';

// A tenant transaction's statements may be issued without waiting for the previous one (the scan
// requests its next batch while it scores the current one): they must run one after another on the
// transaction's connection, in the order issued, each with its own result.

describeEngines('tenant transactions', (h) => {
  it('statements issued together run in order, each with its own rows, cursors included', async () => {
    const tenant = h().tenant();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const out = await h().appDb.forTenant(tenant).transaction(async (tx) => {
        await tx.query(`DECLARE numbers NO SCROLL CURSOR FOR SELECT n FROM generate_series(1, 7) AS n ORDER BY n`);
        const batches = [1, 2, 3].map(() => tx.query<{ n: number }>('FETCH 3 FROM numbers'));
        const setting = tx.query<{ t: string }>(`SELECT current_setting('app.tenant_id', true) AS t`);
        return { batches: (await Promise.all(batches)).map((r) => r.rows.map((x) => x.n)), tenant: (await setting).rows[0]!.t };
      });
      assert.deepEqual(out.batches, [[1, 2, 3], [4, 5, 6], [7]]);
      assert.equal(out.tenant, tenant);
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((w) => /already executing a query/.test(w)), [], 'pg was handed a query while running one');
  });

  it('a failing statement rejects on its own, and those issued after it fail with the aborted transaction', async () => {
    const tenant = h().tenant();
    const outcomes = await h()
      .appDb.forTenant(tenant)
      .transaction(async (tx) => {
        const results = await Promise.allSettled([tx.query('SELECT 1 AS n'), tx.query('SELECT 1 / 0 AS n'), tx.query('SELECT 2 AS n')]);
        return results.map((r) => r.status);
      });
    assert.deepEqual(outcomes, ['fulfilled', 'rejected', 'rejected']);
  });
});
