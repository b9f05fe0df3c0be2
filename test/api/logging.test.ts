import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loggerOptions } from '../../src/main.js';
import { describeEngines, it, SkipPostgres, type Harness } from '../helpers/engines.js';

// CONTRACT §7: JSON log lines, the request id on every line, no PII (names, PAN, mobile, account
// numbers, tokens). The app is built with the production logger options, writing to memory.

const PII = {
  name: 'Kavitha Ramaswamy',
  pan: 'KRAPR4321K',
  mobile: '9876543210',
  email: 'kavitha.r@example.com',
  account: '501234567890',
  aadhaar: '234123412346',
  address: '42 Lotus Garden Lane',
};

describeEngines('logging without PII', (h) => {
  let app: FastifyInstance;
  let skip = false;
  const lines: string[] = [];
  let token = '';
  let tenant = '';

  before(async () => {
    let harness: Harness;
    try {
      harness = h();
    } catch (err) {
      if (err instanceof SkipPostgres) return void (skip = true);
      throw err;
    }
    const stream = { write: (line: string) => void lines.push(line) };
    app = await buildApp({ config: harness.config, db: harness.appDb, logger: { ...loggerOptions({ ...harness.config, logLevel: 'debug' }), stream } });
    await app.ready();
    tenant = harness.tenant();
    token = await harness.token(tenant, 'logger-user');
  });
  after(async () => {
    await app?.close();
  });

  const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined, id: String(res.headers['x-request-id']) };
  };

  it('creates, lists, searches, dedupes, fails — and no PII or token reaches the log', async () => {
    h();
    assert.ok(!skip);
    const ids: string[] = [];
    const track = <T extends { id: string }>(r: T) => (ids.push(r.id), r);
    track(await send('POST', '/namespaces/', { name: 'logns' }));
    const contact = track(
      await send('POST', '/contacts/', {
        name: PII.name,
        type: 'individual',
        namespace: 'logns',
        props: [
          { key: 'pan_no', value: PII.pan, type: 'text' },
          { key: 'mobile', value: PII.mobile, type: 'text' },
          { key: 'email', value: PII.email, type: 'text' },
          { key: 'aadhaar', value: PII.aadhaar, type: 'text' },
        ],
      }),
    );
    assert.equal(contact.status, 201, JSON.stringify(contact.json));
    const cid = contact.json.id as string;
    const statuses: number[] = [];
    const run = async (method: string, url: string, body?: unknown) => statuses.push(track(await send(method, url, body)).status);
    await run('POST', '/contacts/addresses/', { contact_id: cid, address_line: PII.address, city: 'Chennai', state: 'Tamil Nadu', pincode: '600001', country: 'India' });
    await run('POST', '/contacts/banks/', { contact_id: cid, account_holder_name: PII.name, account_no: PII.account, ifsc: 'SBIN0001234' });
    for (const q of [PII.pan, PII.mobile, PII.name, PII.email, PII.account]) {
      await run('GET', `/contacts/?search=${encodeURIComponent(q)}&expand=props,banks,addresses`);
      await run('GET', `/contacts/banks/?search=${encodeURIComponent(q)}`);
      await run('GET', `/history/?user_id=${encodeURIComponent(q)}`);
    }
    await run('POST', '/contacts/dedupe/', { name: PII.name, type: 'individual', props: [{ key: 'pan_no', value: PII.pan, type: 'text' }] });
    // Duplicate PAN (409), invalid values (400), unknown ids (404), a malformed token (401).
    await run('POST', '/contacts/', { name: PII.name, type: 'individual', namespace: 'logns', props: [{ key: 'pan_no', value: PII.pan, type: 'text' }] });
    await run('POST', '/contacts/', { name: `${PII.name}<script>`, type: 'individual', namespace: PII.pan });
    await run('PATCH', `/contacts/${cid}/`, { props: [{ key: 'mobile', value: PII.mobile, type: 'number' }, { key: 'pan_no', value: '', type: 'text' }] });
    await run('PUT', `/contacts/${cid}/props/`, [{ key: 'mobile', value: `${PII.mobile}x`, type: 'number' }]);
    await run('GET', `/contacts/${PII.pan}/`);
    statuses.push((await send('GET', `/contacts/?search=${PII.pan}`, undefined, { authorization: `Bearer ${token.slice(0, -4)}abcd` })).status);
    statuses.push((await send('GET', '/contacts/', undefined, { authorization: `Basic ${Buffer.from(`${PII.email}:${PII.pan}`).toString('base64')}` })).status);

    // A 5xx whose database error carries the failing row in its message and detail.
    await h().db.exec(`CREATE OR REPLACE FUNCTION test_log_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.tags @> ARRAY['explode'] THEN
          RAISE EXCEPTION 'cannot store contact %', NEW.name USING ERRCODE = 'XX000', DETAIL = 'row: ' || row_to_json(NEW)::text;
        END IF;
        RETURN NEW;
      END $$;
      DROP TRIGGER IF EXISTS test_log_fail ON contacts;
      CREATE TRIGGER test_log_fail BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION test_log_fail();`);
    await run('PATCH', `/contacts/${cid}/`, { tags: ['explode'] });
    await h().db.exec('DROP TRIGGER test_log_fail ON contacts');
    assert.ok(statuses.includes(500), `the injected failure did not produce a 500: ${statuses.join(',')}`);
    for (const s of [200, 201, 400, 401, 404, 409]) assert.ok(statuses.includes(s), `no ${s} among ${statuses.join(',')}`);

    const text = lines.join('');
    assert.ok(lines.length > 40, `only ${lines.length} log lines`);
    for (const [what, value] of Object.entries({ ...PII, token, tokenSignature: token.split('.')[2]!, basic: Buffer.from(`${PII.email}:${PII.pan}`).toString('base64') })) {
      assert.ok(!text.includes(value), `the log contains the ${what} (${value}): ${lines.find((l) => l.includes(value))}`);
    }
    for (const value of [PII.name.split(' ')[0]!, PII.pan.toLowerCase(), encodeURIComponent(PII.name)]) {
      assert.ok(!text.toLowerCase().includes(value.toLowerCase()), `the log contains "${value}": ${lines.find((l) => l.toLowerCase().includes(value.toLowerCase()))}`);
    }

    // Every line is JSON; every request line carries the request id; completed lines carry the
    // tenant (when authenticated), the status and the response time.
    const entries = lines.map((l) => JSON.parse(l) as Record<string, any>);
    const requestLines = entries.filter((e) => e.reqId !== undefined);
    assert.ok(requestLines.length >= entries.length - 2, 'log lines without a request id');
    const completed = entries.filter((e) => e.msg === 'request completed');
    assert.ok(completed.length >= ids.length);
    for (const e of completed) {
      assert.equal(typeof e.responseTime, 'number');
      assert.equal(typeof e.res?.statusCode, 'number');
    }
    const authenticated = completed.filter((e) => e.res.statusCode !== 401);
    assert.ok(authenticated.length > 0);
    for (const e of authenticated) assert.equal(e.tenant, tenant, `completed line without the tenant: ${JSON.stringify(e)}`);
    for (const id of ids) assert.ok(entries.some((e) => e.reqId === id), `request ${id} left no log line`);
    const failure = entries.find((e) => e.level >= 50);
    assert.ok(failure, 'the 500 was not logged');
    assert.equal(failure.tenant, tenant);
    assert.ok(failure.err, 'the 500 was logged without its error');
    assert.equal(failure.err.code, 'XX000', 'the 500 log keeps the SQLSTATE');
  });
});
