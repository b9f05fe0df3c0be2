/**
 * Fellegi–Sunter weights of the dedupe score (see score.ts). Pure data and arithmetic.
 *
 * For each compared field, m = P(field agrees | same party) and u = P(field agrees | different
 * parties among the candidates a search returns). Agreement adds log2(m/u), disagreement adds
 * log2((1−m)/(1−u)), a missing value on either side adds 0. Every agreement weight is > 0 and every
 * disagreement weight is < 0, which is what makes the score monotone in agreeing evidence.
 *
 * The m/u values below are engineering estimates for an Indian lending registry, not fitted to
 * data (some were revised after the bench/dedupe measurements on our generator, see PINCODE and
 * MOBILE, and after the outside FEBRL evaluation, see NAME_CURVE, PINCODE, ADDRESS_LINE and
 * DOB_*); they are chosen so that (with PRIOR_LOG2_ODDS; examples recomputed from this file):
 *   identical name, same type, nothing else           → ≈ 0.74  possible
 *   identical name + same pincode                      → ≈ 0.96  probable; with another home there ≈ 0.86
 *   identical name + another pincode                   → ≈ 0.52  possible; one digit off ≈ 0.78 possible
 *   "R Sharma" ~ "Rahul Sharma" + same pincode and home → 0.98 probable; another home there ≈ 0.52 possible
 *   identical name + same mobile or email              → ≥ 0.98  probable
 *   identical name + same birth date                   → 0.98    probable; day and month swapped ≈ 0.98
 *   identical name + same pincode, other birth date    → ≈ 0.63  possible
 *   "R Sharma" ~ "Rahul Sharma" (0.9) + same type      → ≈ 0.33  no match; + same pincode → probable
 *   identical name but different valid PANs           → ≈ 0.006 no match (namesakes)
 *   identical name, PANs one typo apart                → ≈ 0.98  probable
 *   shared mobile but unrelated name (a relative)      → no match
 *   half a name + same pincode and home, or + same birth date → possible (≈ 0.54, ≈ 0.77), never probable
 */

/** log2(m/u): the weight of an agreement. */
export function agreeWeight(m: number, u: number): number {
  return Math.log2(m / u);
}

/** log2((1−m)/(1−u)): the weight of a disagreement. */
export function disagreeWeight(m: number, u: number): number {
  return Math.log2((1 - m) / (1 - u));
}

export interface FieldWeights {
  agree: number;
  disagree: number;
}

function field(m: number, u: number): FieldWeights {
  return { agree: agreeWeight(m, u), disagree: disagreeWeight(m, u) };
}

/**
 * Prior log2-odds that a candidate returned by blocking (name trigram / phonetic key / shared
 * identifier) is the same party: about 1 in 180.
 */
export const PRIOR_LOG2_ODDS = -7.5;

/**
 * PAN, compared at three levels (m = P(level | same party), u = P(level | different parties)):
 *   identical          m 0.99    u 0.0001    not weighed: the match is `exact` outright
 *   one typo apart     m 0.008   u 0.00005   PAN_ONE_TYPO ≈ +7.3
 *   otherwise differ   m 0.002   u ≈ 1       PAN_DIFFERENT ≈ −9.0
 * About 1% of true pairs carry a mistyped PAN; ~80% of keying errors are one substituted or
 * transposed character (Damerau 1964), hence 0.008 / 0.002. Two different holders one edit apart
 * would need the same check letter by chance; u is set far above that (data errors). So a PAN one
 * typo away is strong evidence for the same party — but only with a similar name: it never makes a
 * match `exact`, and blocking never relies on it — while two valid PANs that differ otherwise are
 * the strongest evidence of two different parties.
 * (Was one level, m 0.99 / u 0.0001, disagreement −6.6 for any difference; bench/dedupe showed the
 * one-digit typos of its corruption model all missed.)
 */
export const PAN_ONE_TYPO = agreeWeight(0.008, 0.00005);
export const PAN_DIFFERENT = agreeWeight(0.002, 0.9999);

/** Contact type: m = 0.98 (type is rarely mis-set), u = 0.7 (most contacts are individuals). */
export const TYPE = field(0.98, 0.7);

/**
 * Pincode, compared at three levels (the best pair among the two sides' pincodes):
 *   shared                         m 0.6    u 0.07    PINCODE.agree     ≈ +3.1
 *   one digit off (or two swapped) m 0.05   u 0.04    PINCODE_ONE_TYPO  ≈ +0.3
 *   otherwise different            m 0.35   u 0.89    PINCODE.disagree  ≈ −1.3
 * Shared: m = 0.6 (people move; addresses differ by purpose), u = 0.07: blocking fetches similar
 * names *at the candidate's pincodes* (see dedupe.queries.ts), and common names cluster regionally,
 * so among the candidates a search returns a namesake at the same pincode is far likelier than
 * among random contacts. (Was 0.02 with tenant-wide trigram blocking; bench/dedupe measured
 * precision 0.910 → 0.935 at 1M contacts.) u must stay ≤ ~0.074 for "R Sharma" ~ "Rahul Sharma" +
 * same pincode to remain probable.
 * One digit off: a mistyped pincode, or a move to the next post office (neighbouring pincodes
 * mostly differ in their last digits), but also namesakes in neighbouring areas of a city (u is
 * over half the shared level's); it is also where address lines are compared (score.ts), and the same
 * home there counts the pincode as shared. So an identical name at a pincode one digit off, with
 * nothing else, is `possible` (≈ 0.78), with the same home `probable`.
 * Added with the FEBRL evaluation (bench/dedupe/outside), where a typo in the postcode is one of
 * the generator's corruptions; before, it was a plain disagreement (m 0.4, u 0.93: −1.2). An
 * identical name and type with another pincode stays `possible` (≈ 0.53).
 */
export const PINCODE: FieldWeights = { agree: agreeWeight(0.6, 0.07), disagree: agreeWeight(0.35, 0.89) };
export const PINCODE_ONE_TYPO = agreeWeight(0.05, 0.04);

/**
 * Address line, compared only where the two contacts share a pincode (or have two one typo apart)
 * — so this is the evidence beyond the pincode — at three levels (similarity in address.ts):
 *   the same home          m 0.70   u 0.02    ADDRESS_LINE.agree     ≈ +5.1
 *   near it                m 0.05   u 0.015   ADDRESS_LINE_NEAR      ≈ +1.7
 *   another address        m 0.25   u 0.965   ADDRESS_LINE.disagree  ≈ −1.9
 * m: a party re-entered elsewhere mostly gives the same home, though an office address or a move
 * within the locality differs; u: different parties at one pincode rarely share a line except
 * relatives of one household, whose names differ. Two namesakes at one pincode with different
 * homes lose most of what the pincode gave them (+3.1), and a shared pincode with any line never
 * weighs less than none. Not added when the mobile agrees (score.ts): relatives share phone and
 * home together, and summing the two made a family on one mobile at one address (+15.5 bits with
 * the pincode) probable whatever their names.
 * "Near" (most words and the numbers agree, or all the words and part of the numbers: "12 farrer
 * place, kildara" ~ "12 farrer place, kildatra east") was added with the FEBRL evaluation
 * (bench/dedupe/outside), whose corruptions leave many lines between the two; it was part of the
 * disagreement (m 0.75 / 0.25, u 0.02 / 0.98). Splitting it off with m 0.75 → 0.70 kept the own
 * generator's recall (100k contacts, 5,233 labelled queries, offline: 89.95% / 99.44%, against
 * 89.74% / 99.51% when the near level came out of the disagreement's m instead).
 */
export const ADDRESS_LINE: FieldWeights = { agree: agreeWeight(0.7, 0.02), disagree: agreeWeight(0.25, 0.965) };
export const ADDRESS_LINE_NEAR = agreeWeight(0.05, 0.015);

/**
 * Mobile: m = 0.75 (lenders verify the mobile by OTP at onboarding and people keep numbers across
 * loans, though some change or keep several; was 0.6, which under-weighted a *different* mobile:
 * namesakes at one pincode with different numbers scored probable), u = 0.005 — far above chance
 * because relatives and employees of one firm share numbers, which is also why it caps at `probable`.
 */
export const MOBILE = field(0.75, 0.005);

/** Email: m = 0.6, u = 0.002 (shared family / office addresses are rarer than shared phones). */
export const EMAIL = field(0.6, 0.002);

/**
 * Aadhaar last four digits: by chance 1 in 10 000 agree, but u is set to 0.005 on purpose — the
 * fragment is often keyed from masked copies and must stay supporting evidence. m = 0.9.
 * A different last four is strong disagreement (Aadhaar is one per person).
 */
export const AADHAAR_LAST4 = field(0.9, 0.005);

/**
 * Date of birth, compared at three levels (score.ts; m = P(level | same party), u = P(level |
 * different parties among the candidates a search returns), each column summing to 1):
 *   identical                  m 0.85   u 0.001    DOB_EXACT     ≈ +9.7
 *   partial agreement          m 0.08   u 0.005    DOB_PARTIAL   ≈ +4.0
 *   otherwise different        m 0.07   u 0.994    DOB_DIFFERENT ≈ −3.8
 * Partial agreement is what keying and form errors make of one date: day and month swapped (a form
 * read month-first), one digit mistyped, two neighbouring digits transposed, or the same year and
 * month with another day. m: a date of birth is copied from a KYC document, so most records of a
 * party agree exactly; the rest is split between keying errors and wrong or placeholder entries.
 * u: one adult in ~15,000 shares a given birth date by chance (ages 18–60), raised to 1 in 1,000
 * for placeholder dates (1 January) and the age concentration of borrowers; the partial level's u
 * is the share of dates one of those errors away (~30 one-digit variants, the swap, and the ~30
 * days of a month: 1 in 200). So a shared birth date and a similar name make a match `probable`
 * (with the name's frequency shift, even for the commonest names), a birth date one typo off
 * counts about as much as a shared pincode, and namesakes with different birth dates lose most of
 * what a shared pincode gives them. Checked (not fitted) on FEBRL's training split
 * (bench/dedupe/outside): 86% of its labelled pairs agree exactly, 1.5% partially, 6% differ.
 */
export const DOB_EXACT = agreeWeight(0.85, 0.001);
export const DOB_PARTIAL = agreeWeight(0.08, 0.005);
export const DOB_DIFFERENT = agreeWeight(0.07, 0.994);

/** CIN, passport, voter id: unique per holder, no check digit. m = 0.9, u = 0.0001. */
export const STRONG_ID = field(0.9, 0.0001);

/**
 * Name similarity s ∈ [0, 1] → weight, piecewise linear through these points (increasing, so the
 * weight is monotone in s). They are the level weights log2(m/u) of a discretized comparison
 * (e.g. s = 1: m ≈ 0.7, u ≈ 0.002; s ≈ 0.9: m ≈ 0.15, u ≈ 0.0023; s ≤ 0.35: m ≈ 0.04, u ≈ 0.9),
 * joined linearly so that a small change in s never jumps the score.
 * s = 0.45–0.5 is half a name: one of two words the same or one typo apart, the other unrelated
 * ("Priya Sharma" ~ "Priya Verma"). m ≈ 0.1: a surname changed at marriage, a given name entered as another, a field
 * replaced by a clerk; u ≈ 0.2: relatives at one address share a surname, and blocking fetches
 * similar names, so among its candidates one shared word is common. Hence ≈ −1, not the −4.5 of
 * unrelated names (which it was until the FEBRL evaluation, bench/dedupe/outside: a quarter of its
 * labelled pairs have one name part replaced). Whatever else agrees, a name below NAME_FUZZY_MIN
 * never makes a match `probable` (score.ts): half a name at the same home, or with the same birth
 * date, is a `possible` for review, never more — it may be a relative, or a twin.
 */
export const NAME_CURVE: readonly (readonly [number, number])[] = [
  [0, -4.5],
  [0.35, -4.5],
  [0.45, -1],
  [0.7, -1],
  [0.8, 2.5],
  [0.9, 6],
  [0.95, 7.5],
  [1, 8.5],
];

export function nameWeight(similarity: number): number {
  const s = Math.min(1, Math.max(0, similarity));
  for (let i = 1; i < NAME_CURVE.length; i++) {
    const lo = NAME_CURVE[i - 1];
    const hi = NAME_CURVE[i];
    if (lo === undefined || hi === undefined) break;
    if (s <= hi[0]) return lo[1] + ((s - lo[0]) / (hi[0] - lo[0])) * (hi[1] - lo[1]);
  }
  return NAME_CURVE[NAME_CURVE.length - 1]?.[1] ?? 0;
}

/**
 * Name frequency. Agreement on a common name is weaker evidence than agreement on a rare one
 * (Fellegi–Sunter with a value-specific u: u for a name grows with the number of contacts that
 * carry it). NAME_CURVE holds for a name carried by up to NAME_TYPICAL_COUNT contacts of the
 * tenant; when the candidate's name is carried by k more (its phonetic block, counted up to
 * NAME_COUNT_CAP), the name weight drops by log2(k / NAME_TYPICAL_COUNT), in proportion to how much
 * the names agree (nameWeight(s) / nameWeight(1); a disagreeing name is not touched). So
 * "Rahul Sharma" = "Rahul Sharma" in a registry of a million weighs less than in one of ten
 * thousand, and namesakes at one pincode stop scoring `probable` on name and pincode alone.
 *
 * Measured with bench/dedupe (1M contacts, 2,000 labelled queries; before: recall 86.50%,
 * precision 94.41%): typical count 30 → 85.00% / 97.30%, 100 → 85.65% / 96.32%, 200 → 86.15% /
 * 95.95%, 300 → 86.35% / 95.49% (adopted), 400 → 86.40% / 95.11%. A *raise* for rare names (up to
 * +2 below the typical count) was tried and dropped: +0.6 points of recall for +259 false
 * positives, because the rare phonetic keys are mostly initials ("R Upadhyay") and misspellings,
 * not rare people. The 10,000-contact tenant is unaffected (no name reaches 300 there).
 * The penalty scales a positive name weight by a positive factor (≥ 1 − 2.74 / 8.5), so the score
 * stays monotone in name similarity for any k.
 */
export const NAME_TYPICAL_COUNT = 300;
export const NAME_COUNT_CAP = 2000;

/** The name-weight shift (≤ 0) for a name carried by `count` contacts (0 when unknown). */
export function nameFrequencyShift(count: number | undefined): number {
  if (count === undefined || !(count > NAME_TYPICAL_COUNT)) return 0;
  return -Math.log2(Math.min(count, NAME_COUNT_CAP) / NAME_TYPICAL_COUNT);
}

/** nameWeight with the frequency shift applied in proportion to the agreement. */
export function frequencyNameWeight(similarity: number, count: number | undefined): number {
  const w = nameWeight(similarity);
  if (w <= 0) return w;
  return w * (1 + nameFrequencyShift(count) / nameWeight(1));
}

/** Logistic in base 2: log2-odds → probability. */
export function oddsToProbability(log2Odds: number): number {
  return 1 / (1 + 2 ** -log2Odds);
}
