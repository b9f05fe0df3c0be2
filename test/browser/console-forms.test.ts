import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// The contact create and edit forms in headless Chromium: the API's validation messages under the
// fields they name (also a prop row's), the live duplicate check, the 409 duplicate block with a
// link to the holder and the override with a reason, and an edit over a change made meanwhile
// (412) that says what changed instead of overwriting it; namespaces with the ref id preview.

describe('console: create and edit contacts (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  const tenant = uniqueTenant('forms');
  let holder: string;

  before(async () => {
    h = await startConsole();
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'customer', contact_pattern: 'CUS-{seq:4}' })).status, 201);
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'partner' })).status, 201);
    const res = await h.api(tenant, 'POST', '/contacts/', {
      name: 'Ravi Kumar',
      type: 'individual',
      namespace: 'customer',
      props: [{ key: 'pan_no', value: 'ABCPK1234F', type: 'text' }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    holder = res.body.id;
    page = await h.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(`${h.url}/console/`);
    await devSignIn(page, tenant, 'priya');
  });
  after(async () => {
    await h?.close();
  });

  const fieldError = (id: string) => page.locator(`#${id}-error`);

  test('create: errors under their fields and prop rows, then a contact with a generated ref id', async () => {
    await page.getByRole('link', { name: 'New contact' }).click();
    await page.getByRole('heading', { name: 'New contact', level: 1 }).waitFor();
    await page.getByLabel('Name (required)').fill('Asha <Verma>');
    await page.getByLabel('Tags').fill('vip, branch-visit');
    await page.getByLabel('Refs (JSON object)').fill('{"crm_id": ');
    await page.getByRole('button', { name: 'Add prop' }).click();
    await page.getByLabel('Key of prop 1').fill('monthly_income');
    await page.getByLabel('Type of monthly_income').selectOption('number');
    await page.getByLabel('Value of monthly_income').fill('lots');
    await page.getByRole('button', { name: 'Create contact' }).click();
    // Refs that are not JSON are caught before anything is sent.
    assert.match(await fieldError('refs').innerText(), /Not valid JSON/);

    await page.getByLabel('Refs (JSON object)').fill('{"crm_id": "C-1001"}');
    await page.getByRole('button', { name: 'Create contact' }).click();
    await fieldError('name').waitFor();
    assert.match(await fieldError('name').innerText(), /pattern/);
    assert.equal(await page.getByLabel('Name (required)').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('.problem').count(), 0, 'field errors appear under the fields, not in a box');

    // The body's shape is checked before the props' values: the prop's message comes next.
    await page.getByLabel('Name (required)').fill('Asha Verma');
    await page.getByRole('button', { name: 'Create contact' }).click();
    const row = page.locator('.prop-row', { has: page.getByLabel('Key of prop 1') });
    assert.match(await row.locator('.field-error').innerText(), /decimal number/);
    assert.equal(await fieldError('name').count(), 0);

    await page.getByLabel('Value of monthly_income').fill('85000');
    await page.getByRole('button', { name: 'Create contact' }).click();
    await page.getByRole('heading', { name: 'Asha Verma', level: 1 }).waitFor();
    const details = await page.locator('dl.fields').innerText();
    assert.match(details, /Ref id\s+CUS-0002/);
    assert.match(details, /Tags\s+vip, branch-visit/);
    assert.match(details, /Refs\s+\{"crm_id":"C-1001"\}/);
    assert.match(await page.locator('table.props').innerText(), /monthly_income\s+85000\s+number/);
  });

  test('a PAN another contact holds: the live check shows it, the save is blocked with a link, the override needs a reason', async () => {
    await navigate(page, '/contacts/new');
    await page.getByLabel('Name (required)').fill('R Kumar');
    await page.getByRole('button', { name: 'Add prop' }).click();
    await page.getByLabel('Key of prop 1').fill('pan');
    await page.getByLabel('Value of pan').fill('abcpk 1234f');
    const check = page.getByLabel('Duplicate check');
    await check.locator('.candidate', { hasText: 'Ravi Kumar' }).waitFor();
    assert.match(await check.innerText(), /Exact\s+Ravi Kumar CUS-0001 score 0\.\d+\s+pan: same · name: similar \(\d+% alike\)/);

    await page.getByRole('button', { name: 'Create contact' }).click();
    const block = page.locator('.duplicate-block');
    await block.waitFor();
    assert.match(await block.innerText(), /Duplicate contact \(409\)/);
    assert.equal(await block.getByRole('link', { name: 'Open the existing contact' }).getAttribute('href'), `/console/contacts/${holder}`);
    const saveAnyway = page.getByRole('button', { name: 'Save anyway' });
    assert.equal(await saveAnyway.isDisabled(), true, 'an override without a reason must not be possible');
    await page.getByLabel('Save anyway: reason for the override').fill('HUF account of the same person');
    await saveAnyway.click();
    await page.getByRole('heading', { name: 'R Kumar', level: 1 }).waitFor();
    const created = page.locator('ol.timeline > li', { hasText: 'Create contact' });
    await created.waitFor();
    assert.match(await created.innerText(), /HUF account of the same person/);
  });

  test('edit: only what changed is sent, errors under their fields, status rules shown', async () => {
    const res = await h.api(tenant, 'POST', '/contacts/', { name: 'Meena Iyer', type: 'individual', namespace: 'customer', rm_id: 'RM-1' });
    const id = res.body.id as string;
    await navigate(page, `/contacts/${id}`);
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit Meena Iyer', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('RM').inputValue(), 'RM-1');
    await page.getByLabel('Ref id').fill('bad ref id!');
    await page.getByLabel('Branch').fill('BLR-01');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await fieldError('ref_id').waitFor();
    assert.match(await fieldError('ref_id').innerText(), /pattern/);

    await page.getByLabel('Ref id').fill('MEENA-1');
    await page.getByLabel('Namespace (required)').selectOption('partner');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Meena Iyer', level: 1 }).waitFor();
    assert.match(await page.locator('dl.fields').innerText(), /Namespace\s+partner[\s\S]*Ref id\s+MEENA-1[\s\S]*Branch\s+BLR-01/);
    const update = page.locator('ol.timeline > li', { hasText: 'Update contact' });
    await update.waitFor();
    const fields = await update.locator('table.diff tbody th').allInnerTexts();
    assert.deepEqual(fields.sort(), ['branch_id', 'namespace', 'ref_id']);

    // A rejected contact cannot be made active by an edit: the option says why.
    assert.equal((await h.api(tenant, 'PUT', `/contacts/${id}/reject/`, { comment: 'documents missing' })).status, 200);
    await navigate(page, `/contacts/${id}/edit`);
    const active = page.locator('#status option[value="active"]');
    await active.waitFor({ state: 'attached' });
    assert.equal(await active.innerText(), 'Active (approve the contact first)');
    assert.equal(await active.isDisabled(), true);
  });

  test('edit over a change saved meanwhile: 412, what changed, reload, then the save goes through', async () => {
    const res = await h.api(tenant, 'POST', '/contacts/', { name: 'Anil Mehta', type: 'individual', namespace: 'customer' });
    const id = res.body.id as string;
    await navigate(page, `/contacts/${id}/edit`);
    await page.getByRole('heading', { name: 'Edit Anil Mehta', level: 1 }).waitFor();
    const patched = await h.api(tenant, 'PATCH', `/contacts/${id}/`, { name: 'Anil K Mehta', rm_id: 'RM-9' });
    assert.equal(patched.status, 200);

    await page.getByLabel('Tags').fill('priority');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /This contact was changed since you opened it \(412\)/);
    assert.match(text, /Nothing was saved\. seeder changed it/);
    assert.match(text, /name\s+Anil Mehta\s+Anil K Mehta/);
    assert.match(text, /rm_id\s+—\s+RM-9/);
    assert.equal((await h.api(tenant, 'GET', `/contacts/${id}/`)).body.tags.length, 0, 'nothing was overwritten');

    await page.getByRole('button', { name: 'Reload the contact (discards your edits)' }).click();
    assert.equal(await page.getByLabel('Name (required)').inputValue(), 'Anil K Mehta');
    await page.getByLabel('Tags').fill('priority');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Anil K Mehta', level: 1 }).waitFor();
    const after = (await h.api(tenant, 'GET', `/contacts/${id}/`)).body;
    assert.deepEqual([after.tags, after.rm_id], [['priority'], 'RM-9']);
  });

  test('namespaces: create with a live ref id preview, errors under fields, raise the counter, delete rules', async () => {
    const year = new Date().getUTCFullYear();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Namespaces' }).click();
    await page.getByRole('heading', { name: 'Namespaces', level: 1 }).waitFor();
    assert.match(await page.locator('table.namespaces').innerText(), /customer\s+CUS-\{seq:4\}\s+CUS-\d{4}/);

    await page.getByRole('link', { name: 'New namespace' }).click();
    await page.getByLabel('Name (required)').fill('Vayana');
    await page.getByLabel('Contact ref id pattern').fill('VAY-{yyyy}-{foo}');
    assert.match(await page.locator('#contact-preview').innerText(), /Unknown token \{foo\}/);
    await page.getByRole('button', { name: 'Create namespace' }).click();
    await fieldError('contact_pattern').waitFor();
    assert.match(await fieldError('contact_pattern').innerText(), /Unknown token \{foo\}/);

    await page.getByLabel('Contact ref id pattern').fill('VAY-{yyyy}-{seq:6}');
    await page.getByLabel('Next contact number').fill('42');
    assert.equal(await page.locator('#contact-preview .preview').innerText(), `VAY-${year}-000042`);
    await page.getByRole('button', { name: 'Create namespace' }).click();
    await page.getByRole('heading', { name: 'Namespace Vayana', level: 1 }).waitFor();

    // A counter may be raised, never lowered: the API's message under the field.
    await page.getByLabel('Next contact number').fill('7');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await fieldError('contact_counter').waitFor();
    assert.match(await fieldError('contact_counter').innerText(), /lower/i);
    await page.getByLabel('Next contact number').fill('50');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    const created = await h.api(tenant, 'POST', '/contacts/', { name: 'Vayana Person', type: 'individual', namespace: 'Vayana' });
    assert.equal(created.body.ref_id, `VAY-${year}-000050`, 'the preview showed what the API allocates');

    // A name taken (in any case) is refused with the API's problem.
    await navigate(page, '/namespaces/new');
    await page.getByLabel('Name (required)').fill('VAYANA');
    await page.getByRole('button', { name: 'Create namespace' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\(409\)/);

    // A namespace live contacts use cannot be deleted; an unused one can.
    await navigate(page, '/namespaces?search=vay');
    await page.locator('table.namespaces').getByRole('link', { name: 'Vayana' }).click();
    await page.getByRole('button', { name: 'Delete namespace' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /\(409\)/);
    await navigate(page, '/namespaces/new');
    await page.getByLabel('Name (required)').fill('Temporary');
    await page.getByRole('button', { name: 'Create namespace' }).click();
    await page.getByRole('heading', { name: 'Namespace Temporary', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete namespace' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Namespaces', level: 1 }).waitFor();
    await page.locator('table.namespaces').waitFor();
    assert.doesNotMatch(await page.locator('table.namespaces').innerText(), /Temporary/);
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
