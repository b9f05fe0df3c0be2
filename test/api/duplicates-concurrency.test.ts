import assert from 'node:assert/strict';
import { describePostgres, it } from '../helpers/engines.js';
import { createContact, createNamespace, newCaller } from '../helpers/api.js';
import { integrityProblems } from '../helpers/integrity.js';
import { processDuplicateChecks } from '../../src/resources/duplicates/checks.service.js';

// Duplicate checks racing merges, writes and dismissals on PostgreSQL with real connections in
// parallel: checks lock contacts and then pairs in id order, as merges do, so nothing deadlocks,
// nothing fails, and no open pair of a merged contact is left in the queue.

const CHECKS = { owner: 'race', leaseMs: 30_000, maxAttempts: 5 };

// integrityProblems() checks the whole database: a database of its own.
describePostgres('duplicate pairs under concurrency', (h) => {
  it('checks in parallel with merges, PATCHes and dismissals: no error, no deadlock, a consistent queue', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const errors: unknown[] = [];
    const drain = async () => {
      while ((await processDuplicateChecks(h().appDb, CHECKS, 20, (err) => errors.push(err), 3)) > 0);
    };
    for (let round = 0; round < 2; round++) {
      const people: string[] = [];
      for (let i = 0; i < 8; i++) {
        people.push((await createContact(c, { namespace: ns.name, name: `Sunita Kulkarni ${round}`, props: [{ key: 'mobile', value: `98765${round}0000`, type: 'text' }] })).id);
      }
      await drain();
      const open = (await c.req('GET', `/duplicates/?page_size=200&contact=${people[0]}`)).body;
      assert.equal(open.count, 7, JSON.stringify(open));
      const pairs = (await c.req('GET', '/duplicates/?page_size=200')).body.results as { id: string }[];
      const results = await Promise.all([
        c.req('POST', `/contacts/${people[0]}/merge/`, { body: { merge_ids: [people[1], people[2]], comment: 'race' } }),
        c.req('POST', `/contacts/${people[3]}/merge/`, { body: { merge_ids: [people[4]], comment: 'race' } }),
        ...people.slice(5).map((id, i) => c.req('PATCH', `/contacts/${id}/`, { body: { props: [{ key: 'email', value: `s${round}${i}@example.com`, type: 'text' }] } })),
        ...pairs.slice(0, 6).map((p) => c.req('PUT', `/duplicates/${p.id}/dismiss/`, { body: { comment: 'race' } })),
        drain().then(() => ({ status: 200, text: 'drain' })),
        drain().then(() => ({ status: 200, text: 'drain' })),
      ]);
      for (const r of results) assert.ok([200, 409].includes(r.status), `${r.status} ${r.text}`);
      await drain();
      assert.deepEqual(errors, []);
      // No open or dismissed pair of a merged contact is visible; the merged pairs are readable.
      const merged = new Set([people[1], people[2], people[4]]);
      for (const status of ['open', 'dismissed']) {
        const list = (await c.req('GET', `/duplicates/?status=${status}&page_size=200`)).body.results as { contact_a: string; contact_b: string }[];
        for (const p of list) assert.ok(!merged.has(p.contact_a) && !merged.has(p.contact_b), `${status} pair of a merged contact: ${JSON.stringify(p)}`);
      }
      assert.ok((await c.req('GET', '/duplicates/?status=merged&page_size=200')).body.count >= 3);
    }
    assert.deepEqual(await integrityProblems(h().db), []);
  });
}, {}, { isolated: true });
