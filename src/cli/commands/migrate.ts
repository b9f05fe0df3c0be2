import { defineCommand } from '../command.js';

export const migrate = defineCommand({
  name: 'migrate',
  summary: 'apply pending database migrations and exit',
  usage: 'migrate',
  details: `Applies the pending migrations (migrations/*.sql) to DATABASE_URL, or to the embedded database in
DATA_DIR, connecting as MIGRATION_DATABASE_URL (the schema owner) when that is set. \`serve\` does the
same at start; this command is for deployments where the service role may not change the schema.`,
  options: {},
  async run(_values, io) {
    const { loadConfig } = await import('../../config.js');
    const { migrateDatabase, openDatabase } = await import('../../db/index.js');
    const config = loadConfig();
    const db = await openDatabase(config);
    try {
      const applied = await migrateDatabase(config, db);
      io.out(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await db.close();
    }
    return 0;
  },
});
