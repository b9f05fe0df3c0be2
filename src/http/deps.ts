import type { Config } from '../config.js';

/**
 * What route modules need from the outside world, passed explicitly at registration. The database
 * is not here: handlers use `request.db`, scoped to the caller's tenant (http/context.ts).
 */
export interface Deps {
  config: Config;
}
