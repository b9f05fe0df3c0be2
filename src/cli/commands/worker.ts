import { defineCommand } from '../command.js';

export const worker = defineCommand({
  name: 'worker',
  summary: 'run the background worker alone (event feed, webhook deliveries)',
  usage: 'worker',
  details: `Runs the background worker on its own, on DATABASE_URL or DATA_DIR as serve does: publishes the event
feed, delivers webhooks, purges events past EVENT_RETENTION_DAYS. Any number of workers (and serve
processes, unless started with WORKER=off) share one PostgreSQL. SIGTERM or SIGINT stop it
gracefully: attempts in flight finish and are recorded.`,
  options: {},
  async run() {
    const { loadConfig } = await import('../../config.js');
    const { runWorkerForever } = await import('../../worker/run.js');
    await runWorkerForever(loadConfig());
    return 'running';
  },
});
