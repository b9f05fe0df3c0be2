import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, eventually, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// Editing what hangs off a contact in headless Chromium: its props (upsert, delete, the API's
// message under the row it is about, a PAN another contact holds, a change made meanwhile) and its
// addresses, bank accounts and relations (add, edit, delete, errors under their fields, 409, 412).

describe('console: props, addresses, banks and relations editors (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  const tenant = uniqueTenant('records');

  before(async () => {
    h = await startConsole();
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'customer' })).status, 201);
    page = await h.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(`${h.url}/console/`);
    await devSignIn(page, tenant, 'priya');
  });
  after(async () => {
    await h?.close();
  });

  async function contact(name: string, props: { key: string; value: string; type: string }[] = []): Promise<string> {
    const res = await h.api(tenant, 'POST', '/contacts/', { name, type: 'individual', namespace: 'customer', props });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }
  async function open(id: string): Promise<void> {
    await navigate(page, `/contacts/${id}`);
    await page.locator(`article.contact[data-id="${id}"] h1`).waitFor();
  }
  const propsCard = () => page.locator('section', { has: page.locator('#props-heading') });
  const storedProps = async (id: string) =>
    Object.fromEntries(((await h.api(tenant, 'GET', `/contacts/${id}/props/`)).body as { key: string; value: string }[]).map((p) => [p.key, p.value]));

  test('edit, add and type-check props: each message under its own row, nothing saved until all are right', async () => {
    const id = await contact('Sukumar Rao', [
      { key: 'pan_no', value: 'ABCPR1234K', type: 'text' },
      { key: 'mobile', value: '9876543210', type: 'text' },
    ]);
    await open(id);
    await propsCard().getByRole('button', { name: 'Edit props' }).click();
    await page.getByLabel('Value of pan_no').fill('ABCPR1234K (old card)');
    await page.getByRole('button', { name: 'Add prop' }).click();
    await page.getByLabel('Key of prop 3').fill('monthly_income');
    await page.getByLabel('Type of monthly_income').selectOption('number');
    await page.getByLabel('Value of monthly_income').fill('eighty thousand');
    await page.getByRole('button', { name: 'Save props' }).click();

    const row = (key: string) => page.locator(`.prop-row[data-key="${key}"]`);
    await row('pan_no').locator('.field-error').waitFor();
    assert.match(await row('pan_no').locator('.field-error').innerText(), /Not a valid pan/);
    assert.match(await row('monthly_income').locator('.field-error').innerText(), /decimal number/);
    assert.equal(await row('mobile').locator('.field-error').count(), 0);
    assert.deepEqual(await storedProps(id), { mobile: '9876543210', pan_no: 'ABCPR1234K' }, 'a refused PUT changes nothing');

    await page.getByLabel('Value of pan_no').fill('ABCPR1234K');
    await page.getByLabel('Value of monthly_income').fill('85000');
    await page.getByLabel('Value of mobile').fill('9876500000');
    // A slow reload after the save (as on a loaded machine) must not show the values from before it.
    const reloadOfContact = (url: URL) => url.pathname.endsWith(`/contacts/${id}/`);
    await page.route(reloadOfContact, async (route) => {
      if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 400));
      await route.fallback();
    });
    await page.getByRole('button', { name: 'Save props' }).click();
    await propsCard().getByRole('button', { name: 'Edit props' }).waitFor();
    assert.match(await propsCard().locator('table.props').innerText(), /mobile\s+9876500000\s+text[\s\S]*monthly_income\s+85000\s+number/);
    await page.unroute(reloadOfContact);
    assert.deepEqual(await storedProps(id), { mobile: '9876500000', monthly_income: '85000', pan_no: 'ABCPR1234K' });
    // One PUT, one history entry with both changes.
    const entry = page.locator('ol.timeline > li').first();
    await page.locator('ol.timeline > li', { hasText: 'props.monthly_income' }).waitFor();
    const diff = await entry.locator('table.diff').innerText();
    assert.match(diff, /props\.mobile\s+9876543210\s+9876500000/);
    assert.match(diff, /props\.monthly_income\s+—\s+85000/);
  });

  test('delete a prop after a confirmation; the other rows keep what was typed', async () => {
    const id = await contact('Lakshmi Rao', [
      { key: 'email', value: 'lakshmi@example.com', type: 'text' },
      { key: 'mobile', value: '9123456780', type: 'text' },
    ]);
    await open(id);
    await propsCard().getByRole('button', { name: 'Edit props' }).click();
    await page.getByLabel('Value of mobile').fill('9123400000');
    await page.locator('.prop-row[data-key="email"]').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Delete the prop email? Its value stays in the history.').waitFor();
    await page.getByRole('button', { name: 'Delete prop' }).click();
    await page.locator('.prop-row[data-key="email"]').waitFor({ state: 'detached' });
    assert.deepEqual(await storedProps(id), { mobile: '9123456780' });
    assert.equal(await page.getByLabel('Value of mobile').inputValue(), '9123400000');
    // The delete changed the contact's ETag; the page reloaded it, so the next save is not a 412.
    await page.getByRole('button', { name: 'Save props' }).click();
    await propsCard().getByRole('button', { name: 'Edit props' }).waitFor();
    assert.deepEqual(await storedProps(id), { mobile: '9123400000' });
  });

  test("a PAN another contact holds: 409 with a link to it, saved with a reason", async () => {
    const holder = await contact('Ravi Kumar', [{ key: 'pan_no', value: 'ABCPK1234F', type: 'text' }]);
    const id = await contact('R Kumar');
    await open(id);
    await propsCard().getByRole('button', { name: 'Edit props' }).click();
    await page.getByLabel('Key of prop 1').fill('pan');
    await page.getByLabel('Value of pan').fill('ABCPK1234F');
    await page.getByRole('button', { name: 'Save props' }).click();
    const block = page.locator('.duplicate-block');
    await block.waitFor();
    assert.equal(await block.getByRole('link', { name: 'Open the existing contact' }).getAttribute('href'), `/console/contacts/${holder}`);
    await page.getByLabel('Save anyway: reason for the override').fill('Joint account holder, confirmed by phone');
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await propsCard().getByRole('button', { name: 'Edit props' }).waitFor();
    assert.deepEqual(await storedProps(id), { pan: 'ABCPK1234F' });
  });

  test('a change saved meanwhile: 412 and a reload, nothing overwritten', async () => {
    const id = await contact('Anil Mehta', [{ key: 'mobile', value: '9000000001', type: 'text' }]);
    await open(id);
    await propsCard().getByRole('button', { name: 'Edit props' }).click();
    assert.equal((await h.api(tenant, 'PUT', `/contacts/${id}/props/`, [{ key: 'mobile', value: '9000000002', type: 'text' }])).status, 200);
    await page.getByLabel('Value of mobile').fill('9000000003');
    await page.getByRole('button', { name: 'Save props' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /This contact was changed since you opened it \(412\)/);
    assert.deepEqual(await storedProps(id), { mobile: '9000000002' });
    await page.getByRole('button', { name: 'Reload the contact (discards your edits)' }).click();
    await page.locator('table.props', { hasText: '9000000002' }).waitFor();
  });

  const card = (heading: string) => page.locator('section.card', { has: page.getByRole('heading', { name: heading, level: 2 }) });

  test('addresses: add with errors under the fields, edit, a change made meanwhile (412), delete', async () => {
    const id = await contact('Kavya Nair');
    await open(id);
    const addresses = card('Addresses');
    await addresses.getByRole('button', { name: 'Add address' }).click();
    await addresses.getByLabel('Address line').fill('MG');
    await addresses.getByLabel('Pincode').fill('5600');
    await addresses.getByRole('button', { name: 'Add address' }).click();
    await addresses.locator('#addresses-heading-pincode-error').waitFor();
    assert.match(await addresses.locator('#addresses-heading-address_line-error').innerText(), /pattern|characters/);
    assert.match(await addresses.locator('#addresses-heading-pincode-error').innerText(), /pattern|digits/);

    await addresses.getByLabel('Address line').fill('14, 2nd Cross, Indiranagar');
    await addresses.getByLabel('City').fill('Bengaluru');
    await addresses.getByLabel('Pincode').fill('560038');
    await addresses.getByLabel('Tags').fill('home');
    await addresses.getByRole('button', { name: 'Add address' }).click();
    await addresses.getByText('14, 2nd Cross, Indiranagar').waitFor();
    assert.match(await addresses.locator('li').first().innerText(), /Bengaluru, 560038\s+home/);

    await addresses.getByRole('button', { name: 'Edit' }).click();
    await addresses.getByLabel('City').fill('Bangalore');
    await addresses.getByRole('button', { name: 'Save changes' }).click();
    await addresses.getByText('Bangalore, 560038').waitFor();
    await page.locator('ol.timeline > li', { hasText: 'Update address' }).locator('table.diff', { hasText: 'Bangalore' }).waitFor();

    // Someone else changes the address while the form is open: 412, nothing overwritten.
    await addresses.getByRole('button', { name: 'Edit' }).click();
    const listed = (await h.api(tenant, 'GET', `/contacts/addresses/?contact=${id}`)).body.results[0];
    assert.equal((await h.api(tenant, 'PATCH', `/contacts/addresses/${listed.id}/`, { state: 'Karnataka' })).status, 200);
    await addresses.getByLabel('City').fill('Mysuru');
    await addresses.getByRole('button', { name: 'Save changes' }).click();
    await addresses.getByRole('alert').waitFor();
    assert.match(await addresses.getByRole('alert').innerText(), /\(412\)/);
    await addresses.getByRole('button', { name: 'Reload the address (discards your edits)' }).click();
    // The form shows the reloaded address once the reload's answer is rendered.
    await eventually(() => addresses.getByLabel('State').inputValue(), 'Karnataka');
    await eventually(() => addresses.getByLabel('City').inputValue(), 'Bangalore');
    await addresses.getByRole('button', { name: 'Cancel' }).click();

    await addresses.getByRole('button', { name: 'Delete', exact: true }).click();
    await addresses.getByRole('button', { name: 'Delete this address' }).click();
    await addresses.getByText('No addresses.').waitFor();
    assert.equal((await h.api(tenant, 'GET', `/contacts/addresses/?contact=${id}`)).body.count, 0);
  });

  test('bank accounts: field errors, one primary at a time, the same account twice is a 409', async () => {
    const id = await contact('Suresh Pillai');
    await open(id);
    const banks = card('Banks');
    const add = async (holder: string, accountNo: string, ifsc: string, primary: boolean) => {
      await banks.getByRole('button', { name: 'Add bank account' }).first().click();
      await banks.getByLabel('Account holder').fill(holder);
      await banks.getByLabel('Account number').fill(accountNo);
      await banks.getByLabel('IFSC').fill(ifsc);
      if (primary) await banks.getByLabel('Primary account').check();
      await banks.locator('form').getByRole('button', { name: 'Add bank account' }).click();
    };
    await add('Suresh Pillai', '12ab', 'hdfc0001234', true);
    await banks.locator('#banks-heading-account_no-error').waitFor();
    await banks.getByLabel('Account number').fill('123456789012');
    await banks.locator('form').getByRole('button', { name: 'Add bank account' }).click();
    await banks.getByText('123456789012 · HDFC0001234').waitFor();

    await add('Suresh Pillai', '998877665544', 'SBIN0000001', true);
    await banks.getByText('998877665544 · SBIN0000001').waitFor();
    const primaries = await banks.locator('li', { has: page.locator('.badge.primary') }).allInnerTexts();
    assert.equal(primaries.length, 1);
    assert.match(primaries[0]!, /998877665544/);

    await add('Suresh Pillai', '123456789012', 'HDFC0001234', false);
    const alert = banks.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\(409\)/);
    await banks.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await h.api(tenant, 'GET', `/contacts/banks/?contact=${id}`)).body.count, 2);
  });

  test('relations: pick the other contact by search, link to it, change the type, delete', async () => {
    const sukumar = await contact('Sukumar Menon');
    const lakshmi = await contact('Lakshmi Menon');
    await open(sukumar);
    const relations = card('Relations');
    await relations.getByRole('button', { name: 'Add relation' }).click();
    await relations.getByLabel('Relation type').selectOption('spouse');
    await relations.getByLabel('Related contact').fill('Lakshmi Men');
    await relations.getByRole('button', { name: /Lakshmi Menon/ }).click();
    await relations.getByRole('button', { name: 'Add relation' }).click();
    const link = relations.getByRole('link', { name: 'Lakshmi Menon' });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `/console/contacts/${lakshmi}`);

    await relations.getByRole('button', { name: 'Edit' }).click();
    await relations.locator('.chosen', { hasText: 'Lakshmi Menon' }).waitFor();
    await relations.getByLabel('Relation type').selectOption('guarantor');
    await relations.getByRole('button', { name: 'Save changes' }).click();
    await relations.locator('.relation-type', { hasText: 'Guarantor' }).waitFor();

    await link.click();
    await page.locator(`article.contact[data-id="${lakshmi}"]`).waitFor();
    assert.match(await card('Relations').innerText(), /Guarantor of\s+Sukumar Menon/);
    assert.equal(await card('Relations').getByRole('button', { name: 'Edit' }).count(), 0, "the other side's relation is edited from its side");

    await open(sukumar);
    await relations.getByRole('button', { name: 'Delete', exact: true }).click();
    await relations.getByRole('button', { name: 'Delete this relation' }).click();
    await relations.getByText('No relations.').waitFor();
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
