import type { Change } from './change.js';

/**
 * Who makes a change, and from where: what every audit entry (and event) records. An HTTP request,
 * a worker job and a CLI command each build one and call the same services.
 */
export interface Actor {
  tenantId: string;
  /** The token's `sub`, or the user a job or command runs on behalf of. */
  userId: string;
  /** The request id of an API call; for a job or command, its own id (e.g. `import:<job id>`). */
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** A note every change of this actor carries in its audit comment (an import: `import <id>`). */
  note?: string;
  /**
   * Set by a caller that writes many changes in one transaction (an import batch): recordChange
   * then collects the changes here and the caller writes them with flushChanges, in one statement,
   * before its transaction commits.
   */
  deferred?: DeferredChanges;
}

/** Changes recorded but not yet written; `entries` is truncated by a caller undoing a savepoint. */
export interface DeferredChanges {
  entries: { id: string; change: Change }[];
}

/** The actor of a job or CLI command: no client address, the origin in place of a request id. */
export function systemActor(tenantId: string, userId: string, origin: string): Actor {
  return { tenantId, userId, requestId: origin, ip: null, userAgent: null };
}
