/**
 * Comparison of dates of birth for dedupe (CONTRACT §6a "Date of birth"). Pure functions, no I/O.
 * Values are normalized first (normalizeDob in normalize.ts: YYYY-MM-DD, real dates only), so two
 * spellings of one date are equal strings.
 *
 * Levels (weights in weights.ts):
 *   exact      some date of one side equals some date of the other;
 *   partial    the closest pair is what one keying or form error makes of a date: day and month
 *              swapped, one digit different, two neighbouring digits transposed, or the same year
 *              and month (another day);
 *   different  anything else.
 */

export type DobLevel = { level: 'exact' } | { level: 'partial'; detail: string } | { level: 'different' };

/** Why two different normalized dates look like one date mistyped; null when they do not. */
export function dobPartialAgreement(a: string, b: string): string | null {
  if (a === b) return null;
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  if (ya === yb && ma === db && da === mb) return 'day and month swapped';
  const x = `${ya}${ma}${da}`;
  const y = `${yb}${mb}${db}`;
  if (x.length === y.length) {
    const diff: number[] = [];
    for (let i = 0; i < x.length && diff.length <= 2; i++) if (x[i] !== y[i]) diff.push(i);
    if (diff.length === 1) return 'one digit differs';
    const [i, j] = diff as [number, number];
    if (diff.length === 2 && j === i + 1 && x[i] === y[j] && x[j] === y[i]) return 'two digits transposed';
  }
  if (ya === yb && ma === mb) return 'same year and month';
  return null;
}

/** The level of agreement between two sides' normalized dates of birth; null when either has none. */
export function compareDobs(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): DobLevel | null {
  if (a === undefined || b === undefined || a.size === 0 || b.size === 0) return null;
  for (const x of a) if (b.has(x)) return { level: 'exact' };
  // Several dates on a side are rare (a correction kept beside the original); the first partial
  // agreement in a fixed order (both sides sorted) is reported, so the result is deterministic.
  const details = [...a].sort().flatMap((x) => [...b].sort().map((y) => dobPartialAgreement(x, y)));
  const detail = PARTIAL_ORDER.find((d) => details.includes(d));
  return detail === undefined ? { level: 'different' } : { level: 'partial', detail };
}

/** Partial agreements from the most to the least telling, for reporting one. */
const PARTIAL_ORDER = ['day and month swapped', 'two digits transposed', 'one digit differs', 'same year and month'];
