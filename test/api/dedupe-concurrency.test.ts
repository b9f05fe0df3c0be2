import assert from 'node:assert/strict';
import { describePostgres, it } from '../helpers/engines.js';

// PAN blocking must hold under concurrency: the check and the write are serialized per PAN by an
// advisory lock, so parallel creates with one PAN on PostgreSQL let exactly one through.
describePostgres('dedupe blocking under concurrency', (h) => {
  it('10 parallel creates with the same PAN (written differently) → exactly one 201, nine 409', async () => {
    const t = await h().token('concurrency-tenant');
    assert.equal((await h().req('POST', '/namespaces/', { token: t, body: { name: 'race' } })).status, 201);
    const spellings = ['ABCPR1234Q', 'abcpr1234q', ' ABCPR 1234Q', 'AbCpR1234Q'];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h().req('POST', '/contacts/', {
          token: t,
          body: { name: `Racer ${i}`, type: 'individual', namespace: 'race', props: [{ key: 'pan_no', value: spellings[i % spellings.length]!, type: 'text' }] },
        }),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    const blocked = results.filter((r) => r.status === 409);
    assert.equal(created.length, 1, results.map((r) => r.status).join(','));
    assert.equal(blocked.length, 9);
    for (const b of blocked) assert.equal(b.body.duplicate_of, created[0]!.body.id);
    const rows = await h().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = 'concurrency-tenant'`);
    assert.equal(rows.rows[0]!.n, 1);
  });
});
