import { defineCommand } from '../command.js';

export const openapi = defineCommand({
  name: 'openapi',
  summary: 'print the OpenAPI 3.1 document (JSON)',
  usage: 'openapi',
  details: `Prints the OpenAPI 3.1 document the service serves at /openapi.json, without opening a database.
Client generators start from it, e.g. openapi-typescript (the build's typed-client check does).`,
  options: {},
  async run(_values, io) {
    const { loadConfig } = await import('../../config.js');
    const { buildApp } = await import('../../app.js');
    const config = loadConfig();
    // The document comes from the route schemas alone: a database that refuses every call will do.
    const none = async (): Promise<never> => {
      throw new Error('the openapi command opens no database');
    };
    const db = {
      engine: 'pglite' as const,
      query: none,
      exec: none,
      transaction: none,
      forTenant: (tenantId: string) => ({ tenantId, query: none, exec: none, transaction: none }),
      ping: none,
      close: async () => {},
    };
    const app = await buildApp({ config: { ...config, rateLimitPerMinute: 0 }, db, devSecret: 'openapi-generation-only-secret-000000' });
    await app.ready();
    io.out(`${JSON.stringify(app.swagger(), null, 2)}\n`);
    await app.close();
    return 0;
  },
});
