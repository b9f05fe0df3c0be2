// What a write did, as the change seam (record.ts) records it: the types shared by the actor and the seam.

export type ActionType = 'create' | 'update' | 'delete' | 'action';
export type ObjectType = 'namespace' | 'contact' | 'address' | 'bank' | 'prop' | 'relation' | 'duplicate';

/** The event types of the feed and webhooks (docs/api.md, "Events and webhooks"). */
export const EVENT_TYPES = [
  'namespace.created',
  'namespace.updated',
  'namespace.deleted',
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'contact.restored',
  'contact.approved',
  'contact.rejected',
  'contact.activated',
  'contact.deactivated',
  'contact.merged',
  'contact.unmerged',
  'contact.props_updated',
  'address.created',
  'address.updated',
  'address.deleted',
  'bank.created',
  'bank.updated',
  'bank.deleted',
  'relation.created',
  'relation.updated',
  'relation.deleted',
  'duplicate.opened',
  'duplicate.dismissed',
  'import.finished',
  'webhook.disabled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What one write did to one object, as its audit entry (CONTRACT §5) and its event record it. */
export interface Change {
  /** The event the change publishes. */
  event: EventType;
  action: ActionType;
  objectType: ObjectType;
  objectId: string;
  /** The contact the change belongs to (itself, or the owner of a sub-resource); null for namespaces. */
  contactId: string | null;
  /** The object's API representation before and after the change (null before a create). */
  before: unknown;
  after: unknown;
  /**
   * The event's object before and after, when it is not the audited one: a props write is audited
   * as the props list, and published as the contact it changed.
   */
  subject?: { before: unknown; after: unknown };
  comment?: string | null;
  at: Date;
}
