// Lifecycle actions on a pool of pre-seeded contacts, chosen so every request is a real
// transition: approve → inactive → active → reject → approve … (CONTRACT §3.2). The state of each
// contact is learnt from the responses; a contact whose request was cut off by the end of a run
// is unknown until it is read again (resync), so no request is a no-op or a 409 by accident.
import type { Req } from './scenarios.js';

type Action = 'approve' | 'reject' | 'active' | 'inactive';

interface Slot {
  tenant: string;
  id: string;
  status?: string;
  approval?: string;
  last: Action | null;
  busy: boolean;
}

export function chooseAction(status: string, approval: string, last: Action | null): Action {
  if (approval === 'rejected') return 'approve';
  if (approval === 'pending') return status === 'active' ? 'approve' : 'active';
  if (status === 'inactive') return 'active';
  return last === 'active' ? 'reject' : 'inactive';
}

export class ActionPool {
  private readonly slots: Slot[];
  private readonly byId = new Map<string, Slot>();
  private cursor = 0;

  constructor(contacts: { tenant: string; id: string }[]) {
    this.slots = contacts.map((c) => ({ ...c, last: null, busy: false }));
    for (const s of this.slots) this.byId.set(s.id, s);
  }

  get size(): number {
    return this.slots.length;
  }

  next(): Req {
    for (let tries = 0; tries < this.slots.length; tries++) {
      const s = this.slots[this.cursor++ % this.slots.length]!;
      if (s.busy || s.status === undefined || s.approval === undefined) continue;
      s.busy = true;
      const action = chooseAction(s.status, s.approval, s.last);
      s.last = action;
      const body = action === 'reject' || action === 'approve' ? JSON.stringify({ comment: `bench ${action}` }) : undefined;
      return { method: 'PUT', path: `/contacts/${s.id}/${action}/`, tenant: s.tenant, body };
    }
    throw new Error(`action pool: all ${this.slots.length} contacts busy or unknown (use fewer connections or a larger data set)`);
  }

  /** A request for the hello-world baseline: same shape, no state change. */
  sample(): Req {
    const s = this.slots[this.cursor++ % this.slots.length]!;
    return { method: 'PUT', path: `/contacts/${s.id}/inactive/`, tenant: s.tenant };
  }

  onResponse(req: Req, status: number, body: string): void {
    const s = this.byId.get(req.path.split('/')[2]!);
    if (!s) return;
    s.busy = false;
    if (status >= 200 && status < 300) {
      try {
        const c = JSON.parse(body) as { status: string; approval_status: string };
        s.status = c.status;
        s.approval = c.approval_status;
        return;
      } catch {
        /* fall through: unknown */
      }
    }
    s.status = s.approval = undefined;
  }

  /** After a run: requests still in flight may or may not have happened. */
  endRun(): void {
    for (const s of this.slots) {
      if (s.busy) {
        s.busy = false;
        s.status = s.approval = undefined;
      }
    }
  }

  unknown(): { tenant: string; id: string }[] {
    return this.slots.filter((s) => s.status === undefined || s.approval === undefined);
  }

  set(id: string, status: string, approval: string): void {
    const s = this.byId.get(id);
    if (s) Object.assign(s, { status, approval, last: null, busy: false });
  }
}
