import { after } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, startConsole as startConsoleWith, type ConsoleHarness, type ConsoleOptions } from './console-server.js';

export { CHROMIUM_PATH, devSignIn, eventually, navigate, uniqueTenant, type ConsoleHarness, type ConsoleOptions } from './console-server.js';

// The browser tests' harness: one Chromium per test process, launched by the first suite that
// needs it and closed when the process's tests are done. Starting Chromium costs a second or two of
// CPU; each harness still gets fresh browser contexts (cookies, storage), so suites stay isolated.

let shared: Promise<Browser> | undefined;

async function sharedBrowser(): Promise<Browser> {
  const browser = await (shared ??= launchChromium());
  if (browser.isConnected()) return browser;
  // Chromium went away (a crash): the next suites get a new one.
  shared = launchChromium();
  return shared;
}

after(async () => {
  const browser = await shared?.catch(() => undefined);
  shared = undefined;
  await browser?.close();
});

/** A console server on its own embedded database, its pages opened in this process's Chromium. */
export async function startConsole(options: Omit<ConsoleOptions, 'browser'> = {}): Promise<ConsoleHarness> {
  return startConsoleWith({ ...options, browser: await sharedBrowser() });
}
