#!/usr/bin/env node
// Checks /docs in a real browser, as a person uses it: headless Chromium (Debian's `chromium`)
// opens the reference, authorizes with a token through the dialog, runs "Try it out" → Execute on
// the pre-filled examples of namespaces_create, contacts_create and contacts_dedupe_create, and
// collects every console error and warning (CSP violations included). Exit 1 on any of them.
//
//   npm start                     # in another shell (or any running server)
//   node --experimental-websocket scripts/docs-in-browser.mjs http://127.0.0.1:8080 "$(npx contact-registry token --tenant docs-check --sub you)"
//
// Use a tenant without a namespace "Vayana" (the examples create it). Not part of CI: it needs
// Chromium, which the project does not install.
import { spawn } from 'node:child_process';

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error('usage: node --experimental-websocket scripts/docs-in-browser.mjs <base-url> <token>');
  process.exit(2);
}
const PORT = 9333;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const chrome = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', `--remote-debugging-port=${PORT}`, 'about:blank'], {
  stdio: 'ignore',
});
const problems = [];
try {
  let targets = [];
  for (let i = 0; i < 100 && targets.length === 0; i++) {
    targets = await fetch(`http://127.0.0.1:${PORT}/json/list`).then(
      (r) => r.json(),
      () => [],
    );
    if (targets.length === 0) await sleep(200);
  }
  const ws = new WebSocket(targets.find((t) => t.type === 'page').webSocketDebuggerUrl);
  await new Promise((r) => (ws.onopen = r));
  let seq = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) return void (pending.get(msg.id)(msg), pending.delete(msg.id));
    const p = msg.params;
    if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'warning'].includes(p.type))
      problems.push(`console.${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
    if (msg.method === 'Runtime.exceptionThrown')
      problems.push(`exception: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`);
    if (msg.method === 'Log.entryAdded' && ['error', 'warning'].includes(p.entry.level))
      problems.push(`${p.entry.level}: ${p.entry.text} ${p.entry.url ?? ''}`);
  };
  const send = (method, params = {}) =>
    new Promise((r) => {
      const id = ++seq;
      pending.set(id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async (expression) =>
    (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })).result?.result?.value;
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Page.navigate', { url: `${base}/docs/` });
  for (let i = 0; i < 120 && !(await evaluate(`document.querySelectorAll('.opblock').length`)); i++) await sleep(500);

  await evaluate(`document.querySelector('.btn.authorize').click()`);
  await sleep(1500);
  await evaluate(`(() => {
    const input = document.querySelector('.modal-ux input');
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, ${JSON.stringify(token)});
    input.dispatchEvent(new Event('input', { bubbles: true }));
    document.querySelector('.modal-ux .auth-btn-wrapper .authorize').click();
  })()`);
  await sleep(1000);
  await evaluate(`document.querySelector('.modal-ux .btn-done, .modal-ux .close-modal').click()`);
  await sleep(1000);

  for (const operationId of ['namespaces_create', 'contacts_create', 'contacts_dedupe_create']) {
    const q = (inner) => `document.querySelector(${JSON.stringify(`[id$="-${operationId}"] ${inner}`)})`;
    await evaluate(`${q('.opblock-summary-control')}.click()`);
    await sleep(3000);
    await evaluate(`${q('.try-out__btn')}.click()`);
    await sleep(1500);
    await evaluate(`${q('.execute')}.click()`);
    let status;
    for (let i = 0; i < 40 && !status; i++) {
      await sleep(500);
      status = (await evaluate(`${q('.live-responses-table tbody .response-col_status')}?.innerText`))?.trim();
    }
    const body = (await evaluate(`${q('.live-responses-table tbody .response-col_description pre')}?.innerText`)) ?? '';
    console.log(`${operationId}: ${status ?? 'no response'} ${body.replace(/\s+/g, ' ').slice(0, 120)}`);
    if (!/^2\d\d$/.test(status ?? '')) problems.push(`${operationId} answered ${status ?? 'nothing'}`);
  }
  ws.close();
} finally {
  chrome.kill();
}
console.log(problems.length ? problems.join('\n') : 'no console errors or warnings');
process.exitCode = problems.length ? 1 : 0;
