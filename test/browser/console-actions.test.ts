import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// The console's writes in headless Chromium: approve, reject with a comment, activate,
// deactivate, delete and restore — each offered only where the contact's state allows it — the
// history timeline with each entry's field diff, user and comment, and a change made meanwhile by
// someone else (412) shown with a way to reload.

describe('console: approvals, status, delete/restore and history (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  const tenant = uniqueTenant('actions');

  before(async () => {
    h = await startConsole();
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'customer' })).status, 201);
    // One signed-in page for the file; each test moves to its contact inside the app.
    page = await h.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(`${h.url}/console/`);
    await devSignIn(page, tenant, 'priya');
  });
  after(async () => {
    await h?.close();
  });

  async function contact(name: string): Promise<string> {
    const res = await h.api(tenant, 'POST', '/contacts/', { name, type: 'individual', namespace: 'customer' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }

  async function open(id: string): Promise<Page> {
    await navigate(page, `/contacts/${id}`);
    await page.locator('article.contact[data-id="' + id + '"] h1#contact-name').waitFor();
    return page;
  }

  /** The action buttons on offer, in order. */
  const offered = (page: Page) => page.locator('.action-buttons button').allTextContents();
  const badges = (page: Page) => page.locator('.contact-header .badges').innerText();
  const history = (page: Page) => page.locator('ol.timeline > li');

  test('approve with a comment: the state, the buttons and the history diff follow', async () => {
    const page = await open(await contact('Ravi Kumar'));
    assert.deepEqual(await offered(page), ['Approve', 'Reject', 'Deactivate', 'Delete']);
    await history(page).first().waitFor();
    assert.match(await history(page).first().innerText(), /Create contact[\s\S]*by seeder/);

    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByLabel('Comment (optional)').fill('KYC verified <script>alert(1)</script>');
    await page.getByRole('button', { name: 'Approve contact' }).click();
    await page.waitForFunction(() => document.querySelector('.contact-header .badges')?.textContent?.includes('Approved'));
    assert.deepEqual(await offered(page), ['Reject', 'Deactivate', 'Delete']);

    await page.locator('ol.timeline > li', { hasText: 'Approve' }).waitFor();
    const entry = history(page).first();
    const text = await entry.innerText();
    assert.match(text, /^Approve\s+by priya · \d/);
    assert.match(text, /“KYC verified <script>alert\(1\)<\/script>”/);
    const rows = await entry.locator('table.diff tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.children].map((c) => (c as HTMLElement).innerText.trim())),
    );
    assert.deepEqual(
      rows.filter(([field]) => field === 'approval_status' || field === 'approval_by').sort(),
      [
        ['approval_by', '—', 'priya'],
        ['approval_status', 'pending', 'approved'],
      ],
    );
  });

  test('reject needs a reason; a rejected contact offers approve but not activate', async () => {
    const page = await open(await contact('Meena Iyer'));
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    const confirm = page.getByRole('button', { name: 'Reject contact' });
    assert.equal(await confirm.isDisabled(), true, 'reject without a reason must not be possible');
    await page.getByLabel('Reason for rejecting (required)').fill('PAN does not match the name');
    await confirm.click();
    await page.waitForFunction(() => document.querySelector('.contact-header .badges')?.textContent?.includes('Rejected'));
    assert.match(await badges(page), /Inactive[\s\S]*Rejected/);
    assert.deepEqual(await offered(page), ['Approve', 'Delete']);
    await page.locator('ol.timeline > li', { hasText: 'Reject' }).getByText('“PAN does not match the name”').waitFor();
    assert.match(await page.locator('dl.fields').innerText(), /Approval comment\s+PAN does not match the name/);
  });

  test('deactivate and activate', async () => {
    const page = await open(await contact('Suresh Pillai'));
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.waitForFunction(() => document.querySelector('.contact-header .badges')?.textContent?.includes('Inactive'));
    assert.deepEqual(await offered(page), ['Approve', 'Reject', 'Activate', 'Delete']);
    await page.locator('ol.timeline > li', { hasText: 'Deactivate' }).waitFor();
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.waitForFunction(() => /Active/.test(document.querySelector('.contact-header .badges')?.textContent ?? ''));
    assert.deepEqual(await offered(page), ['Approve', 'Reject', 'Deactivate', 'Delete']);
    await page.locator('ol.timeline > li', { hasText: 'Activate' }).first().waitFor();
    const rows = await history(page).first().locator('table.diff').innerText();
    assert.match(rows, /status\s+inactive\s+active/);
  });

  test('delete asks first, then offers only restore; restore brings the contact back', async () => {
    const id = await contact('Kavya Nair');
    const page = await open(id);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Delete Kavya Nair? The contact leaves lists and searches; it can be restored later.').waitFor();
    await page.getByRole('button', { name: 'Delete contact' }).click();
    await page.locator('.badge.deleted').waitFor();
    assert.deepEqual(await offered(page), ['Restore']);
    assert.equal((await h.api(tenant, 'GET', `/contacts/${id}/`)).status, 404);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.waitForFunction(() => !document.querySelector('.badge.deleted'));
    assert.deepEqual(await offered(page), ['Approve', 'Reject', 'Deactivate', 'Delete']);
    assert.equal((await h.api(tenant, 'GET', `/contacts/${id}/`)).status, 200);
    await page.locator('ol.timeline > li', { hasText: 'Restore' }).waitFor();
  });

  test('an edit made elsewhere shows as a field diff; a write over it is refused (412) with a reload', async () => {
    const id = await contact('Anil Mehta');
    const page = await open(id);
    const current = await h.api(tenant, 'GET', `/contacts/${id}/`);
    const patched = await h.api(tenant, 'PATCH', `/contacts/${id}/`, { name: 'Anil K Mehta', tags: ['branch-visit'] }, { 'if-match': current.etag! });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    await page.getByRole('button', { name: 'Deactivate' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\(412\)/);
    await page.getByRole('button', { name: 'Reload the contact' }).click();
    await page.getByRole('heading', { name: 'Anil K Mehta', level: 1 }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    const update = page.locator('ol.timeline > li', { hasText: 'Update contact' });
    await update.waitFor();
    const diff = await update.locator('table.diff').innerText();
    assert.match(diff, /name\s+Anil Mehta\s+Anil K Mehta/);
    assert.match(diff, /tags\s+—\s+branch-visit/);
    // Now the write goes through.
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.waitForFunction(() => document.querySelector('.contact-header .badges')?.textContent?.includes('Inactive'));
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
