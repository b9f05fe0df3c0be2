import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeEngines, it, type Harness } from '../helpers/engines.js';
import { NAME_ONLY_MAX, dedupeScan, pairsOfBlock } from '../../src/resources/dedupe/scan.js';
import { PROBABLE_THRESHOLD } from '../../src/dedupe/score.js';
import { CSV_HEADER, clusterCsv, clusterJsonl } from '../../src/resources/dedupe/scan.command.js';
import type { ScanRow } from '../../src/resources/dedupe/scan.queries.js';

const contact = (name: string, props: [string, string][] = [], extra: Record<string, unknown> = {}) => ({
  name,
  type: 'individual',
  namespace: 'borrowers',
  props: props.map(([key, value]) => ({ key, value, type: 'text' })),
  ...extra,
});

async function create(h: Harness, token: string, body: unknown, query = ''): Promise<string> {
  const res = await h.req('POST', `/contacts/${query}`, { token, body });
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
}

/** One tenant: a PAN triple, a fuzzy pair sharing a mobile, a family sharing a mobile, strangers. */
async function seed(h: Harness) {
  const tenant = h.tenant();
  const token = await h.token(tenant);
  assert.equal((await h.req('POST', '/namespaces/', { token, body: { name: 'borrowers' } })).status, 201);
  assert.equal((await h.req('POST', '/namespaces/', { token, body: { name: 'other' } })).status, 201);
  const allow = '?on_duplicate=allow&reason=test';
  const pan1 = await create(h, token, contact('Rahul Sharma', [['pan', 'ABCPS1234K']]));
  const pan2 = await create(h, token, contact('R. Sharma', [['pan_no', 'abcps 1234k']]), allow);
  const pan3 = await create(h, token, contact('Sharma Rahul Kumar', [['PAN', 'ABCPS1234K']], { namespace: 'other' }), allow);
  const fuzzy1 = await create(h, token, contact('Mohammed Iqbal Khan', [['mobile', '9876543210']]));
  const fuzzy2 = await create(h, token, contact('Md. Ikbal Khan', [['phone', '+91 98765 43210']]));
  // A family on one mobile: same surname, different people.
  const fam1 = await create(h, token, contact('Sunita Verma', [['mobile', '9123456780']]));
  const fam2 = await create(h, token, contact('Anil Verma', [['mobile', '9123456780']]));
  const strangers = [
    await create(h, token, contact('Priya Natarajan', [['email', 'priya@example.com']])),
    await create(h, token, contact('Venkatesh Iyer', [['pan', 'VENPI4321Q']])),
    await create(h, token, { ...contact('Acme Traders Pvt Ltd'), type: 'corporate' }),
  ];
  // A deleted duplicate never counts.
  const gone = await create(h, token, contact('Priya Natarajan', [['email', 'PRIYA@example.com']]));
  assert.equal((await h.req('DELETE', `/contacts/${gone}/`, { token })).status, 204);
  return { tenant, token, pan: [pan1, pan2, pan3].sort(), panBorrowers: [pan1, pan2].sort(), fuzzy: [fuzzy1, fuzzy2].sort(), fam: [fam1, fam2], strangers, gone };
}

describeEngines('dedupe-scan', (h) => {
  let s: Awaited<ReturnType<typeof seed>>;

  it('finds the PAN cluster and the fuzzy pair, and nothing else, at band probable', async () => {
    s = await seed(h());
    const { clusters, stats } = await dedupeScan(h().appDb.forTenant(s.tenant), { tenantId: s.tenant, batchSize: 3 });
    assert.equal(stats.contacts, 10);
    assert.deepEqual(
      clusters.map((c) => c.contacts.map((m) => m.id)),
      [s.pan, s.fuzzy],
    );
    const [pan, fuzzy] = clusters;
    assert.equal(pan!.cluster, 1);
    assert.equal(pan!.size, 3);
    assert.ok(pan!.pairs.length >= 2);
    assert.ok(pan!.pairs.every((p) => p.band === 'exact' && p.score >= 0.99 && p.a < p.b));
    assert.ok(pan!.pairs.every((p) => p.reasons.some((r) => r.match === 'exact' && /pan/i.test(r.field))));
    assert.equal(fuzzy!.size, 2);
    assert.equal(fuzzy!.pairs.length, 1);
    const pair = fuzzy!.pairs[0]!;
    assert.deepEqual([pair.a, pair.b], s.fuzzy);
    assert.equal(pair.band, 'probable');
    assert.ok(pair.reasons.some((r) => r.match === 'exact' && r.field === 'phone'), JSON.stringify(pair.reasons));
    assert.ok(pair.reasons.some((r) => r.field === 'name' && r.match === 'fuzzy'));
    const names = new Map(fuzzy!.contacts.map((c) => [c.id, c.name]));
    assert.equal(names.get(s.fuzzy[0]!), 'Mohammed Iqbal Khan');
  });

  it('is the same whatever the batch size (blocks straddling pages are carried over)', async () => {
    const small = await dedupeScan(h().appDb.forTenant(s.tenant), { tenantId: s.tenant, batchSize: 1 });
    const large = await dedupeScan(h().appDb.forTenant(s.tenant), { tenantId: s.tenant });
    assert.deepEqual(small.clusters, large.clusters);
  });

  it('narrows to a namespace', async () => {
    const ns = await h().req('GET', '/namespaces/?search=borrowers', { token: s.token });
    const id = ns.body.results.find((n: { name: string }) => n.name === 'borrowers').id as string;
    const { clusters } = await dedupeScan(h().appDb.forTenant(s.tenant), { tenantId: s.tenant, namespaceId: id });
    // The third PAN holder lives in namespace "other".
    assert.deepEqual(
      clusters.map((c) => c.contacts.map((m) => m.id)),
      [s.panBorrowers, s.fuzzy],
    );
  });

  it('min-band possible adds weaker pairs but never the family sharing a mobile', async () => {
    const { clusters } = await dedupeScan(h().appDb.forTenant(s.tenant), { tenantId: s.tenant, minBand: 'possible' });
    const ids = clusters.flatMap((c) => c.contacts.map((m) => m.id));
    assert.ok(s.pan.every((id) => ids.includes(id)));
    assert.ok(s.fuzzy.every((id) => ids.includes(id)));
    assert.ok(!s.fam.some((id) => ids.includes(id)), 'relatives sharing a mobile are not duplicates');
    assert.ok(!ids.includes(s.gone));
    for (const c of clusters) for (const p of c.pairs) assert.ok(p.score >= 0.5);
  });

  it('weighs address lines at a shared pincode as the endpoint does', async () => {
    const tenant = h().tenant();
    const token = await h().token(tenant);
    assert.equal((await h().req('POST', '/namespaces/', { token, body: { name: 'borrowers' } })).status, 201);
    const add = async (name: string, mobile: string, address_line: string) => {
      const id = await create(h(), token, contact(name, [['mobile', mobile]]));
      const a = await h().req('POST', '/contacts/addresses/', { token, body: { contact_id: id, pincode: '411001', address_line } });
      assert.equal(a.status, 201, a.text);
      return id;
    };
    const home = await add('Mahesh Patil', '9876543210', 'Flat 304, Sai Residency, MG Road');
    const again = await add('Mahesh Patel', '9123456780', '304 Sai Residancy M.G. Rd');
    await add('Mahesh Patel', '9000000001', 'Flat 1102, Sai Residency, MG Road');
    const { clusters } = await dedupeScan(h().appDb.forTenant(tenant), { tenantId: tenant });
    assert.deepEqual(
      clusters.map((c) => c.contacts.map((m) => m.id)),
      [[home, again].sort()],
    );
    assert.ok(clusters[0]!.pairs[0]!.reasons.some((r) => r.field === 'address_line' && r.match === 'fuzzy'));
  });

  it('other tenants see nothing', async () => {
    const empty = h().tenant();
    const { clusters, stats } = await dedupeScan(h().appDb.forTenant(empty), { tenantId: empty });
    assert.deepEqual(clusters, []);
    assert.equal(stats.contacts, 0);
  });

  it('formats clusters as JSON lines and CSV', async () => {
    const { clusters } = await dedupeScan(h().appDb.forTenant(s.tenant), { tenantId: s.tenant });
    const line = JSON.parse(clusterJsonl(clusters[1]!));
    assert.deepEqual(Object.keys(line), ['cluster', 'size', 'contacts', 'pairs']);
    assert.deepEqual(Object.keys(line.contacts[0]), ['id', 'ref_id', 'name']);
    assert.deepEqual(Object.keys(line.pairs[0]), ['a', 'b', 'score', 'band', 'reasons']);
    assert.equal(CSV_HEADER, 'cluster,contact_id,ref_id,name,best_score,band\n');
    const rows = clusterCsv(clusters[0]!).trim().split('\n');
    assert.equal(rows.length, 3);
    for (const r of rows) assert.match(r, /^1,[0-9A-Z]{26},[^,]*,("[^"]*"|[^,]*),0\.99\d*,exact$/);
    assert.match(clusterCsv({ cluster: 9, size: 1, contacts: [{ id: 'X', ref_id: null, name: 'A "B", C' }], pairs: [] }), /^9,X,,"A ""B"", C",,\n$/);
  });
});

describe('dedupe-scan block splitting', () => {
  const row = (i: number, key: string): ScanRow => ({ id: `C${String(i).padStart(5, '0')}`, ref_id: null, name: key, type: 'individual', name_phonetic: 'x', name_key: key });
  const members = Array.from({ length: 1000 }, (_, i) => ({ row: row(i, `name ${String(i % 500).padStart(3, '0')}`), keys: i === 0 || i === 999 ? ['pin:560001'] : [] }));

  test('an oversized block is split by secondary key and a name window, never compared all-pairs', () => {
    const pairs = new Set<string>();
    const split = pairsOfBlock(members, 200, false, (x, y) => pairs.add([x.row.id, y.row.id].sort().join('|')));
    assert.equal(split, true);
    assert.ok(pairs.size < 1000 * 25, `bounded work: ${pairs.size} pairs`);
    assert.ok(pairs.has('C00000|C00999'), 'members sharing a pincode meet');
    assert.ok(pairs.has('C00001|C00501'), 'identical names meet in the window');
  });

  test('at band probable only members sharing a secondary key are paired, and that loses nothing', () => {
    assert.ok(NAME_ONLY_MAX < PROBABLE_THRESHOLD, `name and type alone reach ${NAME_ONLY_MAX}`);
    const pairs: string[] = [];
    pairsOfBlock(members.slice(0, 3).concat(members.slice(999)), 200, true, (x, y) => pairs.push([x.row.id, y.row.id].sort().join('|')));
    assert.deepEqual(pairs, ['C00000|C00999']);
  });
});
