import { test, type TestContext } from 'node:test';
import { postgresSkipReason, SkipPostgres } from './engines.js';

/**
 * A test that needs a real PostgreSQL server. Unreachable → a visible skip with the reason,
 * or a failure under REQUIRE_POSTGRES=1 (CI).
 */
export function pgTest(name: string, fn: (t: TestContext) => Promise<void>, options: { timeout?: number } = {}): void {
  test(name, { timeout: options.timeout ?? 120_000 }, async (t) => {
    const problem = await postgresSkipReason();
    if (problem !== null) {
      t.skip(new SkipPostgres(problem).message);
      return;
    }
    await fn(t);
  });
}
