import { AppError } from '../../errors/index.js';
import { PROP_TYPES } from '../contacts/contacts.schema.js';

// The CSV columns of CONTRACT §10 and how one record becomes the body an API client would send:
// contact fields by name, `tags` split on `|`, one prop per `prop:<key>[:<type>]` column, one
// address from the `address.*` columns. An empty cell means "not given" (the field is left out).

const CONTACT_COLUMNS = ['name', 'type', 'namespace', 'status', 'ref_id', 'tags', 'rm_id', 'branch_id'] as const;
const ADDRESS_COLUMNS = ['address_line', 'city', 'state', 'pincode', 'country'] as const;
/** More columns than any valid header can have: a header past it is refused before any parsing of rows. */
export const MAX_COLUMNS = CONTACT_COLUMNS.length + ADDRESS_COLUMNS.length + 200;

type Column =
  | { kind: 'field'; name: (typeof CONTACT_COLUMNS)[number] }
  | { kind: 'prop'; key: string; type: string }
  | { kind: 'address'; name: (typeof ADDRESS_COLUMNS)[number] };

export interface CsvLayout {
  columns: Column[];
}

const headerError = (detail: string, messages: string[]) => new AppError('validation_error', detail, { errors: { header: messages } });

/** Reads the header row; unknown, repeated or malformed columns fail the whole import (400). */
export function csvLayout(header: readonly string[]): CsvLayout {
  const problems: string[] = [];
  const seen = new Set<string>();
  const columns: Column[] = [];
  if (header.length > MAX_COLUMNS) throw headerError(`The header has ${header.length} columns; at most ${MAX_COLUMNS} are possible.`, [`At most ${MAX_COLUMNS} columns.`]);
  header.forEach((raw, i) => {
    const name = raw.trim();
    const at = `column ${i + 1} "${name}"`;
    if (seen.has(name)) problems.push(`Repeated column: ${at}.`);
    seen.add(name);
    if ((CONTACT_COLUMNS as readonly string[]).includes(name)) return void columns.push({ kind: 'field', name: name as (typeof CONTACT_COLUMNS)[number] });
    if (name.startsWith('address.')) {
      const field = name.slice('address.'.length);
      if ((ADDRESS_COLUMNS as readonly string[]).includes(field)) return void columns.push({ kind: 'address', name: field as (typeof ADDRESS_COLUMNS)[number] });
    }
    if (name.startsWith('prop:')) {
      const [key = '', type = 'text', ...rest] = name.slice('prop:'.length).split(':');
      if (key === '' || rest.length > 0) return void problems.push(`Malformed prop column: ${at} (expected prop:<key> or prop:<key>:<type>).`);
      if (!(PROP_TYPES as readonly string[]).includes(type)) return void problems.push(`Unknown prop type in ${at}: must be one of ${PROP_TYPES.join(', ')}.`);
      return void columns.push({ kind: 'prop', key, type });
    }
    problems.push(`Unknown column: ${at}.`);
  });
  if (problems.length > 0) throw headerError(`The CSV header is not valid: ${problems.join(' ')}`, problems);
  return { columns };
}

/** One CSV record as the body of a contact create (plus `addresses`). */
export function csvBody(layout: CsvLayout, record: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const props: { key: string; value: string; type: string }[] = [];
  const address: Record<string, string> = {};
  layout.columns.forEach((c, i) => {
    const cell = record[i] ?? '';
    if (cell === '') return;
    if (c.kind === 'prop') props.push({ key: c.key, value: cell, type: c.type });
    else if (c.kind === 'address') address[c.name] = cell;
    else if (c.name === 'tags') body.tags = cell.split('|').map((t) => t.trim()).filter((t) => t !== '');
    else body[c.name] = cell;
  });
  if (props.length > 0) body.props = props;
  if (Object.keys(address).length > 0) body.addresses = [address];
  return body;
}
