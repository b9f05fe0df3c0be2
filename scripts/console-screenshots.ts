import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { devSignIn, navigate as go, startConsole } from '../test/browser/console-server.js';

// `npm run screenshots`: docs/screenshots/<screen>-desktop.png (1280×800) and -phone.png
// (390×844) of each console screen, from the current build, against a fresh embedded database
// seeded with example contacts. The README shows them.

const OUT = resolve(import.meta.dirname, '../docs/screenshots');
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const TENANT = 'demo';

const h = await startConsole({ worker: true });
try {
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await h.api(TENANT, method, path, body);
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await api('POST', '/namespaces/', { name: 'Vayana', contact_pattern: 'VAY-{seq:5}' });
  await api('POST', '/namespaces/', { name: 'Branch Walk-ins', contact_pattern: 'BW-{yy}{mm}-{seq:4}', contact_counter: 318, account_pattern: 'LN-{yyyy}-{seq:7}', account_counter: 90211 });
  const sukumar = await api('POST', '/contacts/', {
    name: 'Sukumar',
    type: 'individual',
    namespace: 'Vayana',
    tags: ['borrower', 'branch-visit'],
    rm_id: 'RM-104',
    branch_id: 'BLR-01',
    props: [
      { key: 'pan_no', value: 'ABCPS1234K', type: 'text' },
      { key: 'mobile', value: '9876543210', type: 'text' },
      { key: 'monthly_income', value: '85000', type: 'number' },
    ],
  });
  const lakshmi = await api('POST', '/contacts/', { name: 'Lakshmi Sukumar', type: 'individual', namespace: 'Vayana', props: [{ key: 'pan_no', value: 'BCDPL2345M', type: 'text' }] });
  const people = [
    ['Anand Traders Pvt Ltd', 'corporate'],
    ['Ravi Kumar', 'individual'],
    ['Meena Iyer', 'individual'],
    ['Suresh Pillai', 'individual'],
    ['Kavya Nair', 'individual'],
    ['Deccan Agro Exports', 'corporate'],
  ] as const;
  const ids: string[] = [];
  for (const [name, type] of people) ids.push((await api('POST', '/contacts/', { name, type, namespace: 'Vayana' })).id);
  await api('PUT', `/contacts/${ids[1]}/approve/`, { comment: 'KYC verified' });
  await api('PUT', `/contacts/${ids[2]}/reject/`, { comment: 'PAN does not match the name on the application' });
  await api('PUT', `/contacts/${ids[3]}/inactive/`, {});
  await api('POST', '/contacts/addresses/', { contact_id: sukumar.id, address_line: '14, 2nd Cross, Indiranagar', city: 'Bengaluru', state: 'Karnataka', pincode: '560038', country: 'India' });
  await api('POST', '/contacts/banks/', { contact_id: sukumar.id, account_holder_name: 'Sukumar', account_no: '50100234567891', ifsc: 'HDFC0000123', bank_name: 'HDFC Bank', branch_name: 'Indiranagar', account_type: 'savings', is_primary: true });
  await api('POST', '/contacts/relations/', { contact: sukumar.id, related_contact: lakshmi.id, type: 'spouse' });
  await api('PATCH', `/contacts/${sukumar.id}/`, { rm_id: 'RM-221' });
  await api('PUT', `/contacts/${sukumar.id}/approve/`, { comment: 'Documents verified at branch' });
  // A duplicate of Sukumar (same PAN, allowed with a reason) to merge; a webhook; a finished import.
  const twinRes = await h.api(TENANT, 'POST', '/contacts/?on_duplicate=allow&reason=HUF%20account', {
    name: 'Sukumar R',
    type: 'individual',
    namespace: 'Vayana',
    tags: ['huf'],
    props: [
      { key: 'pan', value: 'ABCPS1234K', type: 'text' },
      { key: 'mobile', value: '9876500000', type: 'text' },
      { key: 'email', value: 'sukumar.r@example.com', type: 'text' },
    ],
  });
  assert.equal(twinRes.status, 201, JSON.stringify(twinRes.body));
  const twin = twinRes.body;
  await api('POST', '/contacts/banks/', { contact_id: twin.id, account_holder_name: 'Sukumar R', account_no: '33445566778899', ifsc: 'ICIC0000456', bank_name: 'ICICI Bank', is_primary: true });
  await api('POST', '/webhooks/', { url: 'https://los.example.com/hooks/contact-registry', events: ['contact.*', 'bank.created'], description: 'Loan origination system' });
  const deepa = await api('POST', '/contacts/', { name: 'Deepa Rao', type: 'individual', namespace: 'Vayana', props: [{ key: 'mobile', value: '9000011111', type: 'text' }] });
  const deepa2 = await api('POST', '/contacts/', { name: 'Deepa S Rao', type: 'individual', namespace: 'Vayana', props: [{ key: 'mobile', value: '+91 90000 11111', type: 'text' }, { key: 'email', value: 'deepa@example.com', type: 'text' }] });
  const merged = await api('POST', `/contacts/${deepa.id}/merge/`, { merge_ids: [deepa2.id], comment: 'Same mobile; confirmed on a call with the borrower' });
  // Likely duplicates for the review queue: the worker's write checks open a pair for each, and a
  // scan adds the weaker (possible) ones.
  const text = (props: [string, string][]) => props.map(([key, value]) => ({ key, value, type: 'text' }));
  const rahul = await api('POST', '/contacts/', { name: 'Rahul Verma', type: 'individual', namespace: 'Vayana', tags: ['borrower'], rm_id: 'RM-104', props: text([['mobile', '9812345678'], ['dob', '1990-07-21'], ['email', 'rahul.verma@example.com']]) });
  await api('POST', '/contacts/addresses/', { contact_id: rahul.id, address_line: '7, MG Road, Shivajinagar', city: 'Pune', state: 'Maharashtra', pincode: '411005', country: 'India' });
  await api('POST', '/contacts/banks/', { contact_id: rahul.id, account_holder_name: 'Rahul Verma', account_no: '00112233445566', ifsc: 'SBIN0000456', bank_name: 'State Bank of India', is_primary: true });
  await api('PUT', `/contacts/${rahul.id}/approve/`, { comment: 'KYC verified' });
  const rahul2 = await api('POST', '/contacts/', { name: 'Rahul Varma', type: 'individual', namespace: 'Branch Walk-ins', props: text([['mobile_no', '+91 98123 45678'], ['date_of_birth', '21/07/1990'], ['email', 'rahulv@example.com']]) });
  await api('POST', '/contacts/addresses/', { contact_id: rahul2.id, address_line: '7 M.G. Road, Shivaji Nagar', city: 'Pune', state: 'Maharashtra', pincode: '411005', country: 'India' });
  await api('POST', '/contacts/banks/', { contact_id: rahul2.id, account_holder_name: 'Rahul Varma', account_no: '00112233445566', ifsc: 'SBIN0000456', bank_name: 'State Bank of India' });
  await api('POST', '/contacts/', { name: 'Mohan Lal', type: 'individual', namespace: 'Vayana', props: text([['mobile', '9000011111'], ['dob', '1958-02-03']]) });
  await api('POST', '/contacts/', { name: 'Mohan Lal Sharma', type: 'individual', namespace: 'Vayana', props: text([['mobile', '9000011111'], ['dob', '1986-11-30']]) });
  const arjun = await api('POST', '/contacts/', { name: 'Arjun Reddy', type: 'individual', namespace: 'Vayana', props: text([['email', 'arjun.reddy@example.com']]) });
  await api('POST', '/contacts/addresses/', { contact_id: arjun.id, address_line: '3-4-512, Narayanguda', city: 'Hyderabad', pincode: '500029', country: 'India' });
  const arjun2 = await api('POST', '/contacts/', { name: 'Arjun K Reddy', type: 'individual', namespace: 'Branch Walk-ins', props: text([['Email ID', 'Arjun.Reddy@example.com']]) });
  await api('POST', '/contacts/addresses/', { contact_id: arjun2.id, address_line: '3-4-512 Narayanaguda', city: 'Hyderabad', pincode: '500029', country: 'India' });
  const scan = await api('POST', '/duplicates/scan/', {});
  for (let i = 0; i < 400; i++) {
    const job = await api('GET', `/duplicates/scan/${scan.id}/`);
    if (job.status === 'succeeded') break;
    assert.notEqual(job.status, 'failed', JSON.stringify(job));
    await new Promise((r) => setTimeout(r, 100));
  }
  const rahulPair = (await api('GET', `/duplicates/?contact=${rahul.id}`)).results[0];
  assert.ok(rahulPair, 'the write check opened the pair of Rahul Verma and Rahul Varma');

  mkdirSync(OUT, { recursive: true });
  for (const [size, viewport] of Object.entries(SIZES)) {
    const page = await h.newPage(viewport);
    page.setDefaultTimeout(10_000);
    const shot = (name: string, fullPage = false) => page.screenshot({ path: `${OUT}/${name}-${size}.png`, fullPage });

    await page.goto(`${h.url}/console/`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await shot('sign-in');
    await devSignIn(page, TENANT, 'priya');
    await page.locator('table.contacts tbody tr').nth(7).waitFor();
    await shot('contacts');

    await go(page, '/?search=nobody-by-this-name');
    await page.locator('.empty').waitFor();
    await shot('contacts-empty');

    await go(page, '/?approval_status=maybe');
    await page.getByRole('alert').waitFor();
    await shot('contacts-error');

    await go(page, `/contacts/${sukumar.id}`);
    await page.locator('ol.timeline > li').nth(2).waitFor();
    await shot('contact', true);

    await go(page, `/contacts/${ids[0]}`);
    await page.locator('ol.timeline > li').first().waitFor();
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await page.getByLabel('Reason for rejecting (required)').fill('Turnover documents missing');
    await shot('contact-reject');

    // Create with the live duplicate check (the PAN Sukumar holds) and an API error under a field.
    await go(page, '/contacts/new');
    await page.getByLabel('Name (required)').fill('Sukumar R');
    await page.getByRole('button', { name: 'Add prop' }).click();
    await page.getByLabel('Key of prop 1').fill('pan_no');
    await page.getByLabel('Value of pan_no').fill('ABCPS1234K');
    await page.getByLabel('Ref id').fill('not a ref id!');
    await page.locator('.duplicate-check.found').waitFor();
    await page.getByRole('button', { name: 'Create contact' }).click();
    await page.locator('#ref_id-error').waitFor();
    await shot('contact-new', true);
    await page.getByLabel('Ref id').fill('');
    await page.getByRole('button', { name: 'Create contact' }).click();
    await page.locator('.duplicate-block').waitFor();
    await page.locator('.duplicate-block').scrollIntoViewIfNeeded();
    await shot('contact-new-duplicate');

    await go(page, `/contacts/${sukumar.id}/edit`);
    await page.getByRole('heading', { name: 'Edit Sukumar', level: 1 }).waitFor();
    await shot('contact-edit', true);

    await go(page, `/contacts/${sukumar.id}`);
    await page.getByRole('button', { name: 'Edit props' }).click();
    await page.getByLabel('Value of monthly_income').fill('eighty-five thousand');
    await page.getByRole('button', { name: 'Save props' }).click();
    await page.locator('.prop-row .field-error').waitFor();
    await page.locator('#props-heading').scrollIntoViewIfNeeded();
    await shot('contact-props-edit');
    await page.getByRole('button', { name: 'Cancel' }).click();
    const banks = page.locator('section.card', { has: page.locator('#banks-heading') });
    await banks.getByRole('button', { name: 'Add bank account' }).click();
    await banks.getByLabel('Account holder').fill('Sukumar');
    await banks.getByLabel('Account number').fill('12ab');
    await banks.getByLabel('IFSC').fill('HDFC0000123');
    await banks.locator('form').getByRole('button', { name: 'Add bank account' }).click();
    await banks.locator('.field-error').first().waitFor();
    await page.locator('#banks-heading').scrollIntoViewIfNeeded();
    await shot('contact-bank-add');

    await go(page, '/namespaces');
    await page.locator('table.namespaces').waitFor();
    await shot('namespaces');
    await go(page, '/namespaces/new');
    await page.getByLabel('Name (required)').fill('Retail Loans');
    await page.getByLabel('Contact ref id pattern').fill('RL-{yyyy}-{seq:6}');
    await page.getByLabel('Next contact number').fill('1042');
    await page.getByLabel('Account ref pattern').fill('LN-{yy}{mm}-{sequence}');
    await shot('namespace-new');

    await go(page, `/contacts/${sukumar.id}/merge`);
    await page.locator('.merge-candidates li', { hasText: 'Sukumar R' }).getByRole('checkbox').check();
    await page.getByLabel('Comment (required)').fill('Same PAN; HUF account opened by mistake');
    await page.getByRole('button', { name: 'Preview the merge' }).click();
    await page.locator('table.decisions').waitFor();
    await shot('merge-preview', true);
    await go(page, `/merges/${merged.merge.id}`);
    await page.getByRole('button', { name: 'Undo this merge' }).waitFor();
    await shot('merge-record', true);

    await go(page, '/duplicates');
    await page.locator('.pair-item').nth(2).waitFor();
    await shot('duplicates', true);
    await go(page, `/duplicates/${rahulPair.id}`);
    await page.getByRole('table', { name: 'Relations' }).waitFor();
    await shot('duplicate-pair', true);
    const mohanPair = page.getByRole('link', { name: /^Review Mohan Lal and Mohan Lal Sharma/ });
    await go(page, '/duplicates');
    await mohanPair.click();
    await page.getByRole('button', { name: 'Not a duplicate…' }).click();
    await page.getByLabel('Why these are different parties (required)').fill('Father and son: one family mobile, different dates of birth');
    await page.getByRole('button', { name: 'Dismiss the pair' }).scrollIntoViewIfNeeded();
    await shot('duplicate-dismiss');

    await go(page, '/imports/new');
    await page.getByLabel('File (required)').setInputFiles(resolve(import.meta.dirname, '../examples/import-sample.csv'));
    await page.getByLabel('Namespace').selectOption('Vayana');
    await page.getByRole('button', { name: 'Start the dry run' }).click();
    await page.locator('.import-job .heading-row .badge', { hasText: 'Succeeded' }).waitFor();
    await page.locator('table.import-rows').waitFor();
    await shot('import-dry-run', true);

    await go(page, '/events?type=contact.updated,contact.approved,contact.merged');
    await page.locator('ol.events > li').first().waitFor();
    await shot('events');

    await go(page, '/webhooks');
    await page.locator('table.webhooks').waitFor();
    await shot('webhooks');
    await page.locator('table.webhooks').getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
    await shot('webhook');

    await go(page, '/contacts/01JD8X3QK6Z1V2W3Y4A5B6C7D8');
    await page.getByRole('alert').waitFor();
    await shot('contact-not-found');
    await page.close();
  }
  assert.deepEqual(h.errors, [], 'the console logged errors while taking screenshots');
  process.stdout.write(`screenshots written to ${OUT}\n`);
} finally {
  await h.close();
}

