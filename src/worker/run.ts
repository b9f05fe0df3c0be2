import { pino } from 'pino';
import type { Config } from '../config.js';
import { migrateDatabase, openDatabase } from '../db/index.js';
import { startWorker } from './worker.js';
import { startTracing } from '../observability/tracing.js';

/** `contact-registry worker`: the worker alone, until SIGTERM/SIGINT. */
export async function runWorkerForever(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel });
  const tracing = await startTracing(config.tracing);
  const db = await openDatabase(config);
  try {
    await migrateDatabase(config, db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const worker = startWorker(db, config, log);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    worker
      .stop()
      .then(() => db.close())
      .then(() => tracing?.shutdown())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
