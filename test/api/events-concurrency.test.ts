import assert from 'node:assert/strict';
import { describePostgres, it } from '../helpers/engines.js';
import { sleep } from '../helpers/api.js';
import { ulid } from '../../src/ids.js';
import { recordNotice, systemActor } from '../../src/changes/index.js';
import { relayOnce } from '../../src/worker/relay.js';

// The feed's guarantee (CONTRACT §9): a reader that keeps passing next_after sees every committed
// event exactly once, in feed order, while many writers commit concurrently and in another order
// than they started — and never sees an event whose transaction rolled back.

const WRITERS = 20;
const RUN_MS = 3000;

describePostgres('event feed under concurrent writers', (h) => {
  it('a reader following next_after sees each committed event once, in order, and no rolled-back one', async () => {
    const tenant = h().tenant();
    const token = await h().token(tenant);
    const db = h().appDb.forTenant(tenant);
    const actor = systemActor(tenant, 'writer', 'test');
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    const until = Date.now() + RUN_MS;

    // Each writer records an event, holds its transaction open for a random while (so commits
    // interleave out of start order), then commits or, one time in five, rolls back.
    const writer = async () => {
      while (Date.now() < until) {
        const marker = ulid();
        const commit = Math.random() < 0.8;
        try {
          await db.transaction(async (tx) => {
            await recordNotice(tx, actor, { event: 'contact.updated', objectId: marker, contactId: null, object: { marker }, at: new Date() });
            await sleep(Math.random() * 40);
            if (!commit) throw new Error('roll back');
          });
          committed.add(marker);
        } catch {
          rolledBack.add(marker);
        }
      }
    };

    let writing = true;
    const relay = (async () => {
      while (writing) if ((await relayOnce(h().appDb)) === 0) await sleep(2);
    })();

    const seen: { id: string; marker: string }[] = [];
    let cursor = '';
    const readOnce = async () => {
      const res = await h().req('GET', `/events/?limit=500${cursor ? `&after=${cursor}` : ''}`, { token });
      assert.equal(res.status, 200, res.text);
      for (const e of res.body.results) seen.push({ id: e.id, marker: e.object_id });
      if (res.body.next_after) cursor = res.body.next_after;
      return res.body.results.length;
    };
    const reader = (async () => {
      while (writing) if ((await readOnce()) === 0) await sleep(3);
    })();

    await Promise.all(Array.from({ length: WRITERS }, writer));
    writing = false;
    await Promise.all([relay, reader]);
    while ((await relayOnce(h().appDb)) > 0);
    while ((await readOnce()) > 0);

    assert.ok(committed.size > 200, `only ${committed.size} events committed`);
    assert.ok(rolledBack.size > 20, `only ${rolledBack.size} transactions rolled back`);
    const markers = seen.map((s) => s.marker);
    assert.equal(new Set(markers).size, markers.length, 'no event seen twice');
    assert.deepEqual(new Set(markers), committed, 'every committed event seen, nothing else');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.id < seen[i]!.id, 'ids strictly increase in feed order');
  });
});
