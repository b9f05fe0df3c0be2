// The FEBRL data sets (bench/dedupe/outside/febrl, README there): reading them, splitting them into
// a training and a held-out part, and turning a record into the requests a user of the API would
// send for it. Nothing here changes a value: typos, missing fields and impossible dates go to the
// API exactly as the data set has them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type FebrlSet = 'dataset1' | 'dataset3';
export type Split = 'train' | 'heldout';

export interface FebrlRecord {
  /** rec_id as in the file, e.g. `rec-12-dup-0`. */
  recId: string;
  /** The N of rec-N-…: records with the same N are one person (the labels). */
  entity: number;
  givenName: string;
  surname: string;
  streetNumber: string;
  address1: string;
  address2: string;
  suburb: string;
  postcode: string;
  state: string;
  dateOfBirth: string;
}

const DIR = fileURLToPath(new URL('./outside/febrl/', import.meta.url));

/**
 * Reads a data set. Values are separated by "," and padded with spaces (data set 1 pads its
 * originals' ids with three); no value contains a comma.
 */
export function readFebrl(set: FebrlSet): FebrlRecord[] {
  const [header, ...lines] = readFileSync(`${DIR}${set}.csv`, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = header!.split(',').map((c) => c.trim());
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${set}: no column ${name}`);
    return i;
  };
  const idx = {
    recId: at('rec_id'), givenName: at('given_name'), surname: at('surname'), streetNumber: at('street_number'), address1: at('address_1'),
    address2: at('address_2'), suburb: at('suburb'), postcode: at('postcode'), state: at('state'), dateOfBirth: at('date_of_birth'),
  };
  return lines.map((line) => {
    const v = line.split(',').map((x) => x.trim());
    if (v.length !== cols.length) throw new Error(`${set}: ${v.length} values in "${line}"`);
    const recId = v[idx.recId]!;
    const m = /^rec-([0-9]+)-(org|dup-[0-9]+)$/.exec(recId);
    if (!m) throw new Error(`${set}: unexpected rec_id ${recId}`);
    const get = (k: keyof typeof idx) => v[idx[k]]!;
    return {
      recId, entity: Number(m[1]), givenName: get('givenName'), surname: get('surname'), streetNumber: get('streetNumber'), address1: get('address1'),
      address2: get('address2'), suburb: get('suburb'), postcode: get('postcode'), state: get('state'), dateOfBirth: get('dateOfBirth'),
    };
  });
}

/**
 * Which part a person belongs to: people with an even N train, odd N are held out. All records of
 * one person land in one part, so no labelled pair straddles the split. The generator numbered its
 * originals in creation order and drew every value at random, so N's parity says nothing about the
 * record.
 */
export const splitOf = (r: FebrlRecord): Split => (r.entity % 2 === 0 ? 'train' : 'heldout');

/** All labelled pairs (unordered, as "a|b" with a < b) among `records`. */
export function truePairs(records: readonly FebrlRecord[]): Set<string> {
  const byEntity = new Map<number, string[]>();
  for (const r of records) {
    const list = byEntity.get(r.entity);
    if (list) list.push(r.recId);
    else byEntity.set(r.entity, [r.recId]);
  }
  const out = new Set<string>();
  for (const ids of byEntity.values()) {
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) out.add(pairKey(ids[i]!, ids[j]!));
  }
  return out;
}

export const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

// The address resource's patterns (CONTRACT §4.1): a value that does not fit is left out, as a user
// whose import got a 400 for it would do. FEBRL's states are Australian abbreviations ("nsw",
// "wa"); two-letter ones do not fit and are left out too (scoring does not read the state).
const ADDRESS_LINE = /^[a-zA-Z0-9\s,.'\-/#]{5,100}$/;
const CITY = /^[a-zA-Z\s\-.]{2,50}$/;
const STATE = /^[a-zA-Z\s-]{3,50}$/;

/**
 * The contact's address as the address resource takes it. The street goes in the address line
 * ("12 sharwood crescent, kurriba"), the suburb in `city`; the four-digit Australian postcode is
 * written into the six-digit pincode field with two leading zeros (a fixed, reversible mapping:
 * equal postcodes stay equal, a mistyped digit stays one mistyped digit).
 */
export function addressOf(r: FebrlRecord): { address_line?: string; city?: string; state?: string; pincode?: string } | null {
  const out: { address_line?: string; city?: string; state?: string; pincode?: string } = {};
  const line = [`${r.streetNumber} ${r.address1}`.trim(), r.address2].filter((x) => x !== '').join(', ');
  if (ADDRESS_LINE.test(line)) out.address_line = line;
  if (CITY.test(r.suburb)) out.city = r.suburb;
  if (STATE.test(r.state)) out.state = r.state;
  if (/^[0-9]{4}$/.test(r.postcode)) out.pincode = `00${r.postcode}`;
  return Object.keys(out).length > 0 ? out : null;
}

/** The contact's name as a user would type it; null when the record has neither name (the API needs one). */
export function nameOf(r: FebrlRecord): string | null {
  const name = [r.givenName, r.surname].filter((x) => x !== '').join(' ');
  return name === '' ? null : name;
}

/** The contact's props: its date of birth as written (YYYYMMDD in FEBRL, impossible dates included). */
export function propsOf(r: FebrlRecord, withDob: boolean): { key: string; value: string; type: 'text' }[] {
  return withDob && r.dateOfBirth !== '' ? [{ key: 'date_of_birth', value: r.dateOfBirth, type: 'text' }] : [];
}
