import assert from 'node:assert/strict';
import { buildApp } from '../../src/app.js';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { createNamespace, newCaller } from '../helpers/api.js';
import { claimImportJob } from '../../src/resources/imports/imports.queries.js';
import { runImportJob } from '../../src/resources/imports/imports.service.js';

// GET /metrics (CONTRACT §12): Prometheus text, series by route template and status, the pool,
// the event backlog, statement errors, dedupe latency; METRICS_TOKEN or loopback only.

/** The value of one sample line (`name{labels} value`), or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function scrape(h: Harness) {
  const res = await h.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return res.body;
}

// This suite runs a queue (its worker claims any tenant's job): a database of its own.
describeEngines('metrics', (h) => {
  it('counts requests by route template and status, and the pipeline, pool, errors and dedupe series move', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const before = await scrape(h());
    const contact = await c.req('POST', '/contacts/', { body: { name: 'Asha Verma', type: 'individual', namespace: ns.name } });
    await c.req('GET', `/contacts/${contact.body.id}/`);
    await c.req('GET', '/contacts/01JNNXBS0914ZAYS2Q00PK5T2Z/');
    await c.req('POST', '/namespaces/', { body: { name: ns.name } }); // a unique violation: 409
    await c.req('POST', '/contacts/dedupe/', { body: { name: 'Asha Varma', type: 'individual' } });
    const after = await scrape(h());

    const route = { method: 'GET', route: '/contacts/:contact_id/' };
    assert.equal(sample(after, 'contact_registry_http_requests_total', { ...route, status: '200' }) - sample(before, 'contact_registry_http_requests_total', { ...route, status: '200' }), 1);
    assert.equal(sample(after, 'contact_registry_http_requests_total', { ...route, status: '404' }) - sample(before, 'contact_registry_http_requests_total', { ...route, status: '404' }), 1);
    assert.ok(!after.includes(contact.body.id), 'no raw ids in labels');
    assert.ok(sample(after, 'contact_registry_http_request_duration_seconds_count', { method: 'POST', route: '/contacts/', status: '201' }) >= 1);
    assert.ok(sample(after, 'contact_registry_db_statement_errors_total', { class: '23' }) > sample(before, 'contact_registry_db_statement_errors_total', { class: '23' }));
    assert.ok(sample(after, 'contact_registry_dedupe_duration_seconds_count') > sample(before, 'contact_registry_dedupe_duration_seconds_count'));
    assert.ok(sample(after, 'contact_registry_events_undelivered', { stage: 'outbox' }) >= 2, 'the unpublished events are counted');
    assert.match(after, /contact_registry_db_pool_connections\{state="in_use"\}/);
    assert.match(after, /contact_registry_process_resident_memory_bytes/);
  });

  it('counts import rows by outcome once the worker has committed them', async () => {
    const c = await newCaller(h());
    const ns = await createNamespace(c);
    const before = await scrape(h());
    const csv = 'name,type\nAsha Rao,individual\nBad Type,robot\nRavi Rao,individual\n';
    const job = await c.req('POST', `/imports/?namespace=${ns.name}`, { rawBody: csv, headers: { 'content-type': 'text/csv' } });
    assert.equal(job.status, 202, job.text);
    const claimed = await claimImportJob(h().appDb, 'metrics-test', 30_000);
    assert.ok(claimed, 'the uploaded job is runnable');
    await runImportJob(h().appDb, claimed.tenant_id, claimed.id, { owner: 'metrics-test', batchRows: 2, leaseMs: 30_000, rules: { strictIdentifiers: false } });
    const after = await scrape(h());
    // Other suites in this process may import too: at least this job's rows are counted.
    const moved = (outcome: string) => sample(after, 'contact_registry_import_rows_total', { outcome }) - sample(before, 'contact_registry_import_rows_total', { outcome });
    assert.ok(moved('created') >= 2, `created moved by ${moved('created')}`);
    assert.ok(moved('failed') >= 1, `failed moved by ${moved('failed')}`);
  });

  it('answers loopback clients only, unless METRICS_TOKEN is set (then that token only)', async () => {
    const outside = await h().app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    assert.equal(outside.statusCode, 403, outside.body);
    assert.equal(JSON.parse(outside.body).code, 'forbidden');
    const app = await buildApp({ config: { ...h().config, metricsToken: 'scrape-secret' }, db: h().appDb });
    await app.ready();
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
      assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
      const ok = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers: { authorization: 'Bearer scrape-secret' } });
      assert.equal(ok.statusCode, 200);
    } finally {
      await app.close();
    }
  });
}, {}, { isolated: true });
