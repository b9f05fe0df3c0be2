import { test, type TestContext } from 'node:test';
import { ADMIN_URL, postgresProblem } from './engines.js';

/**
 * A test that needs a real PostgreSQL server. Unreachable → a visible skip with the reason,
 * or a failure under REQUIRE_POSTGRES=1 (CI).
 */
export function pgTest(name: string, fn: (t: TestContext) => Promise<void>, options: { timeout?: number } = {}): void {
  test(name, { timeout: options.timeout ?? 120_000 }, async (t) => {
    const problem = await postgresProblem();
    if (problem) {
      if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable at ${ADMIN_URL}: ${problem}`);
      t.skip(`PostgreSQL SKIPPED (unreachable at ${ADMIN_URL}: ${problem}); set TEST_DATABASE_URL or start PostgreSQL`);
      return;
    }
    await fn(t);
  });
}
