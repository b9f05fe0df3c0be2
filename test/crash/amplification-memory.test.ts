import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mintToken } from '../../src/auth/index.js';
import { MAX_EXPANDED_ITEMS } from '../../src/resources/views/expand.js';
import { createPgTestDatabase, TEST_SECRET } from '../helpers/engines.js';
import { pgTest } from '../helpers/postgres-only.js';
import { freePort, startServer } from './server-process.js';

// Response amplification, measured on a real server process: 20 clients at once asking for the
// largest page the expand budget admits (every inlined prop 500 characters long) keep the
// process's peak resident memory under 400 MB — the few pages built at once are served, the rest
// are refused with 503 and Retry-After and served when the client comes back — and another
// tenant's requests keep succeeding throughout.

const RSS_BOUND_MB = 400;
const PROPS_PER_CONTACT = 200;
const HEAP_MB = 192;

/** Peak resident set size of a process, in MB (VmHWM: the high-water mark the kernel keeps). */
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

pgTest(
  `20 clients asking for worst-case expand pages keep the server under ${RSS_BOUND_MB} MB, served in turn, other tenants throughout`,
  async (t) => {
    const { url, drop } = await createPgTestDatabase();
    // The heap bound the README's limits table gives for a 400 MB process; without it V8 sizes the
    // heap from the machine's memory and collects garbage late, whatever the live set.
    const server = await startServer(url, await freePort(), { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
    t.after(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
      await drop();
    });
    const token = await mintToken({ secret: TEST_SECRET, tenant: 'wide', sub: 'u', ttlSeconds: 3600 });
    const other = await mintToken({ secret: TEST_SECRET, tenant: 'small', sub: 'u', ttlSeconds: 3600 });
    const call = async (method: string, path: string, body?: unknown, bearer = token) => {
      const res = await fetch(server.base + path, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
    };
    assert.equal((await call('POST', '/namespaces/', { name: 'wide' })).status, 201);
    assert.equal((await call('POST', '/namespaces/', { name: 'small' }, other)).status, 201);
    const small = await call('POST', '/contacts/', { name: 'Small Tenant', type: 'individual', namespace: 'small' }, other);
    const smallId = JSON.parse(small.text).id as string;

    const pageSize = Math.floor(MAX_EXPANDED_ITEMS / PROPS_PER_CONTACT);
    const props = Array.from({ length: PROPS_PER_CONTACT }, (_, i) => ({ key: `k${String(i).padStart(3, '0')}`, type: 'text', value: 'v'.repeat(500) }));
    for (let i = 0; i < pageSize; i++) {
      const created = await call('POST', '/contacts/', { name: `Wide Contact ${i}`, type: 'individual', namespace: 'wide', props });
      assert.equal(created.status, 201, created.text.slice(0, 300));
    }
    const before = peakRssMb(server.child.pid!);

    let responseBytes = 0;
    let otherServed = 0;
    let refused = 0;
    const flood = Array.from({ length: 20 }, async () => {
      for (let round = 0; round < 3; round++) {
        for (;;) {
          const page = await call('GET', `/contacts/?page_size=${pageSize}&expand=props`);
          if (page.status === 503) {
            assert.equal(page.retryAfter, '1', page.text);
            refused++;
            await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
            continue;
          }
          assert.equal(page.status, 200, page.text.slice(0, 300));
          responseBytes = Math.max(responseBytes, page.text.length);
          break;
        }
      }
    });
    const bystander = (async () => {
      for (let i = 0; i < 10; i++) {
        const res = await call('GET', `/contacts/${smallId}/`, undefined, other);
        assert.equal(res.status, 200, res.text);
        otherServed++;
      }
    })();
    await Promise.all([...flood, bystander]);
    const peak = peakRssMb(server.child.pid!);
    t.diagnostic(`pages of ${pageSize} contacts × ${PROPS_PER_CONTACT} props (${(responseBytes / 1e6).toFixed(1)} MB each), 20 clients × 3 (${refused} refusals retried): peak RSS ${peak.toFixed(0)} MB (${before.toFixed(0)} MB before); other tenant: ${otherServed}/10 served`);
    assert.ok(peak < RSS_BOUND_MB, `peak RSS ${peak.toFixed(0)} MB`);
    assert.equal(otherServed, 10);
  },
  { timeout: 180_000 },
);
