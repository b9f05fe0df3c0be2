import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// The API reference at /docs (Swagger UI) in headless Chromium, used as a person uses it: authorize
// with a token through the Authorize dialog, then "Try it out" → Execute on the pre-filled request
// examples, which must be accepted as they are (the namespace example creates the namespace the
// contact example names, and the dedupe example finds that contact). The page must log no console
// error or warning and have nothing blocked by its Content-Security-Policy.

describe('/docs: Swagger UI "Try it out" with the pre-filled examples (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  /** Problems the console listener of the harness does not see: failed or refused requests, CSP reports. */
  const problems: string[] = [];
  const tenant = uniqueTenant('docs');

  before(async () => {
    h = await startConsole();
    page = await h.newPage();
    // Generous: a loaded machine (the suite runs a process per core) slows Swagger UI most of all.
    page.setDefaultTimeout(30_000);
    // The browser reports every CSP violation through this event, whatever it blocked (a script,
    // a style attribute, a fetch); console messages about them are worded per resource type.
    await page.addInitScript(() => {
      const w = globalThis as unknown as { __csp: string[]; document: { addEventListener(t: string, f: (e: any) => void): void } };
      w.__csp = [];
      w.document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI}`));
    });
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`));
    // The harness ignores 4xx/5xx in the console (other tests provoke them); here none is expected.
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`${res.status()} for ${res.request().method()} ${res.url()}`);
    });
  });
  after(async () => {
    await h?.close();
  });

  const operation = (operationId: string) => page.locator(`.opblock[id$="-${operationId}"]`);

  /** Opens an operation, runs its pre-filled example and returns the status and body Swagger UI shows. */
  async function tryItOut(operationId: string): Promise<{ status: string; body: any }> {
    const op = operation(operationId);
    await op.locator('.opblock-summary-control').click();
    await op.locator('.try-out__btn').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor();
    const body = await op.locator('.live-responses-table tr.response .response-col_description pre').first().innerText();
    return { status: (await status.innerText()).trim(), body: JSON.parse(body) };
  }

  test('authorize, then create a namespace, a contact and run dedupe from the examples; nothing logged', async () => {
    await page.goto(`${h.url}/docs/`);
    // Swagger UI parses and resolves the whole document before it lists any operation.
    await operation('namespaces_create').waitFor({ timeout: 60_000 });

    await page.locator('.auth-wrapper .btn.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').fill(await h.token(tenant));
    await dialog.locator('.auth-btn-wrapper button.authorize').click();
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached' });

    const namespace = await tryItOut('namespaces_create');
    assert.equal(namespace.status, '201', JSON.stringify(namespace.body));
    const contact = await tryItOut('contacts_create');
    assert.equal(contact.status, '201', JSON.stringify(contact.body));
    assert.equal(contact.body.namespace, namespace.body.name, 'the contact example names the namespace example');
    const dedupe = await tryItOut('contacts_dedupe_create');
    assert.equal(dedupe.status, '200', JSON.stringify(dedupe.body));
    assert.deepEqual(
      dedupe.body.results.map((r: any) => r.contact.id),
      [contact.body.id],
      'the dedupe example finds the contact of the create example',
    );

    // The examples really ran as this tenant, with the token from the dialog.
    assert.equal((await h.api(tenant, 'GET', `/contacts/${contact.body.id}/`)).status, 200);

    const csp = await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);
    assert.deepEqual([...h.errors, ...problems, ...csp.map((v) => `CSP: ${v}`)], []);
  });
});
