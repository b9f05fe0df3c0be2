import { ConfigError } from '../config.js';
import { DataDirLockedError, DatabaseConnectError, connectFailureReason, isConnectFailure } from '../db/errors.js';
import { MigrationPrivilegeError } from '../db/migrate.js';

// Start-up failures a person can act on, each as one line naming what to change. Only light
// modules are imported here: this file is loaded by every command, `--help` included.

interface ListenFailure {
  code: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

function listenFailure(err: unknown): string | null {
  const e = err as ListenFailure;
  if (typeof e?.code !== 'string' || (e.syscall !== 'listen' && e.syscall !== 'getaddrinfo' && e.syscall !== 'bind')) return null;
  const where = `${e.address ?? e.hostname}:${e.port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${e.port} on ${e.address} is already in use by another process: stop that process, or choose another port with PORT=<port> (or serve --port <port>)`;
    case 'EACCES':
      return `not allowed to listen on ${where} (ports below 1024 need privileges): choose another port with PORT=<port> (or serve --port <port>)`;
    case 'EADDRNOTAVAIL':
      return `${e.address} is not an address of this machine: set HOST (or serve --host) to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST "${e.hostname}" does not resolve to an address of this machine: set HOST (or serve --host), e.g. 127.0.0.1 or 0.0.0.0`;
    default:
      return null;
  }
}

/** One line for a failure a person can fix, or null for a bug (shown with its stack). */
export function explainFailure(err: unknown): string | null {
  if (
    err instanceof ConfigError ||
    err instanceof DataDirLockedError ||
    err instanceof DatabaseConnectError ||
    err instanceof MigrationPrivilegeError
  ) {
    return err.message;
  }
  const listen = listenFailure(err);
  if (listen) return listen;
  // A connection failure outside start-up's checks (e.g. dedupe-scan's first query).
  if (isConnectFailure(err)) return `cannot connect to the database of DATABASE_URL: ${connectFailureReason(err)}`;
  return null;
}
