import type { Config } from '../config.js';
import type { Database } from '../db/index.js';

/** What route modules need from the outside world; passed explicitly at registration. */
export interface Deps {
  db: Database;
  config: Config;
}
