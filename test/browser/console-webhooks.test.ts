import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { devSignIn, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// Webhooks in headless Chromium (CONTRACT §9), with the worker running in the server's process
// and a receiver on a local port: a URL the API refuses shown under its field, create (the
// secret shown once, and it verifies the deliveries), a delivery appearing with its response
// code and latency, a failing delivery with its error and a retry that succeeds, disable; the
// events feed (filter, follow, changed fields, redeliver).

describe('console: webhooks (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  let receiver: Server;
  let receiverUrl: string;
  let answer = 200;
  const received: { headers: Record<string, string>; body: string }[] = [];
  const tenant = uniqueTenant('hooks');

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
    // The embedded development mode allows local receivers (WEBHOOK_ALLOW_PRIVATE defaults on).
    h = await startConsole({ worker: true });
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'customer' })).status, 201);
    page = await h.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${h.url}/console/`);
    await devSignIn(page, tenant, 'priya');
  });
  after(async () => {
    await h?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  let webhookPath = '';
  let secret = '';

  test('create: a refused URL under its field, then the secret shown once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhooks yet.').waitFor();
    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.getByLabel('Endpoint URL').fill('ftp://example.com/hooks');
    await page.getByLabel('Events', { exact: true }).fill('contact.*');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.locator('#url-error').waitFor();

    await page.getByLabel('Endpoint URL').fill(receiverUrl);
    await page.getByLabel('Description').fill('Loan origination');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByText('Signing secret — copy it now; it is not shown again.').waitFor();
    secret = await page.locator('#webhook-secret').innerText();
    assert.match(secret, /^whsec_/);
    await page.getByRole('button', { name: 'I have stored it: open the webhook' }).click();
    await page.getByRole('heading', { name: receiverUrl, level: 1 }).waitFor();
    webhookPath = new URL(page.url()).pathname.replace('/console', '');
    assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is not shown again');
  });

  test('a change is delivered, signed with that secret, and appears with its response and latency', async () => {
    const created = await h.api(tenant, 'POST', '/contacts/', { name: 'Asha Verma', type: 'individual', namespace: 'customer' });
    assert.equal(created.status, 201);
    const row = page.locator('table.deliveries tbody tr', { hasText: 'contact.created' });
    await row.locator('.badge', { hasText: 'Succeeded' }).waitFor();
    assert.match(await row.innerText(), /contact\.created[\s\S]*Succeeded\s+1\s+200\s+\d+ ms/);
    const delivery = received.find((r) => r.body.includes(created.body.id))!;
    assert.ok(delivery, 'the receiver got the event');
    const event = new Webhook(secret).verify(delivery.body, delivery.headers) as { type: string };
    assert.equal(event.type, 'contact.created');
  });

  test('a failing receiver: the error shows; a retry after it recovers succeeds', async () => {
    answer = 500;
    await h.api(tenant, 'POST', '/contacts/', { name: 'Ravi Kumar', type: 'individual', namespace: 'customer' });
    const row = page.locator('table.deliveries tbody tr', { hasText: 'contact.created' }).filter({ has: page.locator('.badge', { hasText: 'Pending' }) });
    await row.waitFor();
    await row.getByText('500', { exact: true }).waitFor();
    answer = 200;
    await row.getByRole('button', { name: 'Retry now' }).click();
    await page.locator('table.deliveries .badge', { hasText: 'Pending' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('table.deliveries .badge', { hasText: 'Succeeded' }).count(), 2);
  });

  test('disable (over the version the deliveries changed meanwhile): the state shows in the list', async () => {
    // The page was loaded before the deliveries above; their bookkeeping changed the webhook's
    // ETag but nothing the form edits, so the save goes through.
    await navigate(page, webhookPath);
    await page.getByLabel('Enabled: deliver events to this endpoint').uncheck();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    await navigate(page, '/webhooks');
    const listed = page.locator('table.webhooks tbody tr');
    await listed.first().waitFor();
    assert.match(await listed.first().innerText(), /\/hooks\s+contact\.\*\s+Disabled\s+Loan origination/);
  });

  test('events feed: filter by type, follow new events, the changed fields, redeliver', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events' }).click();
    await page.locator('ol.events > li').first().waitFor();
    const types = await page.locator('ol.events > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-type')));
    assert.deepEqual(types, ['namespace.created', 'contact.created', 'contact.created', ...types.slice(3)]);

    await page.getByLabel('Types').fill('contact.nope');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('form[aria-label="Filter events"] .field-error').waitFor();

    await page.getByLabel('Types').fill('contact.updated');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No events match these filters.').waitFor();
    await page.getByLabel('Follow new events as they happen').check();
    const contact = (await h.api(tenant, 'GET', '/contacts/?search=Asha')).body.results[0];
    assert.equal((await h.api(tenant, 'PATCH', `/contacts/${contact.id}/`, { name: 'Asha K Verma' })).status, 200);
    const item = page.locator('ol.events > li[data-type="contact.updated"]');
    await item.waitFor();
    assert.match(await item.locator('table.diff').innerText(), /name\s+Asha Verma\s+Asha K Verma/);
    assert.equal(await item.getByRole('link', { name: 'open the contact' }).getAttribute('href'), `/console/contacts/${contact.id}`);
    await item.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText(/contact\.updated .* queued again/).waitFor();
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
