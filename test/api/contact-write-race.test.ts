import assert from 'node:assert/strict';
import { describePostgres, it } from '../helpers/engines.js';
import { createContact, createNamespace, newCaller } from '../helpers/api.js';
import { putProps } from '../../src/resources/contacts/props.service.js';
import type { Actor } from '../../src/changes/index.js';
import type { PropWrite } from '../../src/resources/contacts/contacts.schema.js';

const prop = (key: string, value: string) => ({ key, value, type: 'text' }) as unknown as PropWrite;

// A write that had to wait for another writer of the same contact starts from what that writer
// committed. PostgreSQL hands a waiting `SELECT … FOR UPDATE` the new version of the locked row,
// but the rest of the statement (the contact's props, read in a sub-select) still sees the
// snapshot taken before the wait — a response, audit entry and event built on that would silently
// drop the other writer's props.

describePostgres('two writers of one contact', (h) => {
  it('the second starts from the props the first committed while it waited for the lock', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const contact = await createContact(c, { namespace: ns.name, name: 'Kiran Patil' });
    const actor: Actor = { tenantId: c.tenant, userId: 'race-test', requestId: null, ip: null, userAgent: null };
    const db = h().appDb.forTenant(c.tenant);

    let firstWrote!: () => void;
    const firstHasWritten = new Promise<void>((r) => (firstWrote = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const first = db.transaction(async (tx) => {
      await putProps(tx, actor, contact.id, [prop('pan_no', 'ABCPE1234F')]);
      firstWrote();
      await released;
    });
    await Promise.race([firstHasWritten, first]);
    const second = db.transaction((tx) => putProps(tx, actor, contact.id, [prop('mobile', '9876543210')]));

    // Let the first commit only once the second is waiting for the contact's lock.
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const waiting = await h().db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (waiting.rows[0]!.n > 0) break;
        assert.ok(Date.now() < deadline, 'the second writer never waited for the lock');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      release();
    }
    await first;
    const after = await second;

    assert.deepEqual(after.props.map((p) => p.key).sort(), ['mobile', 'pan_no'], 'the state the second write returns');
    const audit = await h().db.query<{ before_state: { key: string }[] }>(
      `SELECT before_state FROM audit_log WHERE tenant_id = $1 AND contact_id = $2 AND object_type = 'prop' ORDER BY id DESC LIMIT 1`,
      [c.tenant, contact.id],
    );
    assert.deepEqual(audit.rows[0]!.before_state.map((p) => p.key), ['pan_no'], "the second write's audit entry starts from the first's props");
    const read = await c.req('GET', `/contacts/${contact.id}/?expand=props`);
    assert.deepEqual(read.body.props.map((p: { key: string }) => p.key).sort(), ['mobile', 'pan_no']);
  });
});
