import type { Executor } from '../../db/index.js';
import type { MatchKey } from '../../dedupe/identifiers.js';
import type { ContactRow } from '../contacts/contacts.queries.js';
import { NAME_COUNT_CAP } from '../../dedupe/weights.js';
import { NAME_ONLY_MAX_BLOCK } from '../../dedupe/score.js';

/**
 * How many members of the candidate's phonetic block are taken when nothing else ties them to it.
 * They can only ever be `possible` (a name alone never reaches `probable`, see weights.ts), so this
 * is a short list for review, not recall: 20 → 10 took the statement at 1M from 0.92–0.99 to
 * 0.76–0.83 ms p50 (fewer rows with props and addresses to read and score). 10 → 5, measured on
 * 10,000 labelled queries at 1M: recall and precision unchanged (90.38% / 96.18%), rows per query
 * 8.15 → 5.56, statement mean 1.58 → 1.47 ms; the `possible` results fell from 6,947 to 4,098, of
 * which records of the same person 262 → 222 (the review list's precision 3.8% → 5.4%).
 */
export const NAME_CANDIDATES = 5;
/**
 * How many names on each side of the candidate's name key, in name-key order at each of its
 * pincodes, are examined (a sorted neighbourhood). bench/dedupe at 1M, 10,000 labelled queries,
 * recall / precision: 20 → 88.72% / 95.53%; with the phonetic-and-pincode pass still in (it was
 * dropped, see below) 20 → 88.78% / 95.34%, 40 → 88.85% / 95.17%, 80 → 88.86% / 95.07%. The 300
 * most recent contacts of the pincode (the earlier design) gave 88.64% / 95.53% and took the
 * statement to 1.96 / 5.22 ms p50 / p95 against 0.97 / 1.77 ms with 20. Later, with address lines
 * and the address pass in, 20 → 10: recall 90.31% both, precision 98.80% → 98.82%, twins returned
 * at any band 91.70% → 91.68%, and 0.05 ms less PostgreSQL CPU per query (similarity() on half
 * the neighbours).
 */
export const PINCODE_NEIGHBOURS = 10;
/**
 * Trigram similarity (pg_trgm similarity()) a name key needs in the pincode pass. 0.5 until the
 * FEBRL evaluation (bench/dedupe/outside): 0.3 also fetches half a name and heavier typos among the
 * neighbours the pass reads anyway (training split without birth dates, recall at possible+ 81.6%
 * → 82.9%); on the own generator (100k, 5,233 labelled queries) candidate rows per query 2.81 →
 * 3.07, recall and precision unchanged. (0.6 had lost recall, item 36.)
 */
export const PINCODE_NAME_SIMILARITY = 0.3;
/**
 * Partial identifiers (pass 3 below): how many contacts sharing the candidate's Aadhaar last four
 * digits, or the first five characters of one of its PANs, are examined, and the trigram
 * similarity their name key needs. About 1 in 10,000 people share the Aadhaar digits by chance (25
 * holders per value at a million contacts, a quarter of them with Aadhaar); a PAN's first five
 * characters (series, holder type, surname initial) are shared by ~1 in 450,000 individual PANs.
 * So the cap only binds in far larger tenants, and since the identifier already narrows the field
 * the name test is looser than the pincode pass ("A. Sunil" ~ "Suneel A." is 0.42).
 */
export const PARTIAL_ID_CANDIDATES = 300;
export const PARTIAL_ID_NAME_SIMILARITY = 0.3;
/**
 * The address pass (pass 4 below): contacts at one of the candidate's pincodes, or at a pincode one
 * keying error from one (address.ts, pincodeTypoVariants), whose address line has the same house
 * numbers, if their name key has at least this trigram similarity, the most similar first, up to
 * ADDRESS_CANDIDATES per (pincode, numbers). Same pincode and house number narrow the field to a
 * handful (house numbers 1–250 in the bench's model, a few dozen contacts per number in a busy
 * pincode), so the name test can be loose: it finds "B. Dvay" ~ "B. Divya" (0.2), "Kadam P" ~
 * "Pallavi Kadam", and half a name at the same home ("Sophie George" ~ "Sopihe Nguyen", 0.12),
 * which sort far apart and miss the pincode pass's 0.5. (Was 0.2 before the FEBRL evaluation,
 * bench/dedupe/outside, whose labelled pairs include records with one name part replaced.)
 */
export const ADDRESS_CANDIDATES = 20;
export const ADDRESS_NAME_SIMILARITY = 0.1;
/**
 * The birth-date pass (pass 6 below): contacts born on one of the candidate's birth dates whose
 * name key has at least this trigram similarity, or who have an address at one of the candidate's
 * pincodes, from the newest, up to DOB_CANDIDATES. A birth date is shared by ~1 in 15,000 adults
 * (~70 holders per date at a million contacts, all of them with a date of birth), so the cap only
 * binds in far larger tenants; the name test is as loose as for partial identifiers, so a name
 * typo that changes the phonetic key, a surname missing or replaced, or given name and surname
 * swapped are still found at another pincode; at the same pincode no name test is made (the
 * pincode test reads one index entry per holder, migration 0010's covering index).
 */
export const DOB_CANDIDATES = 300;
export const DOB_NAME_SIMILARITY = 0.3;

export interface CandidateQuery {
  /** The namespace named in the request (id or name), checked in the same statement; null: none named. */
  namespace: string | null;
  /** Identifier keys that fetch every holder (Aadhaar excluded: see `aadhaarLast4`). */
  keys: readonly MatchKey[];
  /** Kinds of the candidate's identifier keys in NAME_ONLY_CONTRADICTING_KINDS: name-only members holding one are not fetched. */
  contradictingKinds: readonly string[];
  /** The candidate's Aadhaar match-key values (last four digits): holders with a similar name are fetched. */
  aadhaarLast4: readonly string[];
  /** The candidate's dates of birth (normalized): holders with a similar name are fetched. */
  dobs: readonly string[];
  /**
   * First five characters of the candidate's PANs: holders of a PAN with that prefix and a similar
   * name are fetched, as the range prefix‖0000A … prefix‖9999Z (every PAN with the prefix sorts
   * inside it in any collation). The bounds are computed here, not in SQL: under row-level security
   * only leakproof conditions reach an index, and `||` is not leakproof.
   */
  panPrefixes: readonly string[];
  nameKey: string;
  phonetic: string;
  /** The candidate's pincodes, as given and normalized (stored values are compared as written). */
  pincodes: readonly string[];
  /** (pincode, house numbers of the line) of each of the candidate's addresses that has both (address.ts). */
  addressKeys: readonly { pincode: string; numbers: string }[];
}

/** A candidate contact with what scoring needs: its props as [id, key, value] (sorted by key) and its addresses. */
export interface CandidateRow extends ContactRow {
  props_kv: [string, string, string][];
  /** Live addresses with a pincode, as [pincode, address_line]. */
  addresses: [string, string | null][];
  /** Live contacts of the tenant in the candidate name's phonetic block, up to NAME_COUNT_CAP (the same on every row). */
  name_count: number;
}

// The text is built once: a prepared statement is looked up by its text on every call.
const CANDIDATES_SQL = `WITH block AS (
       SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts f WHERE f.tenant_id = $1 AND NOT f.is_deleted AND $4 <> ''
                                         AND f.name_phonetic = $4 LIMIT ${NAME_COUNT_CAP}) f
     ),
     ids AS (
       SELECT mk.contact_id AS id FROM contact_match_keys mk
         JOIN unnest($2::text[], $3::text[]) AS k(kind, value) ON mk.kind = k.kind AND mk.value = k.value
        WHERE mk.tenant_id = $1
       UNION
       SELECT p.contact_id FROM unnest($6::text[]) AS pin(value)
         CROSS JOIN LATERAL (
           (SELECT a.contact_id, a.name_key FROM contact_addresses a
             WHERE a.tenant_id = $1 AND NOT a.is_deleted AND a.pincode IS NOT NULL AND a.pincode = pin.value AND a.name_key >= $5
             ORDER BY a.name_key LIMIT ${PINCODE_NEIGHBOURS})
           UNION ALL
           (SELECT a.contact_id, a.name_key FROM contact_addresses a
             WHERE a.tenant_id = $1 AND NOT a.is_deleted AND a.pincode IS NOT NULL AND a.pincode = pin.value AND a.name_key < $5
             ORDER BY a.name_key DESC LIMIT ${PINCODE_NEIGHBOURS})
         ) p
        WHERE $5 <> '' AND similarity(p.name_key, $5) >= ${PINCODE_NAME_SIMILARITY}
       UNION
       SELECT a.contact_id FROM (
           (SELECT mk.contact_id, mk.name_key FROM contact_match_keys mk
             WHERE mk.tenant_id = $1 AND mk.kind = 'aadhaar' AND mk.value = ANY($8::text[])
             ORDER BY mk.contact_id DESC LIMIT ${PARTIAL_ID_CANDIDATES})
           UNION ALL
           SELECT p.contact_id, p.name_key FROM unnest($9::text[], $10::text[]) AS pre(lo, hi)
             CROSS JOIN LATERAL (
               SELECT mk.contact_id, mk.name_key FROM contact_match_keys mk
                WHERE mk.tenant_id = $1 AND mk.kind = 'pan' AND mk.value BETWEEN pre.lo AND pre.hi
                ORDER BY mk.value LIMIT ${PARTIAL_ID_CANDIDATES}) p
         ) a
        WHERE $5 <> '' AND similarity(a.name_key, $5) >= ${PARTIAL_ID_NAME_SIMILARITY}
       UNION
       SELECT a.contact_id FROM unnest($11::text[], $12::text[]) AS ak(pincode, numbers)
         CROSS JOIN LATERAL (
           SELECT a.contact_id FROM contact_addresses a
            WHERE a.tenant_id = $1 AND NOT a.is_deleted AND a.line_numbers <> '' AND a.pincode = ak.pincode AND a.line_numbers = ak.numbers
              AND $5 <> '' AND similarity(a.name_key, $5) >= ${ADDRESS_NAME_SIMILARITY}
            ORDER BY similarity(a.name_key, $5) DESC, a.contact_id LIMIT ${ADDRESS_CANDIDATES}) a
       UNION
       SELECT d.contact_id FROM (
           SELECT mk.contact_id, mk.name_key FROM contact_match_keys mk
            WHERE mk.tenant_id = $1 AND mk.kind = 'dob' AND mk.value = ANY($14::text[])
            ORDER BY mk.contact_id DESC LIMIT ${DOB_CANDIDATES}) d
        WHERE ($5 <> '' AND similarity(d.name_key, $5) >= ${DOB_NAME_SIMILARITY})
           OR EXISTS (SELECT 1 FROM contact_addresses a
                       WHERE a.tenant_id = $1 AND a.contact_id = d.contact_id AND NOT a.is_deleted AND a.pincode = ANY($6::text[]))
       UNION
       SELECT m.id FROM (
           SELECT c.id FROM contacts c WHERE c.tenant_id = $1 AND NOT c.is_deleted AND $4 <> '' AND c.name_phonetic = $4
              AND (SELECT n FROM block) <= ${NAME_ONLY_MAX_BLOCK}
            ORDER BY c.id DESC LIMIT ${NAME_CANDIDATES}) m
        WHERE NOT EXISTS (SELECT 1 FROM contact_match_keys mk WHERE mk.tenant_id = $1 AND mk.contact_id = m.id AND mk.kind = ANY($13::text[]))
     )
     SELECT ns.namespace_ok, cand.* FROM (
       SELECT $7::text IS NULL OR EXISTS (
                SELECT 1 FROM namespaces x WHERE x.tenant_id = $1 AND NOT x.is_deleted AND (x.id = upper($7) OR lower(x.name) = lower($7))
              ) AS namespace_ok) ns
     LEFT JOIN LATERAL (
     SELECT c.tenant_id, c.id, c.namespace_id, n.name AS namespace_name, c.name, c.status, c.type, c.ref_id,
            c.tags, c.refs, c.rm_id, c.branch_id, c.approval_status, c.approval_comment, c.approval_by, c.approval_at,
            c.is_deleted, c.deleted_at, c.version, c.created_at, c.created_by, c.updated_at, c.updated_by,
            c.merged_into, c.merged_at, c.merged_ids, c.match_props AS props_kv, c.match_addresses AS addresses,
            (SELECT n FROM block) AS name_count
       FROM ids JOIN contacts c ON c.tenant_id = $1 AND c.id = ids.id AND NOT c.is_deleted
       JOIN namespaces n ON n.tenant_id = c.tenant_id AND n.id = c.namespace_id
     ) cand ON ns.namespace_ok`;

/**
 * Candidates by blocking, never by scanning the tenant, each pass an index lookup with bounded
 * output (migrations 0003, 0005, 0008, 0011, 0012 and 0020):
 *   1. any shared normalized identifier (contact_match_keys; Aadhaar is left out by the caller);
 *   2. at each of the candidate's pincodes, the PINCODE_NEIGHBOURS name keys on either side of the
 *      candidate's in sort order, read from one index of (pincode, name key) without touching a
 *      contact, kept if similar (trigram similarity ≥ PINCODE_NAME_SIMILARITY): typos, initials,
 *      dropped middle names and swapped words mostly sort next to the name they corrupt (the key
 *      is the sorted words), so a busy pincode's thousands of contacts need not be read;
 *   3. partial identifiers with a similar name (trigram similarity ≥ PARTIAL_ID_NAME_SIMILARITY,
 *      on the name key each match key carries, from an index for Aadhaar fragments, migration
 *      0012; liveness is checked with the rows):
 *      holders of the candidate's Aadhaar last four digits, and holders of a PAN with the same
 *      first five characters as one of the candidate's, so a PAN mistyped in its digits or check
 *      letter (scored `one typo apart`) is found. Neither fetches unconditionally: the Aadhaar
 *      digits alone match ~1 in 10,000 contacts;
 *   4. at each of the candidate's pincodes, and at each pincode one keying error from one, contacts
 *      whose address line has the same house numbers and a loosely similar name
 *      (ADDRESS_NAME_SIMILARITY, migration 0011): the same home under a name too garbled for pass
 *      2, or under a mistyped pincode (59 index probes per address, each one entry or none);
 *   5. up to NAME_CANDIDATES members of the phonetic block (the most recent), for name-only
 *      (`possible`) matches; only members that can score `possible` on name and type alone
 *      (score.ts): none when the block holds more than NAME_ONLY_MAX_BLOCK contacts, and none that
 *      hold a mobile, CIN, passport or voter id of a kind the query carries (sharing one, they are
 *      fetched by pass 1; otherwise it is a disagreement that no name outweighs). Measured on
 *      3,000 labelled queries at 1M: 88% of the members this pass fetched were scored below
 *      `possible` and dropped, 44% of them for such a disagreement; none of the members it kept
 *      had one.
 *   6. contacts born on one of the candidate's birth dates with a loosely similar name
 *      (DOB_NAME_SIMILARITY, on the name key the match key carries, from an index of birth dates,
 *      migration 0020) or at one of the candidate's pincodes: found wherever they live, however
 *      their name's typos sort, and at the same pincode whatever their name.
 *      A birth date never blocks a write (CONTRACT §6a): it only fetches candidates.
 * Why not a tenant-wide trigram search: at 1M contacts a common name ("Rahul Sharma") matches
 * tens of thousands of rows through the trigram index, 50–500 ms per query. And it adds nothing
 * that can be `probable`: with the weights in weights.ts an identical name and type alone stay
 * below the probable threshold, so a probable match always shares an identifier (pass 1) or a
 * pincode (passes 2 and 4), a partial identifier (pass 3) or a birth date (pass 6).
 * (A pass for the same phonetic key at a shared pincode was dropped with the neighbourhood: it
 * added 6 hits and 21 false positives in 10,000 labelled queries.)
 *
 * One statement checks the namespace named in the request and returns the contact rows with
 * their props and addresses, read from the copies each contact carries (migration 0014: one row
 * read per candidate, not three), as JSON (node-pg parses a text[][] character by character, and
 * that was a dedupe request's largest allocation, ~25 KB of ~180 KB): every statement costs a tenant
 * transaction (three round trips), and a round trip is the largest single cost of a request on
 * these machines. Only similarity() is used, never `%`: PGlite 0.5's pg_trgm hangs on `%`.
 */
export async function findCandidates(db: Executor, tenantId: string, q: CandidateQuery): Promise<{ namespaceOk: boolean; rows: CandidateRow[] }> {
  const res = await db.query<CandidateRow & { namespace_ok: boolean; id: string | null }>(
    CANDIDATES_SQL,
    [tenantId, q.keys.map((k) => k.kind), q.keys.map((k) => k.value), q.phonetic, q.nameKey, q.pincodes, q.namespace, q.aadhaarLast4,
     q.panPrefixes.map((p) => `${p}0000A`), q.panPrefixes.map((p) => `${p}9999Z`), q.addressKeys.map((k) => k.pincode), q.addressKeys.map((k) => k.numbers),
     q.contradictingKinds, q.dobs],
    // Planning this statement costs ~4× its execution; one plan serves every parameter (every
    // pass is bounded by its index and LIMIT whatever the values).
    { prepare: true, genericPlan: true },
  );
  const namespaceOk = res.rows[0]?.namespace_ok ?? false;
  // Without candidates (or with an unknown namespace) the one row carries only namespace_ok.
  const rows = res.rows.filter((r) => r.id !== null);
  // Props come sorted by key (CONTRACT: props are listed in key order), which gives prop_ids.
  for (const r of rows) r.prop_ids = r.props_kv.map(([id]) => id);
  return { namespaceOk, rows };
}
