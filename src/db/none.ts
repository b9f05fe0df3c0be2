import type { Database } from './executor.js';

/**
 * A Database that refuses every statement: for building the app where no database is needed (the
 * `openapi` command prints the document from the route schemas alone).
 */
export function databaseRefusingAll(reason: string): Database {
  const refuse = async (): Promise<never> => {
    throw new Error(reason);
  };
  return {
    engine: 'pglite',
    query: refuse,
    exec: refuse,
    transaction: refuse,
    forTenant: (tenantId) => ({ tenantId, query: refuse, exec: refuse, transaction: refuse, read: refuse }),
    ping: refuse,
    close: async () => {},
  };
}
