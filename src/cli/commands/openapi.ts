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
    // The defaults, not the environment: the document must not depend on who generates it.
    const config = loadConfig({});
    const { databaseRefusingAll } = await import('../../db/none.js');
    // The document comes from the route schemas alone: no database is opened.
    const db = databaseRefusingAll('the openapi command opens no database');
    const app = await buildApp({ config, db, devSecret: 'openapi-generation-only-secret-000000' });
    await app.ready();
    io.out(`${JSON.stringify(app.swagger(), null, 2)}\n`);
    await app.close();
    return 0;
  },
});
