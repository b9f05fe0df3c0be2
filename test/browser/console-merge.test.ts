import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// Merging duplicates and undoing the merge in headless Chromium (CONTRACT §8.2, §8.3): the
// survivor's likely duplicates offered with their reasons, a dry-run preview with a per-field
// winner, the merge, a merged id opening its survivor with a notice, undo, an undo refused with
// its reasons, and a merge the API refuses (two different PANs) explained.

describe('console: merge and undo (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  const tenant = uniqueTenant('merge');

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

  async function contact(name: string, props: { key: string; value: string }[], override = false): Promise<string> {
    const res = await h.api(tenant, 'POST', `/contacts/${override ? '?on_duplicate=allow&reason=test' : ''}`, {
      name,
      type: 'individual',
      namespace: 'customer',
      props: props.map((p) => ({ ...p, type: 'text' })),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }

  test('merge three contacts with a per-field winner, open a merged id, then undo', async () => {
    const ravi = await contact('Ravi Kumar', [{ key: 'pan_no', value: 'ABCPK1234F' }, { key: 'mobile', value: '9876543210' }]);
    const rk = await contact('R Kumar', [{ key: 'pan', value: 'ABCPK1234F' }], true);
    const kumaar = await contact('Ravi Kumaar', [{ key: 'mobile', value: '+91 98765 43210' }, { key: 'email', value: 'ravi@example.com' }]);
    assert.equal(
      (await h.api(tenant, 'POST', '/contacts/banks/', { contact_id: rk, account_holder_name: 'R Kumar', account_no: '123456789012', ifsc: 'HDFC0001234' })).status,
      201,
    );

    await navigate(page, `/contacts/${ravi}`);
    await page.getByRole('link', { name: 'Merge…' }).click();
    await page.getByRole('heading', { name: 'Merge duplicates of Ravi Kumar', level: 1 }).waitFor();
    const rkRow = page.locator('.merge-candidates li', { hasText: 'R Kumar' }).filter({ hasNotText: 'Kumaar' });
    assert.match(await rkRow.innerText(), /exact[\s\S]*pan no: same/i);
    await rkRow.getByRole('checkbox').check();
    await page.locator('.merge-candidates li', { hasText: 'Ravi Kumaar' }).getByRole('checkbox').check();
    // All pending: the oldest survives by default, and the page says why.
    assert.match(await page.locator('.survivor-choice label', { has: page.getByRole('radio', { checked: true }) }).innerText(), /^Ravi Kumar[\s\S]*the default: the oldest$/);
    const preview = page.getByRole('button', { name: 'Preview the merge' });
    assert.equal(await preview.isDisabled(), true, 'a merge needs a comment');
    await page.getByLabel('Comment (required)').fill('Same borrower: PAN and mobile match');
    await preview.click();

    const decisions = page.locator('table.decisions');
    await decisions.waitFor();
    assert.match(await decisions.locator('tr', { hasText: 'name' }).first().innerText(), /Ravi Kumar from Ravi Kumar[\s\S]*R Kumar \(R Kumar\); Ravi Kumaar \(Ravi Kumaar\)/);
    assert.match(await page.locator('.movements').innerText(), /1 bank account/);
    assert.equal((await h.api(tenant, 'GET', `/contacts/${rk}/`)).body.id, rk, 'a preview writes nothing');

    // Keep the other spelling of the name: the preview is computed again with that choice.
    await page.getByLabel('Winner for name').selectOption({ label: 'Keep Ravi Kumaar (Ravi Kumaar)' });
    await page.locator('table.decisions tr', { hasText: 'Ravi Kumaar from Ravi Kumaar' }).waitFor();
    assert.match(await page.locator('.merge-preview dl.fields').innerText(), /Name\s+Ravi Kumaar/);

    await page.getByRole('button', { name: 'Merge 2 contacts into Ravi Kumar' }).click();
    await page.getByRole('heading', { name: 'Merge into Ravi Kumaar', level: 1 }).waitFor();
    assert.match(await page.locator('dl.fields').innerText(), /Merged in\s+R Kumar, Ravi Kumaar[\s\S]*By\s+priya[\s\S]*Comment\s+Same borrower/);
    const mergeUrl = new URL(page.url()).pathname;

    // A link to a merged contact opens the survivor, saying so.
    await navigate(page, `/contacts/${rk}`);
    await page.getByRole('heading', { name: 'Ravi Kumaar', level: 1 }).waitFor();
    assert.match(await page.locator('.notice').innerText(), new RegExp(`The contact ${rk} was merged into Ravi Kumaar`));
    await page.getByRole('link', { name: 'See the merge' }).click();
    await page.locator('table.contacts tbody tr').first().getByRole('link').first().click();
    assert.equal(new URL(page.url()).pathname, mergeUrl);

    await page.getByRole('button', { name: 'Undo this merge' }).click();
    await page.getByLabel('Why undo it').fill('Merged by mistake');
    await page.getByRole('button', { name: 'Undo the merge' }).click();
    await page.getByText(/Undone by priya on .*: “Merged by mistake”/).waitFor();
    for (const [id, name] of [[ravi, 'Ravi Kumar'], [rk, 'R Kumar'], [kumaar, 'Ravi Kumaar']] as const) {
      const back = (await h.api(tenant, 'GET', `/contacts/${id}/`)).body;
      assert.deepEqual([back.id, back.name], [id, name]);
    }
  });

  test('undo refused after a later write: the reasons and the objects written since', async () => {
    const a = await contact('Meena Iyer', [{ key: 'pan_no', value: 'BCDPM2345K' }]);
    const b = await contact('Meena S Iyer', [{ key: 'pan_no', value: 'BCDPM2345K' }], true);
    const merged = await h.api(tenant, 'POST', `/contacts/${a}/merge/`, { merge_ids: [b], comment: 'same PAN' });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    assert.equal((await h.api(tenant, 'PATCH', `/contacts/${a}/`, { tags: ['checked'] })).status, 200);

    await navigate(page, `/merges/${merged.body.merge.id}`);
    await page.getByRole('button', { name: 'Undo this merge' }).click();
    await page.getByLabel('Why undo it').fill('wrong person');
    await page.getByRole('button', { name: 'Undo the merge' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /\(409\)/);
    assert.match(text, /Written since the merge/);
    assert.equal(await alert.getByRole('link', { name: a }).getAttribute('href'), `/console/contacts/${a}`);
    assert.equal((await h.api(tenant, 'GET', `/contacts/${b}/`)).body.id, a, 'nothing was undone');
  });

  test('two different PANs: the refusal is explained and nothing changes', async () => {
    const a = await contact('Suresh Pillai', [{ key: 'pan_no', value: 'CDEPS3456L' }]);
    const b = await contact('Suresh Pilai', [{ key: 'pan_no', value: 'DEFPS4567M' }]);
    await navigate(page, `/contacts/${a}/merge`);
    await page.getByLabel('Add another contact').fill('Suresh Pilai');
    await page.getByRole('button', { name: /^Suresh Pilai/ }).click();
    await page.getByLabel('Comment (required)').fill('looks the same');
    await page.getByRole('button', { name: 'Preview the merge' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\(409\)[\s\S]*Two different PANs are two tax identities/);
    assert.equal((await h.api(tenant, 'GET', `/contacts/${b}/`)).body.id, b);
  });

  test('the survivor: the approved contact by default; another one may be chosen', async () => {
    const older = await contact('Kavya Nair', [{ key: 'pan_no', value: 'EFGPN5678Q' }]);
    const approved = await contact('Kavya R Nair', [{ key: 'pan_no', value: 'EFGPN5678Q' }], true);
    assert.equal((await h.api(tenant, 'PUT', `/contacts/${approved}/approve/`, {})).status, 200);
    await navigate(page, `/contacts/${older}/merge`);
    await page.locator('.merge-candidates li', { hasText: 'Kavya R Nair' }).getByRole('checkbox').check();
    const selected = page.locator('.survivor-choice label', { has: page.getByRole('radio', { checked: true }) });
    assert.match(await selected.innerText(), /^Kavya R Nair[\s\S]*the default: the approved one$/);
    await page.locator('.survivor-choice label', { hasText: /^Kavya Nair/ }).getByRole('radio').check();
    await page.getByLabel('Comment (required)').fill('same PAN');
    await page.getByRole('button', { name: 'Preview the merge' }).click();
    await page.getByRole('button', { name: 'Merge 1 contact into Kavya Nair' }).click();
    await page.getByRole('heading', { name: 'Merge into Kavya Nair', level: 1 }).waitFor();
    assert.equal((await h.api(tenant, 'GET', `/contacts/${approved}/`)).body.id, older, 'the chosen contact survived');
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
