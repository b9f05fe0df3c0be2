import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, eventually, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// The duplicate review queue in headless Chromium (CONTRACT §8.1, §11): pairs opened by the
// worker's write checks, best first, with counts per band and filters; a pair's side-by-side
// compare with every value marked in words and the dedupe reasons; dismiss with a required comment
// and reopen; merge handed to the merge flow with both contacts chosen, and the queue after the
// merge and after its undo.

describe('console: duplicate queue (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  const tenant = uniqueTenant('dupes');
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startConsole({ worker: true });
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'customer' })).status, 201);
    const contact = async (key: string, name: string, props: [string, string][], query = '') => {
      const res = await h.api(tenant, 'POST', `/contacts/${query}`, { name, type: 'individual', namespace: 'customer', props: props.map(([k, value]) => ({ key: k, value, type: 'text' })) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids[key] = res.body.id;
    };
    await contact('ravi', 'Ravi Kumar', [['mobile', '9876543210'], ['dob', '1988-04-12']]);
    assert.equal((await h.api(tenant, 'POST', '/contacts/banks/', { contact_id: ids.ravi, account_holder_name: 'Ravi Kumar', account_no: '50100234567891', ifsc: 'HDFC0000123' })).status, 201);
    await contact('kumaar', 'Ravi Kumaar', [['mobile_no', '+91 98765 43210'], ['email', 'ravi@example.com'], ['date_of_birth', '12/04/1988']]);
    await contact('mohan', 'Mohan Lal', [['mobile', '9000011111']]);
    await contact('sharma', 'Mohan Lal Sharma', [['mobile', '9000011111']]);
    await contact('anita', 'Anita Desai', [['pan_no', 'ABCPD1234E']]);
    await contact('huf', 'Anita Desai HUF', [['pan', 'ABCPD1234E']], '?on_duplicate=allow&reason=HUF%20account');
    // The worker's write checks open the two probable pairs after commit.
    for (let i = 0; i < 200; i++) {
      if ((await h.api(tenant, 'GET', '/duplicates/')).body.count >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    page = await h.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(`${h.url}/console/`);
    await devSignIn(page, tenant, 'priya');
  });
  after(async () => {
    await h?.close();
  });

  const pairOf = async (a: string, b: string) => (await h.api(tenant, 'GET', `/duplicates/?status=open&contact=${ids[a]}`)).body.results.find((p: any) => [p.contact_a, p.contact_b].includes(ids[b]));
  const items = () => page.locator('.pair-item');

  test('the queue: open pairs best first, counts per band, filters by band, status and source', async () => {
    await page.getByRole('link', { name: 'Duplicates', exact: true }).click();
    await page.getByRole('heading', { name: 'Duplicates', level: 1 }).waitFor();
    await items().nth(1).waitFor();
    assert.equal(await items().count(), 2);
    assert.match(await items().nth(0).innerText(), /Probable[\s\S]*Ravi Kumar\s+and\s+Ravi Kumaar[\s\S]*Same mobile \(mobile_no\)[\s\S]*Same date of birth/);
    assert.match(await items().nth(1).innerText(), /Mohan Lal\s+and\s+Mohan Lal Sharma[\s\S]*Same mobile/);
    const band = (name: string) => page.getByRole('group', { name: 'Band' }).getByRole('button', { name: new RegExp(`^${name}`) });
    assert.match(await band('All').innerText(), /All\s*2/);
    assert.match(await band('Probable').innerText(), /Probable\s*2/);
    assert.match(await band('Exact').innerText(), /Exact\s*0/);
    assert.equal(await band('All').getAttribute('aria-pressed'), 'true');

    await band('Exact').click();
    await page.getByText('No open pairs match these filters.').waitFor();
    assert.match(page.url(), /\/console\/duplicates\?band=exact$/);
    assert.equal(await band('Exact').getAttribute('aria-pressed'), 'true');

    // The override's pair was recorded dismissed, with its reason.
    await band('All').click();
    await page.getByLabel('Status').selectOption('dismissed');
    // The open pairs stay on screen until the dismissed ones arrive: wait for the list to change.
    await eventually(() => items().count(), 1, 'one dismissed pair');
    assert.match(await items().first().innerText(), /Exact[\s\S]*Anita Desai\s+and\s+Anita Desai HUF[\s\S]*Same PAN[\s\S]*Recorded by a save-anyway override[\s\S]*“HUF account”/);
    await page.getByLabel('Source').selectOption('scan');
    await page.getByText('No dismissed pairs match these filters.').waitFor();
    assert.match(page.url(), /status=dismissed&source=scan/);
  });

  test('compare: agreeing, conflicting and one-sided values marked in words; the reasons in plain words', async () => {
    const pair = await pairOf('ravi', 'kumaar');
    await navigate(page, '/duplicates');
    await page.getByRole('link', { name: 'Review Ravi Kumar and Ravi Kumaar' }).click();
    await page.getByRole('heading', { name: 'Ravi Kumar and Ravi Kumaar', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/console/duplicates/${pair.id}`);
    const why = page.locator('section', { has: page.getByRole('heading', { name: 'Why dedupe paired them' }) });
    assert.match(await why.innerText(), /Pointing to one borrower[\s\S]*Same mobile \(mobile_no\)[\s\S]*Same date of birth[\s\S]*Names \d+% alike/);

    const row = (table: string, label: string | RegExp) =>
      page.getByRole('table', { name: table }).getByRole('row').filter({ has: page.getByRole('rowheader', typeof label === 'string' ? { name: label, exact: true } : { name: label }) });
    await page.getByRole('table', { name: 'Relations' }).waitFor();
    assert.match(await row('Fields', 'Name').innerText(), /Ravi Kumar\s+Ravi Kumaar\s+≠ Differs/);
    assert.match(await row('Fields', 'Type').innerText(), /= Same/);
    // The same mobile written two ways, and the same date of birth in two formats, under two keys each.
    assert.match(await row('Props', /mobile/).innerText(), /9876543210\s+\+91 98765 43210\s+= Same/);
    assert.match(await row('Props', /dob/).innerText(), /1988-04-12\s+12\/04\/1988\s+= Same/);
    assert.match(await row('Props', 'email').innerText(), /—\s*none\s+ravi@example\.com\s+◨ Only in B/);
    assert.match(await row('Bank accounts', /50100234567891/).innerText(), /holder Ravi Kumar\s+—\s*none\s+◧ Only in A/);
    assert.match(await page.locator('.compare-card', { has: page.getByRole('table', { name: 'Fields' }) }).innerText(), /Neither has: Ref id, RM, Branch, Tags\./);
    assert.match(await page.getByRole('table', { name: 'Relations' }).innerText(), /Neither has relations\./);
    // Marks are words and signs, not colour alone; the summary counts them.
    assert.match(await page.locator('.compare-summary').innerText(), /= \d+ the same\s+≠ 1 different\s+◧ 1 only in A\s+◨ 1 only in B/);
  });

  test("a contact's page points to its open pairs in the queue", async () => {
    await navigate(page, `/contacts/${ids.ravi}`);
    await page.getByText('1 possible duplicate waits for review.').waitFor();
    await page.getByRole('link', { name: 'Review in the duplicate queue' }).click();
    await page.getByText(`Pairs of contact ${ids.ravi}`).waitFor();
    await eventually(() => items().count(), 1);
    assert.match(await items().first().innerText(), /Ravi Kumar\s+and\s+Ravi Kumaar/);
  });

  test('dismiss with a required comment, then reopen', async () => {
    const pair = await pairOf('mohan', 'sharma');
    await navigate(page, `/duplicates/${pair.id}`);
    await page.getByRole('heading', { name: 'Mohan Lal and Mohan Lal Sharma', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Not a duplicate…' }).click();
    const dismiss = page.getByRole('button', { name: 'Dismiss the pair' });
    assert.equal(await dismiss.isDisabled(), true, 'a dismissal needs a comment');
    await page.getByLabel('Why these are different parties (required)').fill('Father and son sharing a mobile');
    await dismiss.click();
    await page.getByText(/Dismissed as two different parties by priya on .*: “Father and son sharing a mobile”/).waitFor();
    const stored = (await h.api(tenant, 'GET', `/duplicates/${pair.id}/`)).body;
    assert.deepEqual([stored.status, stored.comment, stored.resolved_by], ['dismissed', 'Father and son sharing a mobile', 'priya']);
    // The next open pair is offered; the queue has one open pair left.
    await page.getByRole('link', { name: 'Review the next open pair →' }).waitFor();
    await page.getByRole('link', { name: 'Back to the queue' }).click();
    await eventually(() => items().count(), 1);
    assert.match(await page.locator('.count').innerText(), /^1 open pair$/);

    await navigate(page, `/duplicates/${pair.id}`);
    await page.getByLabel('Reopen: why (optional)').fill('Sharma confirmed he is the same person');
    await page.getByRole('button', { name: 'Reopen the pair' }).click();
    await page.getByRole('button', { name: 'Not a duplicate…' }).waitFor();
    assert.equal((await h.api(tenant, 'GET', `/duplicates/${pair.id}/`)).body.status, 'open');
    assert.match(await page.locator('.badges').innerText(), /Open/);
  });

  test('merge from the queue: the merge flow with both contacts chosen; the queue after the merge and after undo', async () => {
    const pair = await pairOf('ravi', 'kumaar');
    await navigate(page, `/duplicates/${pair.id}`);
    await page.getByRole('link', { name: 'Merge…' }).click();
    await page.getByRole('heading', { name: 'Merge duplicates of Ravi Kumar', level: 1 }).waitFor();
    const kumaar = page.locator('.merge-candidates li', { hasText: 'Ravi Kumaar' });
    await kumaar.getByRole('checkbox', { checked: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: '← The duplicate pair' }).getAttribute('href'), `/console/duplicates/${pair.id}`);
    await page.getByLabel('Comment (required)').fill('Same mobile and date of birth');
    await page.getByRole('button', { name: 'Preview the merge' }).click();
    await page.getByRole('button', { name: 'Merge 1 contact into Ravi Kumar' }).click();
    await page.getByRole('heading', { name: 'Merge into Ravi Kumar', level: 1 }).waitFor();
    const mergePath = new URL(page.url()).pathname.replace(/^\/console/, '');

    // The pair left the open queue and is listed as merged.
    await page.getByRole('link', { name: 'Duplicate queue' }).click();
    await eventually(() => items().count(), 1);
    assert.doesNotMatch(await page.locator('.pair-list').innerText(), /Ravi/);
    await page.getByLabel('Status').selectOption('merged');
    await page.getByRole('link', { name: /^Review Ravi Kumar and / }).waitFor();
    await page.getByRole('link', { name: /^Review Ravi Kumar and / }).click();
    await page.getByText(/Merged by priya on /).waitFor();

    // Undo gives the pair back to the queue, open.
    await navigate(page, mergePath);
    await page.getByRole('button', { name: 'Undo this merge' }).click();
    await page.getByLabel('Why undo it').fill('Merged by mistake');
    await page.getByRole('button', { name: 'Undo the merge' }).click();
    await page.getByText(/Undone by priya/).waitFor();
    await page.getByRole('link', { name: 'Duplicate queue' }).click();
    await page.getByRole('link', { name: 'Review Ravi Kumar and Ravi Kumaar' }).waitFor();
    assert.equal(await items().count(), 2);
  });

  test('a pair not found and a filter the API refuses are explained', async () => {
    await navigate(page, '/duplicates/01JD8X3QK6Z1V2W3Y4A5B6C7D8');
    assert.match(await page.getByRole('alert').innerText(), /Pair not found \(404\)/);
    await navigate(page, '/duplicates?band=maybe');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /\(400\)[\s\S]*band/);
    await alert.getByRole('link', { name: 'Back to the open pairs' }).click();
    await items().first().waitFor();
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
