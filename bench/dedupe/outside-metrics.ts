// Pair-level precision, recall and F1 of dedupe answers on a labelled data set, per band.
import { pairKey } from './febrl.js';

export type Band = 'exact' | 'probable' | 'possible';
const BANDS: readonly Band[] = ['exact', 'probable', 'possible'];
const RANK: Record<Band, number> = { exact: 0, probable: 1, possible: 2 };

/** One answer: the query record, a returned record, its band and score. */
export interface Answer {
  query: string;
  result: string;
  band: Band;
  score: number;
}

export interface LevelMetrics {
  /** Predicted pairs at this level (unordered, self excluded). */
  pairs: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface PairMetrics {
  truePairs: number;
  /** Pairs whose best band is exactly this band (not cumulative): their number and precision. */
  byBand: Record<Band, { pairs: number; correct: number; precision: number }>;
  probablePlus: LevelMetrics;
  possiblePlus: LevelMetrics;
}

/**
 * Each answer is a predicted pair {query, result}; a pair found from both sides counts once, at the
 * better band of the two. Precision = correct predicted pairs / predicted pairs; recall = correct
 * predicted pairs / labelled pairs (pairs whose records could not be loaded count as missed).
 */
export function pairMetrics(answers: readonly Answer[], truth: ReadonlySet<string>): PairMetrics {
  const best = new Map<string, Band>();
  for (const a of answers) {
    if (a.query === a.result) continue;
    const k = pairKey(a.query, a.result);
    const had = best.get(k);
    if (had === undefined || RANK[a.band] < RANK[had]) best.set(k, a.band);
  }
  const byBand = Object.fromEntries(BANDS.map((b) => [b, { pairs: 0, correct: 0, precision: 0 }])) as PairMetrics['byBand'];
  for (const [k, band] of best) {
    byBand[band].pairs++;
    if (truth.has(k)) byBand[band].correct++;
  }
  for (const b of BANDS) byBand[b].precision = ratio(byBand[b].correct, byBand[b].pairs);
  const level = (bands: readonly Band[]): LevelMetrics => {
    const pairs = bands.reduce((s, b) => s + byBand[b].pairs, 0);
    const correct = bands.reduce((s, b) => s + byBand[b].correct, 0);
    const precision = ratio(correct, pairs);
    const recall = ratio(correct, truth.size);
    const f1 = pairs === 0 || correct === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { pairs, correct, precision, recall, f1 };
  };
  return { truePairs: truth.size, byBand, probablePlus: level(['exact', 'probable']), possiblePlus: level(BANDS) };
}

/** a / b; NaN when b is 0 (a precision over no predictions is undefined, shown as "—"). */
const ratio = (a: number, b: number) => (b === 0 ? NaN : a / b);
