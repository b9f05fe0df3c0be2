import { AppError } from '../../errors/index.js';
import type { Executor } from '../../db/index.js';
import type { Contact } from '../contacts/contacts.schema.js';
import { toContact, type ContactRow } from '../contacts/contacts.queries.js';
import { propsOf, toProp } from '../contacts/props.queries.js';
import { addressesOf, toAddress } from '../addresses/addresses.queries.js';
import { banksOf, toBank } from '../banks/banks.queries.js';
import { relationsOf, toRelation } from '../relations/relations.queries.js';

export const CONTACT_EXPANDS = ['props', 'addresses', 'banks', 'relations'] as const;
export type ContactExpand = (typeof CONTACT_EXPANDS)[number];

/**
 * Items one response may inline across its rows and kinds: what bounds a response's size and
 * memory (a page of 200 contacts × 200 props of 500 characters would be 20 MB). Over it → 400
 * naming `expand`; a smaller page_size, or fewer kinds, fits.
 */
export const MAX_EXPANDED_ITEMS = 5000;

/**
 * A page inlining more props than this is a heavy response: it needs one of the process's few
 * heavy-response permits before its props are read (src/http/heavy-responses.ts).
 */
export const HEAVY_EXPANSION_ITEMS = 1000;

/** Admits a heavy expansion when the process has room for it; throws (503) otherwise. */
export interface ExpansionGate {
  admit(): void;
}

function overBudget(kind: string): AppError {
  const msg = `This page would inline more than ${MAX_EXPANDED_ITEMS} related items (reached with ${kind}); ask for a smaller page_size or fewer kinds.`;
  return new AppError('validation_error', msg, { errors: { expand: [msg] } });
}

/**
 * Loads each requested kind of related data for a whole page in one query per kind (never one per
 * row), then inlines it. Sub-resources come oldest first; `relations` are forward only (where the
 * contact is `contact`, CONTRACT §6a) and leave out relations to deleted contacts.
 */
export async function expandContacts(db: Executor, tenantId: string, rows: ContactRow[], expand: Set<ContactExpand>, gate?: ExpansionGate): Promise<Contact[]> {
  // Nothing to read (a plain GET or list): no loaders, no awaits.
  if (expand.size === 0) return rows.map((r) => toContact(r));
  const ids = rows.map((r) => r.id);
  let left = MAX_EXPANDED_ITEMS;
  // Each kind is read with a LIMIT of what is left of the budget (plus one, to tell it was
  // exceeded), so an oversized page is refused before it is ever in memory.
  const load = async <T>(kind: ContactExpand, read: (limit: number) => Promise<Map<string, T[]>>): Promise<Map<string, T[]> | undefined> => {
    if (!expand.has(kind)) return undefined;
    const found = await read(left + 1);
    let n = 0;
    for (const list of found.values()) n += list.length;
    if (n > left) throw overBudget(kind);
    left -= n;
    return found;
  };
  // The row already carries its prop ids: an oversized props expansion is refused unread.
  const propCount = expand.has('props') ? rows.reduce((n, r) => n + r.prop_ids.length, 0) : 0;
  if (propCount > MAX_EXPANDED_ITEMS) throw overBudget('props');
  if (propCount > HEAVY_EXPANSION_ITEMS) gate?.admit();
  // Sequential on purpose: on PGlite every query shares one connection anyway, and on
  // PostgreSQL a list request should not take several pool connections at once.
  const props = await load('props', (limit) => propsOf(db, tenantId, ids, limit));
  const addresses = await load('addresses', (limit) => addressesOf(db, tenantId, ids, limit));
  const banks = await load('banks', (limit) => banksOf(db, tenantId, ids, limit));
  const relations = await load('relations', (limit) => relationsOf(db, tenantId, ids, limit));
  return rows.map((r) => {
    const c = toContact(r);
    if (props) c.props = (props.get(r.id) ?? []).map(toProp);
    if (addresses) c.addresses = (addresses.get(r.id) ?? []).map(toAddress);
    if (banks) c.banks = (banks.get(r.id) ?? []).map(toBank);
    if (relations) c.relations = (relations.get(r.id) ?? []).map(toRelation);
    return c;
  });
}
