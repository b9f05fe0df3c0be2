import { defineCommand, UsageError } from '../command.js';

const PORT = /^[0-9]{1,5}$/;

export const serve = defineCommand({
  name: 'serve',
  summary: 'run the HTTP service (what `npm start` runs)',
  usage: 'serve [--port <port>] [--host <address>]',
  details: `Serves the API on HOST:PORT (default 127.0.0.1:8080); --port and --host override those variables.
Pending migrations are applied first. The database is DATABASE_URL (PostgreSQL), or the embedded
PGlite database in DATA_DIR (default ./data) when DATABASE_URL is unset. SIGTERM or SIGINT stop it
gracefully. Every variable is listed in the README's Configuration table.`,
  options: { port: { type: 'string' }, host: { type: 'string' } },
  async run(values) {
    if (values.port !== undefined && (!PORT.test(values.port) || Number(values.port) > 65535)) {
      throw new UsageError(`--port must be a port number from 0 to 65535, got "${values.port}"`);
    }
    if (values.host !== undefined && values.host.trim() === '') throw new UsageError('--host needs an address, e.g. 127.0.0.1 or 0.0.0.0');
    const { loadConfig } = await import('../../config.js');
    const config = loadConfig();
    if (values.port !== undefined) config.port = Number(values.port);
    if (values.host !== undefined) config.host = values.host;
    const { serveForever } = await import('../../main.js');
    await serveForever(config);
    return 'running';
  },
});
