import { AppError, type FieldErrorCollector } from '../../errors/index.js';
import { identifierKind } from '../../dedupe/identifiers.js';
import type { ContactRow } from '../contacts/contacts.queries.js';
import type { PropRow } from '../contacts/props.queries.js';
import type { BankRow } from '../banks/banks.queries.js';
import type { RelationRow } from '../relations/relations.queries.js';
import { pansOfProps } from '../contacts/blocking.js';
import { uniqueTags } from '../contacts/contacts.service.js';
import { PREFERABLE_FIELDS } from './merges.schema.js';

// What a merge does, decided from the locked state of every contact involved and nothing else
// (CONTRACT §8.2): a pure function, so the rules are testable without a database and the write
// side only applies the plan.

export interface MergeContact {
  row: ContactRow;
  props: PropRow[];
}

export interface Decision {
  field: string;
  winner: string;
  value: unknown;
  dropped: { contact: string; value: unknown }[];
}

export interface MergePlan {
  /** The survivor's new field values. */
  fields: {
    name: string;
    status: string;
    rm_id: string | null;
    branch_id: string | null;
    namespace_id: string;
    namespace_name: string;
    tags: string[];
    refs: Record<string, unknown>;
    merged_ids: string[];
  };
  decisions: Decision[];
  props: { move: string[]; remove: string[] };
  addresses: { move: string[] };
  banks: { move: string[]; collapse: string[]; primaryOn: string[]; primaryOff: string[] };
  relations: { move: { id: string; contact_id: string; related_contact_id: string | null }[]; drop: string[]; collapse: string[] };
}

/** `prefer` keys that name something: contact fields, or props as `props.<key>`. */
export function checkPrefer(errors: FieldErrorCollector, prefer: Record<string, string> | undefined, ids: ReadonlySet<string>, normalize: (id: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, raw] of Object.entries(prefer ?? {})) {
    const isProp = field.startsWith('props.') && field.length > 'props.'.length;
    if (!isProp && !(PREFERABLE_FIELDS as readonly string[]).includes(field)) {
      errors.add(`prefer.${field}`, `Unknown field; one of ${PREFERABLE_FIELDS.join(', ')} or props.<key>.`);
      continue;
    }
    const id = normalize(raw);
    if (!id || !ids.has(id)) errors.add(`prefer.${field}`, 'Must be the id of the survivor or of a contact in merge_ids.');
    else out[field] = id;
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The winner of a field: preferred, else the first contact (survivor first) with a value. */
function decide(field: string, all: readonly MergeContact[], prefer: Record<string, string>, value: (c: MergeContact) => unknown, decisions: Decision[]): MergeContact {
  const preferred = prefer[field];
  const winner = (preferred && all.find((c) => c.row.id === preferred)) || all.find((c) => value(c) !== null && value(c) !== undefined) || all[0]!;
  const v = value(winner);
  const dropped = all.filter((c) => c !== winner && value(c) !== null && value(c) !== undefined && !same(value(c), v)).map((c) => ({ contact: c.row.id, value: value(c) }));
  if (dropped.length > 0) decisions.push({ field, winner: winner.row.id, value: v, dropped });
  return winner;
}

/** Two different valid PANs among the contacts are two tax identities: merging them must be a stated choice. */
export function checkPans(all: readonly MergeContact[], prefer: Record<string, string>): void {
  const pans = new Set(all.flatMap((c) => pansOfProps(c.props)));
  if (pans.size <= 1) return;
  const stated = Object.keys(prefer).some((f) => {
    if (!f.startsWith('props.')) return false;
    const kind = identifierKind(f.slice('props.'.length));
    return kind === 'pan' || kind === 'gstin';
  });
  if (!stated) {
    throw new AppError('conflicting_identifier', 'The contacts hold different valid PANs; name the PAN to keep with prefer["props.<pan key>"].', {
      errors: { merge_ids: ['The contacts hold different valid PANs.'] },
    });
  }
}

function planProps(all: readonly MergeContact[], prefer: Record<string, string>, decisions: Decision[], errors: FieldErrorCollector): MergePlan['props'] {
  const survivor = all[0]!;
  const keys = [...new Set(all.flatMap((c) => c.props.map((p) => p.key)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const move: string[] = [];
  const remove: string[] = [];
  for (const field of Object.keys(prefer)) {
    if (field.startsWith('props.') && !keys.includes(field.slice('props.'.length))) errors.add(`prefer.${field}`, 'None of the contacts has a prop with this key.');
  }
  for (const key of keys) {
    const holders = all.flatMap((c) => c.props.filter((p) => p.key === key).map((p) => ({ c, p })));
    const field = `props.${key}`;
    const preferred = prefer[field];
    if (preferred && !holders.some((h) => h.c.row.id === preferred)) {
      errors.add(`prefer.${field}`, 'The preferred contact has no prop with this key.');
      continue;
    }
    const winner = holders.find((h) => h.c.row.id === preferred) ?? holders[0]!;
    const dropped = holders.filter((h) => h !== winner && h.p.value !== winner.p.value).map((h) => ({ contact: h.c.row.id, value: h.p.value }));
    if (dropped.length > 0) decisions.push({ field, winner: winner.c.row.id, value: winner.p.value, dropped });
    for (const h of holders) if (h !== winner) remove.push(h.p.id);
    if (winner.c !== survivor) move.push(winner.p.id);
  }
  return { move, remove };
}

function planBanks(all: readonly MergeContact[], banks: readonly BankRow[]): MergePlan['banks'] {
  const [survivor, ...victims] = all;
  const key = (b: BankRow) => `${b.ifsc}\u0000${b.account_no}`;
  const live = banks.filter((b) => !b.is_deleted);
  const holder = new Map<string, BankRow>();
  for (const b of live.filter((b) => b.contact_id === survivor!.row.id)) holder.set(key(b), b);
  const survivorPrimary = live.some((b) => b.contact_id === survivor!.row.id && b.is_primary);
  const move: string[] = [];
  const collapse: string[] = [];
  const primaryOn: string[] = [];
  const primaryOff: string[] = [];
  let primaryTaken = survivorPrimary;
  for (const v of victims) {
    for (const b of live.filter((x) => x.contact_id === v.row.id)) {
      const into = holder.get(key(b));
      const becomesPrimary = b.is_primary && !primaryTaken;
      if (b.is_primary) primaryTaken = true;
      if (into) {
        collapse.push(b.id);
        if (becomesPrimary && !into.is_primary) primaryOn.push(into.id);
        continue;
      }
      holder.set(key(b), b);
      move.push(b.id);
      if (b.is_primary && !becomesPrimary) primaryOff.push(b.id);
    }
  }
  return { move, collapse, primaryOn, primaryOff };
}

function planRelations(all: readonly MergeContact[], relations: readonly RelationRow[]): MergePlan['relations'] {
  const survivorId = all[0]!.row.id;
  const victims = new Set(all.slice(1).map((c) => c.row.id));
  const to = (id: string) => (victims.has(id) ? survivorId : id);
  const live = relations.filter((r) => !r.is_deleted);
  const target = live.map((r) => ({ r, contact_id: to(r.contact_id), related_contact_id: r.related_contact_id === null ? null : to(r.related_contact_id) }));
  const changed = (t: (typeof target)[number]) => t.contact_id !== t.r.contact_id || t.related_contact_id !== t.r.related_contact_id;
  // Rows that stay where they are keep their place; among moved twins the oldest (lowest id) stays.
  target.sort((a, b) => Number(changed(a)) - Number(changed(b)) || (a.r.id < b.r.id ? -1 : 1));
  const seen = new Set<string>();
  const out: MergePlan['relations'] = { move: [], drop: [], collapse: [] };
  for (const t of target) {
    if (t.related_contact_id !== null && t.related_contact_id === t.contact_id) {
      out.drop.push(t.r.id);
      continue;
    }
    if (t.related_contact_id !== null) {
      const k = `${t.contact_id}\u0000${t.r.type}\u0000${t.related_contact_id}`;
      if (seen.has(k)) {
        out.collapse.push(t.r.id);
        continue;
      }
      seen.add(k);
    }
    if (changed(t)) out.move.push({ id: t.r.id, contact_id: t.contact_id, related_contact_id: t.related_contact_id });
  }
  return out;
}

/**
 * The whole merge of `victims` into `survivor`, as data. `all` is the survivor followed by the
 * victims in merge_ids order; sub-resource rows are those of every contact involved (and relations
 * of third contacts that point at one of them).
 */
export function planMerge(
  all: readonly MergeContact[],
  prefer: Record<string, string>,
  sub: { addresses: readonly { id: string; contact_id: string; is_deleted: boolean }[]; banks: readonly BankRow[]; relations: readonly RelationRow[] },
  errors: FieldErrorCollector,
): MergePlan {
  const survivor = all[0]!;
  const victims = all.slice(1);
  const decisions: Decision[] = [];
  const name = decide('name', all, prefer, (c) => c.row.name, decisions).row.name;
  const status = decide('status', all, prefer, (c) => c.row.status, decisions).row.status;
  const rm = decide('rm_id', all, prefer, (c) => c.row.rm_id, decisions).row.rm_id;
  const branch = decide('branch_id', all, prefer, (c) => c.row.branch_id, decisions).row.branch_id;
  const ns = decide('namespace', all, prefer, (c) => c.row.namespace_name, decisions).row;
  const refs: Record<string, unknown> = {};
  for (const c of [...all].reverse()) Object.assign(refs, c.row.refs);
  const victimIds = new Set(victims.map((v) => v.row.id));
  const mergedIds = uniqueTags([...survivor.row.merged_ids, ...victims.flatMap((v) => [v.row.id, ...v.row.merged_ids])]).filter((id) => id !== survivor.row.id);
  const props = planProps(all, prefer, decisions, errors);
  return {
    fields: {
      name,
      status,
      rm_id: rm,
      branch_id: branch,
      namespace_id: ns.namespace_id,
      namespace_name: ns.namespace_name,
      tags: uniqueTags(all.flatMap((c) => c.row.tags)),
      refs,
      merged_ids: mergedIds,
    },
    decisions,
    props,
    addresses: { move: sub.addresses.filter((a) => !a.is_deleted && victimIds.has(a.contact_id)).map((a) => a.id) },
    banks: planBanks(all, sub.banks),
    relations: planRelations(all, sub.relations),
  };
}
