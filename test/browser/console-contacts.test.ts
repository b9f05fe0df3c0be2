import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, eventually, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// The console's reading screens in headless Chromium: sign-in, the contacts list (search, filters,
// ordering, paging, all in the URL), a contact's detail with its props, addresses, banks and
// relations, tenant isolation, "not found", and text from the API rendered as text.

describe('console: sign-in, contacts list and detail (Chromium)', () => {
  let h: ConsoleHarness;
  const tenant = uniqueTenant('browse');
  const other = uniqueTenant('other');
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startConsole();
    for (const t of [tenant, other]) assert.equal((await h.api(t, 'POST', '/namespaces/', { name: 'customer' })).status, 201);
    const create = async (t: string, body: Record<string, unknown>) => {
      const res = await h.api(t, 'POST', '/contacts/', { namespace: 'customer', type: 'individual', ...body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    ids.sukumar = await create(tenant, {
      name: 'Sukumar Rao',
      tags: ['vip'],
      rm_id: 'RM-7',
      props: [
        { key: 'pan_no', value: 'ABCPR1234K', type: 'text' },
        // Free text with markup: must show as text and never run.
        { key: 'note', value: '<img src=x onerror="window.__xss=1"><b>bold</b>', type: 'text' },
      ],
    });
    ids.lakshmi = await create(tenant, { name: 'Lakshmi Rao', type: 'individual' });
    ids.acme = await create(tenant, { name: 'Acme Traders', type: 'corporate' });
    // Enough contacts for a second page of 20.
    for (let i = 0; i < 20; i++) await create(tenant, { name: `Filler Person ${String(i).padStart(2, '0')}` });
    assert.equal((await h.api(tenant, 'PUT', `/contacts/${ids.lakshmi}/approve/`, {})).status, 200);
    assert.equal(
      (await h.api(tenant, 'POST', '/contacts/addresses/', { contact_id: ids.sukumar, address_line: '12 MG Road', city: 'Bengaluru', pincode: '560001', country: 'IN' })).status,
      201,
    );
    assert.equal(
      (await h.api(tenant, 'POST', '/contacts/banks/', { contact_id: ids.sukumar, account_holder_name: 'Sukumar Rao', account_no: '123456789012', ifsc: 'HDFC0001234', account_type: 'savings' }))
        .status,
      201,
    );
    assert.equal((await h.api(tenant, 'POST', '/contacts/relations/', { contact: ids.sukumar, related_contact: ids.lakshmi, type: 'spouse' })).status, 201);
    ids.secret = await create(other, { name: 'Other Tenant Person' });
  });
  after(async () => {
    await h?.close();
  });

  /** A new page, opened at `path` and signed in there (the URL is kept through the sign-in). */
  async function freshPage(path: string): Promise<Page> {
    const page = await h.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(h.url + path);
    await devSignIn(page, tenant);
    return page;
  }

  let shared: Page | undefined;
  /** The file's signed-in page, moved to `path` inside the app (no reload, no new sign-in). */
  async function signedIn(path = '/console/'): Promise<Page> {
    if (!shared) shared = await freshPage(path);
    else await navigate(shared, path.replace(/^\/console/, '') || '/');
    return shared;
  }

  /** The names in the contacts table, in order. */
  const names = (page: Page) => page.locator('table.contacts tbody td.name-cell').allTextContents();

  test('the development sign-in shows field errors next to the field, then signs in', async () => {
    const page = await h.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(h.url + '/console/');
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.getByLabel('Tenant').fill('not a tenant!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#tenant-error').waitFor();
    assert.match(await page.locator('#tenant-error').innerText(), /tenant id is 1–100 characters/);
    assert.equal(await page.getByLabel('Tenant').getAttribute('aria-invalid'), 'true');
    await devSignIn(page, tenant, 'asha');
    assert.match(await page.locator('header.topbar').innerText(), new RegExp(`asha[\\s\\S]*tenant ${tenant}`));
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    assert.equal(await page.locator('.count').innerText(), '23 contacts');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.close();
  });

  test('search and filters narrow the list and live in the URL; the URL reproduces the view', async () => {
    const page = await signedIn();
    await page.getByLabel('Search', { exact: true }).fill('Rao');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/\?search=Rao$/);
    await page.locator('.count', { hasText: '2 contacts' }).waitFor();
    await eventually(async () => (await names(page)).sort(), ['Lakshmi Rao', 'Sukumar Rao']);

    // A PAN finds its contact too (exact identifier search).
    await page.getByLabel('Search', { exact: true }).fill('ABCPR1234K');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('.count', { hasText: '1 contact' }).waitFor();
    await eventually(() => names(page), ['Sukumar Rao']);

    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('summary', { hasText: 'Filters' }).click();
    await page.getByLabel('Approval').selectOption('approved');
    await page.waitForURL(/approval_status=approved/);
    await page.locator('.count', { hasText: '1 contact' }).waitFor();
    await eventually(() => names(page), ['Lakshmi Rao']);

    await page.getByLabel('Approval').selectOption('');
    await page.getByLabel('Type', { exact: true }).selectOption('corporate');
    await page.locator('.count', { hasText: '1 contact' }).waitFor();
    await eventually(() => names(page), ['Acme Traders']);

    await page.getByLabel('Type', { exact: true }).selectOption('');
    await page.getByLabel('Tags').fill('vip');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/tags=vip/);
    await page.locator('.count', { hasText: '1 contact' }).waitFor();
    await eventually(() => names(page), ['Sukumar Rao']);

    // Ordering and page size, then the same URL opened afresh shows the same view.
    await page.getByRole('link', { name: 'Clear all' }).first().click();
    await page.getByLabel('Order').selectOption('name');
    await page.getByLabel('Per page').selectOption('50');
    await page.waitForURL(/ordering=name&page_size=50|page_size=50&ordering=name/);
    await page.locator('table.contacts tbody tr').nth(22).waitFor();
    const ordered = await names(page);
    assert.equal(ordered.length, 23);
    assert.deepEqual(ordered, [...ordered].sort((a, b) => a.localeCompare(b)));
    const link = page.url();
    const again = await freshPage(link.slice(h.url.length));
    await again.locator('table.contacts tbody tr').nth(22).waitFor();
    assert.deepEqual(await names(again), ordered);
    assert.equal(await again.getByLabel('Order').inputValue(), 'name');
    await again.close();
  });

  test('pagination moves through pages and says where it is', async () => {
    const page = await signedIn();
    await page.getByText('Page 1 of 2').waitFor();
    assert.equal((await names(page)).length, 20);
    assert.equal(await page.getByRole('button', { name: '← Previous' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.waitForURL(/page=2/);
    await page.getByText('Page 2 of 2').waitFor();
    assert.equal((await names(page)).length, 3);
    assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true);
  });

  test("a contact's detail shows its fields, props, addresses, banks and relations, linked", async () => {
    const page = await signedIn('/console/?search=Sukumar');
    await page.getByRole('link', { name: 'Sukumar Rao' }).click();
    await page.waitForURL(new RegExp(`/console/contacts/${ids.sukumar}$`));
    await page.getByRole('heading', { name: 'Sukumar Rao', level: 1 }).waitFor();
    const details = await page.locator('dl.fields').innerText();
    assert.match(details, /RM\s+RM-7/);
    assert.match(details, /Tags\s+vip/);
    assert.match(await page.locator('table.props').innerText(), /pan_no\s+ABCPR1234K\s+text/);
    assert.match(await page.locator('section', { has: page.getByRole('heading', { name: 'Addresses' }) }).innerText(), /12 MG Road[\s\S]*Bengaluru, 560001, IN/);
    assert.match(await page.locator('section', { has: page.getByRole('heading', { name: 'Banks' }) }).innerText(), /123456789012 · HDFC0001234/);

    // Markup in a prop value is shown as the text it is, and never runs.
    const markup = '<img src=x onerror="window.__xss=1"><b>bold</b>';
    await page.locator('table.props').getByText(markup, { exact: true }).waitFor();
    // History shows the same value, as text too.
    await page.locator('ol.timeline').getByText(markup, { exact: true }).waitFor();
    assert.equal(await page.locator('article.contact img, article.contact b').count(), 0);
    assert.equal(await page.evaluate('window.__xss'), undefined);

    // The relation links to the related contact, whose page shows the reverse relation.
    const relations = page.locator('section', { has: page.getByRole('heading', { name: 'Relations' }) });
    assert.match(await relations.innerText(), /Spouse\s+Lakshmi Rao/);
    await relations.getByRole('link', { name: 'Lakshmi Rao' }).click();
    await page.getByRole('heading', { name: 'Lakshmi Rao', level: 1 }).waitFor();
    await page.locator('section', { has: page.getByRole('heading', { name: 'Relations' }) }).getByText('Spouse of').waitFor();
    await page.getByRole('link', { name: 'Sukumar Rao' }).waitFor();
  });

  test("another tenant's contacts are neither listed nor reachable by id", async () => {
    const page = await signedIn();
    await page.getByLabel('Search', { exact: true }).fill('Other Tenant');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No contacts match this search or these filters.').waitFor();

    const direct = await signedIn(`/console/contacts/${ids.secret}`);
    await direct.locator('.problem-title', { hasText: 'Contact not found (404)' }).waitFor();
    assert.equal(await direct.getByText('Other Tenant Person').count(), 0);
    await direct.getByRole('link', { name: 'Back to contacts' }).click();
    await direct.getByRole('heading', { name: 'Contacts' }).waitFor();
  });

  test('a bad filter shows the API problem next to its field', async () => {
    const page = await signedIn('/console/?created_at_after=yesterday');
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Validation failed \(400\)[\s\S]*created_at_after/);
    assert.match(await page.locator('#f-created_at_after ~ .field-error').innerText(), /\S/);
  });

  test('keyboard only: a visible focus ring, the skip link, search and opening a contact', async () => {
    const page = await freshPage('/console/');
    await page.locator('table.contacts tbody tr').first().waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        const style = el ? getComputedStyle(el) : null;
        return { label: el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '', tag: el?.tagName ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
      });
    await page.keyboard.press('Tab');
    const first = await focused();
    assert.equal(first.label, 'Skip to content', 'the first Tab reaches the skip link');
    assert.equal(first.outline, 'solid 3px', 'focus is visible');
    // Tab on to the search box: every stop on the way shows the same ring.
    let stop = first;
    for (let i = 0; i < 20 && !(stop.tag === 'INPUT' && /search/i.test(await page.evaluate(() => document.activeElement?.id ?? ''))); i++) {
      await page.keyboard.press('Tab');
      stop = await focused();
      assert.equal(stop.outline, 'solid 3px', `focus on ${stop.tag} "${stop.label}" is visible`);
    }
    assert.equal(stop.tag, 'INPUT', 'the search box is reachable by Tab');
    await page.keyboard.type('Sukumar');
    await page.keyboard.press('Enter');
    await page.locator('.count', { hasText: '1 contact' }).waitFor();
    // On to the contact's link, and open it with Enter.
    for (let i = 0; i < 30 && (await focused()).label !== 'Sukumar Rao'; i++) await page.keyboard.press('Tab');
    assert.equal((await focused()).label, 'Sukumar Rao', 'the contact link is reachable by Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sukumar Rao', level: 1 }).waitFor();
    await page.close();
  });

  test('the page loaded no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
