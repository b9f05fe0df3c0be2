// Deterministic generator of synthetic Indian contacts with labelled duplicates. The corruption
// model is documented in bench/dedupe/README.md; the same seed always yields the same records.
import { verhoeffCheckDigit } from '../../src/dedupe/checksums.js';
import { addressAt, retypedAddress } from './addresses.js';
import { Rng, typo } from './rng.js';
import { BUSINESS_LINE, BUSINESS_PREFIX, BUSINESS_SUFFIX, HONORIFICS, REGIONS, VARIANTS, type Region } from './names-data.js';

export { Rng };

export interface GenRecord {
  /** Position in the tenant (0-based): determines the contact id. */
  seq: number;
  /** The base person this record describes. */
  person: number;
  /** For a duplicate record: the seq of the original record. */
  dupOf: number | null;
  name: string;
  type: 'individual' | 'corporate';
  props: { key: string; value: string }[];
  pincode: string | null;
  /** The address line at `pincode` (null when there is no address). */
  addressLine: string | null;
  city: string | null;
  state: string | null;
}

export interface GenOptions {
  seed: number;
  size: number;
  /** Share of base persons that get a duplicate record (default 0.05). */
  dupRate?: number;
  /** Share of those that get a second duplicate (default 0.1). */
  secondDupRate?: number;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const SOUTH = new Set(['tamil', 'kannada', 'kerala']);
const OCCUPATIONS = ['salaried', 'self_employed', 'business', 'farmer', 'professional', 'retired', 'student', 'homemaker'];
const DOMAINS = ['gmail.com', 'gmail.com', 'gmail.com', 'yahoo.co.in', 'rediffmail.com', 'hotmail.com', 'outlook.com'];
const VARIANT_OF = new Map<string, string[]>();
for (const group of VARIANTS) for (const v of group) VARIANT_OF.set(v.toLowerCase(), group.filter((x) => x !== v));

interface Person {
  type: 'individual' | 'corporate';
  region: Region;
  tokens: string[];
  pan: string | null;
  mobile: string | null;
  email: string | null;
  aadhaar: string | null;
  pincode: string | null;
  addressLine: string | null;
  city: string;
}

export class ContactGenerator {
  readonly rng: Rng;
  /**
   * Address lines draw from their own stream, so adding them (after the other fields were
   * measured) left every name, identifier and pincode of a seed as it was.
   */
  private readonly addressRng: Rng;
  private pans = new Set<string>();
  private mobiles = new Set<string>();
  private emails = new Set<string>();
  /** region|surname → a household (mobile, home) that a relative may share. */
  private households = new Map<string, { mobile: string; pincode: string | null; addressLine: string | null }>();

  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.addressRng = new Rng(seed ^ 0x5add7e55);
  }

  private addressLine(pincode: string | null, type: Person['type']): string | null {
    return pincode === null ? null : addressAt(pincode, type === 'corporate', this.addressRng);
  }

  pan(holder: string, initial: string): string {
    for (;;) {
      const r = this.rng;
      const p = `${r.pick(LETTERS)}${r.pick(LETTERS)}${r.pick(LETTERS)}${holder}${initial.toUpperCase()}${String(r.int(10_000)).padStart(4, '0')}${r.pick(LETTERS)}`;
      if (!this.pans.has(p)) {
        this.pans.add(p);
        return p;
      }
    }
  }

  mobile(): string {
    for (;;) {
      const first = this.rng.pick(['9', '9', '9', '9', '8', '8', '8', '7', '7', '7', '6', '6']);
      const m = first + String(this.rng.int(1e9)).padStart(9, '0');
      if (!this.mobiles.has(m)) {
        this.mobiles.add(m);
        return m;
      }
    }
  }

  email(local: string, domain?: string): string {
    const base = local.toLowerCase().replace(/[^a-z0-9.]/g, '');
    for (let n = 0; ; n++) {
      const e = `${base}${n === 0 && this.rng.chance(0.5) ? '' : this.rng.int(n < 3 ? 100 : 10_000)}@${domain ?? this.rng.pick(DOMAINS)}`;
      if (!this.emails.has(e)) {
        this.emails.add(e);
        return e;
      }
    }
  }

  aadhaar(): string {
    const body = String(2 + this.rng.int(8)) + String(this.rng.int(1e10)).padStart(10, '0');
    return body + verhoeffCheckDigit(body);
  }

  pincode(region: Region): string {
    // Low offsets (city head offices) are the most common.
    return `${this.rng.zipf(region.pinPrefixes)}${String(1 + Math.floor(this.rng.next() ** 1.6 * 60)).padStart(3, '0')}`;
  }

  person(): Person {
    const r = this.rng;
    const region = r.weighted(REGIONS);
    const city = r.pick(region.cities);
    if (r.chance(0.07)) {
      const [suffix, holder] = r.pick(BUSINESS_SUFFIX);
      const first = r.chance(0.4) ? r.zipf(region.surnames) : r.zipf(BUSINESS_PREFIX);
      const tokens = [first, r.zipf(BUSINESS_LINE), ...(suffix ? suffix.split(' ') : [])];
      const email = r.chance(0.7) ? this.email(`${r.pick(['accounts', 'info', 'contact', 'sales'])}`, `${first}${tokens[1]}.in`.toLowerCase()) : null;
      // Drawn in this order (PAN, mobile, pincode) since the first measured runs: the order is the seed's data.
      const pan = r.chance(0.9) ? this.pan(holder, first[0]!) : null;
      const mobile = r.chance(0.8) ? this.mobile() : null;
      const pincode = r.chance(0.95) ? this.pincode(region) : null;
      return { type: 'corporate', region, tokens, pan, mobile, email, aadhaar: null, pincode, addressLine: this.addressLine(pincode, 'corporate'), city };
    }
    const female = r.chance(0.5);
    const first = r.zipf(female ? region.female : region.male);
    let tokens: string[];
    if (SOUTH.has(region.name) && r.chance(0.4)) {
      tokens = [`${r.pick(LETTERS.slice(0, 20))}.`, first];
    } else {
      let last = r.zipf(region.surnames);
      if (region.name === 'punjabi' && female && r.chance(0.6)) last = 'Kaur';
      tokens = [first, last];
      if (r.chance(0.22)) tokens.splice(1, 0, r.zipf(region.middle));
      if (region.name === 'muslim' && !female && r.chance(0.35)) tokens.unshift('Mohammed');
    }
    const surname = tokens[tokens.length - 1]!;
    const key = `${region.name}|${surname}`;
    const household = this.households.get(key);
    let mobile: string | null = null;
    let pincode: string | null = r.chance(0.9) ? this.pincode(region) : null;
    let addressLine: string | null;
    if (household && r.chance(0.07)) {
      // A relative: same surname, same phone, same home.
      mobile = household.mobile;
      pincode = household.pincode;
      addressLine = household.addressLine;
    } else {
      addressLine = this.addressLine(pincode, 'individual');
      if (r.chance(0.9)) {
        mobile = this.mobile();
        this.households.set(key, { mobile, pincode, addressLine });
      }
    }
    const email = r.chance(0.45) ? this.email(`${first}${r.pick(['.', '', '_'])}${surname.replace('.', '')}`) : null;
    return { type: 'individual', region, tokens, pan: r.chance(0.7) ? this.pan('P', surname.replace('.', '')[0] ?? 'A') : null, mobile, email, aadhaar: r.chance(0.25) ? this.aadhaar() : null, pincode, addressLine, city };
  }

  /** A record as a client would have typed it (varied key names and value formats). */
  record(p: Person, seq: number, person: number, dupOf: number | null): GenRecord {
    const r = this.rng;
    const props: { key: string; value: string }[] = [];
    if (p.pan) props.push({ key: r.pick(['pan', 'pan', 'pan_no', 'PAN']), value: r.chance(0.1) ? p.pan.toLowerCase() : p.pan });
    if (p.mobile) props.push({ key: r.pick(['mobile', 'mobile', 'phone', 'mobile_no']), value: r.pick([p.mobile, p.mobile, `+91 ${p.mobile.slice(0, 5)} ${p.mobile.slice(5)}`, `0${p.mobile}`, `+91${p.mobile}`]) });
    if (p.email) props.push({ key: r.pick(['email', 'email', 'email_id']), value: r.chance(0.1) ? p.email.toUpperCase() : p.email });
    if (p.aadhaar) props.push({ key: 'aadhaar', value: r.chance(0.5) ? p.aadhaar : `${p.aadhaar.slice(0, 4)} ${p.aadhaar.slice(4, 8)} ${p.aadhaar.slice(8)}` });
    props.push(p.type === 'corporate' ? { key: 'industry', value: p.tokens[1] ?? 'trade' } : { key: 'occupation', value: r.pick(OCCUPATIONS) });
    let name = p.tokens.join(' ');
    if (r.chance(0.05)) name = name.toUpperCase();
    return { seq, person, dupOf, name, type: p.type, props, pincode: p.pincode, addressLine: p.pincode ? p.addressLine : null, city: p.pincode ? p.city : null, state: p.pincode ? p.region.state : null };
  }

  /** A corrupted copy of `p`: the same party as re-entered by another branch or channel. */
  duplicate(p: Person): Person {
    const r = this.rng;
    const tokens = p.type === 'corporate' ? this.corruptCorporate([...p.tokens]) : this.corruptName([...p.tokens], p.region);
    const keep = (v: string | null, pKeep: number, pChange: number, fresh: () => string): string | null => {
      if (v === null) return null;
      const x = r.next();
      return x < pKeep ? v : x < pKeep + pChange ? fresh() : null;
    };
    let pan = keep(p.pan, 0.45, 0.05, () => mistype(p.pan!, r));
    if (pan !== null && pan !== p.pan) this.pans.add(pan);
    if (p.pan === null) pan = null;
    let mobile = keep(p.mobile, 0.65, 0.2, () => this.mobile());
    if (p.mobile === null && r.chance(0.3)) mobile = this.mobile();
    const email = keep(p.email, 0.5, 0.15, () => this.email(`${tokens[0]}${tokens[tokens.length - 1]}`.replace(/\./g, '')));
    const aadhaar = keep(p.aadhaar, 0.6, 0, () => '');
    const pincode = keep(p.pincode, 0.6, 0.25, () => this.pincode(p.region));
    // At the same pincode, mostly the same home as another clerk types it; else an office or a
    // home nearby. A new pincode is a new address.
    const sameHome = pincode !== null && pincode === p.pincode && p.addressLine !== null && this.addressRng.chance(0.8);
    const addressLine = sameHome ? retypedAddress(p.addressLine!, this.addressRng) : this.addressLine(pincode, p.type);
    return { ...p, tokens, pan, mobile, email, aadhaar, pincode, addressLine };
  }

  private corruptName(tokens: string[], region: Region): string[] {
    const r = this.rng;
    const n = r.chance(0.1) ? 0 : r.chance(0.67) ? 1 : 2;
    for (let i = 0; i < n; i++) {
      const op = r.weighted([
        { op: 'variant', weight: 30 },
        { op: 'initial', weight: 15 },
        { op: 'swap', weight: 15 },
        { op: 'typo', weight: 25 },
        { op: 'middle', weight: 10 },
        { op: 'honorific', weight: 5 },
      ]).op;
      tokens = applyNameOp(op, tokens, r, region);
    }
    return tokens;
  }

  private corruptCorporate(tokens: string[]): string[] {
    const r = this.rng;
    const op = r.weighted([
      { op: 'suffix', weight: 50 },
      { op: 'typo', weight: 30 },
      { op: 'variant', weight: 20 },
    ]).op;
    if (op !== 'suffix') return applyNameOp(op, tokens, r, null);
    const core = tokens.slice(0, 2);
    const [suffix] = r.pick(BUSINESS_SUFFIX);
    return [...core, ...(suffix ? suffix.split(' ') : [])];
  }
}

function mistype(pan: string, r: Rng): string {
  const i = 5 + r.int(4);
  const d = (Number(pan[i]) + 1 + r.int(9)) % 10;
  return pan.slice(0, i) + d + pan.slice(i + 1);
}

function applyNameOp(op: string, tokens: string[], r: Rng, region: Region | null): string[] {
  const words = tokens.map((t, i) => [t, i] as const).filter(([t]) => t.replace('.', '').length >= 4);
  switch (op) {
    case 'variant': {
      const options = tokens.map((t, i) => [VARIANT_OF.get(t.toLowerCase()), i] as const).filter(([v]) => v && v.length > 0);
      if (options.length === 0) return applyNameOp('typo', tokens, r, region);
      const [vs, i] = r.pick(options);
      return tokens.map((t, j) => (j === i ? r.pick(vs!) : t));
    }
    case 'initial': {
      const i = tokens.findIndex((t) => t.length > 2);
      if (i < 0 || tokens.length < 2 || i === tokens.length - 1) return applyNameOp('typo', tokens, r, region);
      return tokens.map((t, j) => (j === i ? `${t[0]}${r.chance(0.5) ? '.' : ''}` : t));
    }
    case 'swap':
      return tokens.length < 2 ? tokens : [tokens[tokens.length - 1]!, ...tokens.slice(0, -1)];
    case 'typo': {
      if (words.length === 0) return tokens;
      const [w, i] = r.pick(words);
      return tokens.map((t, j) => (j === i ? typo(w, r) : t));
    }
    case 'middle':
      if (tokens.length >= 3) return [tokens[0]!, ...tokens.slice(2)];
      if (!region || tokens.length < 2) return tokens;
      return [tokens[0]!, r.zipf(region.middle), ...tokens.slice(1)];
    case 'honorific':
      return [r.pick(HONORIFICS), ...tokens];
  }
  return tokens;
}

/** Yields `size` records: base persons, each followed by its duplicates (if any). */
export function* generateTenant(o: GenOptions): Generator<GenRecord> {
  const g = new ContactGenerator(o.seed);
  const dupRate = o.dupRate ?? 0.05;
  const second = o.secondDupRate ?? 0.1;
  let seq = 0;
  for (let person = 0; seq < o.size; person++) {
    const p = g.person();
    const origSeq = seq;
    yield g.record(p, seq++, person, null);
    if (seq < o.size && g.rng.chance(dupRate)) {
      yield g.record(g.duplicate(p), seq++, person, origSeq);
      if (seq < o.size && g.rng.chance(second)) yield g.record(g.duplicate(p), seq++, person, origSeq);
    }
  }
}
