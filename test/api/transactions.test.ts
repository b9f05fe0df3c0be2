import assert from 'node:assert/strict';
import { describeEngines, it } from '../helpers/engines.js';
import type { Executor } from '../../src/db/index.js';

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

  it('a deferred write runs before the next statement, and its failure fails the commit: nothing of the transaction stays', async () => {
    const tenant = h().tenant();
    const db = h().appDb.forTenant(tenant);
    const insert = `INSERT INTO namespaces (tenant_id, id, name, created_by, created_at, updated_at) VALUES ($1, $2, $3, 'u', now(), now())`;
    const later = (tx: Executor, sql: string, params: unknown[]) => (tx.defer ? tx.defer(sql, params) : tx.query(sql, params));
    const seen = await db.transaction(async (tx) => {
      await later(tx, insert, [tenant, '01HZZZZZZZZZZZZZZZZZZZZZZ1', 'deferred-1']);
      return (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM namespaces WHERE tenant_id = $1`, [tenant])).rows[0]!.n;
    });
    assert.equal(seen, 1, 'the deferred insert ran before the statement after it');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(insert, [tenant, '01HZZZZZZZZZZZZZZZZZZZZZZ2', 'deferred-2']);
        await later(tx, 'SELECT 1 / 0', []);
      }),
      (err: { code?: string }) => err.code === '22012',
    );
    const names = await h().db.query<{ name: string }>(`SELECT name FROM namespaces WHERE tenant_id = $1 ORDER BY name`, [tenant]);
    assert.deepEqual(names.rows.map((r) => r.name), ['deferred-1'], 'the failed commit kept nothing');
    // Only deferred writes: BEGIN, the setting and the write all travel with the COMMIT.
    await db.transaction(async (tx) => void (await later(tx, insert, [tenant, '01HZZZZZZZZZZZZZZZZZZZZZZ3', 'deferred-3'])));
    assert.equal((await h().db.query(`SELECT 1 FROM namespaces WHERE tenant_id = $1 AND name = 'deferred-3'`, [tenant])).rowCount, 1);
  });
});
