import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { devSignIn, navigate, startConsole, uniqueTenant, type ConsoleHarness } from './harness.js';

// Bulk import in headless Chromium (CONTRACT §10), with the worker running in the server's
// process: upload the README's sample CSV as a dry run, read its report (counts, the failed rows
// with their field errors), import it for real from the report, and a file the API refuses
// (unknown column) shown under the file field; past imports listed.

const SAMPLE = resolve(import.meta.dirname, '../../examples/import-sample.csv');

describe('console: imports (Chromium)', () => {
  let h: ConsoleHarness;
  let page: Page;
  const tenant = uniqueTenant('imports');
  const dir = mkdtempSync(join(tmpdir(), 'cr-import-'));

  before(async () => {
    h = await startConsole({ worker: true });
    assert.equal((await h.api(tenant, 'POST', '/namespaces/', { name: 'customer' })).status, 201);
    page = await h.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${h.url}/console/`);
    await devSignIn(page, tenant, 'priya');
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a dry run reports every row and writes nothing; "import for real" then creates the good rows', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
    await page.getByText('No imports yet.').waitFor();
    await page.getByRole('link', { name: 'New import' }).click();
    await page.getByRole('button', { name: 'Start the dry run' }).click();
    await page.getByText('Choose a CSV or NDJSON file.').waitFor();

    await page.getByLabel('File (required)').setInputFiles(SAMPLE);
    await page.getByLabel('Namespace').selectOption('customer');
    await page.getByRole('button', { name: 'Start the dry run' }).click();
    await page.getByRole('heading', { name: /^Dry run of / }).waitFor();
    await page.locator('.import-job .heading-row .badge', { hasText: 'Succeeded' }).waitFor();
    const counts = await page.getByLabel('Counts').innerText();
    assert.match(counts, /3\s+would be created/);
    assert.match(counts, /2\s+failed/);
    assert.equal((await h.api(tenant, 'GET', '/contacts/')).body.count, 0, 'a dry run writes nothing');

    const failed = page.locator('table.import-rows');
    await failed.waitFor();
    const text = await failed.innerText();
    assert.match(text, /type: /, 'the bad row names its field');
    assert.equal(await failed.locator('tbody tr').count(), 2);

    await page.getByRole('button', { name: 'Import for real (the 2 failed rows are left out)' }).click();
    await page.getByRole('heading', { name: /^Import of / }).waitFor();
    await page.locator('.import-job .heading-row .badge', { hasText: 'Succeeded' }).waitFor();
    assert.match(await page.getByLabel('Counts').innerText(), /3\s+created/);
    await page.getByRole('button', { name: 'Created' }).click();
    await page.locator('table.import-rows tbody tr').nth(2).waitFor();
    await page.locator('table.import-rows').getByRole('link', { name: 'Open the contact' }).first().click();
    await page.getByRole('heading', { name: 'Ramesh Gupta', level: 1 }).waitFor();
    assert.equal((await h.api(tenant, 'GET', '/contacts/')).body.count, 3);
  });

  test('a file the API refuses (an unknown column): the reason under the file, no job', async () => {
    const file = join(dir, 'bad-columns.csv');
    writeFileSync(file, 'name,type,nickname\nAsha Verma,individual,Ash\n');
    await navigate(page, '/imports/new');
    await page.getByLabel('File (required)').setInputFiles(file);
    await page.getByLabel('Namespace').selectOption('customer');
    await page.getByLabel('Dry run').uncheck();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('#import-file-error').waitFor();
    assert.match(await page.locator('#import-file-error').innerText(), /Unknown column: column 3 "nickname"/);
    assert.equal(await page.getByLabel('File (required)').getAttribute('aria-invalid'), 'true');
    assert.equal((await h.api(tenant, 'GET', '/imports/')).body.count, 2, 'no job was created');
  });

  test('past imports are listed, newest first', async () => {
    await navigate(page, '/imports');
    const rows = page.locator('table.imports tbody tr');
    await rows.nth(1).waitFor();
    const texts = await rows.allInnerTexts();
    assert.equal(texts.length, 2);
    assert.match(texts[0]!, /Succeeded\s+Import · CSV\s+customer\s+5 \/ 5\s+3\s+0\s+0\s+2\s+priya/);
    assert.match(texts[1]!, /Succeeded\s+Dry run · CSV/);
  });

  test('the pages logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
