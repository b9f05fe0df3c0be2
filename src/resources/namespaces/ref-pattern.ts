// Reference-id patterns (CONTRACT §2): literal text with tokens {seq}, {seq:N}, {yyyy}, {yy},
// {mm}, {dd}. Pure functions, property-tested.

export const REF_ID_MAX = 50;
/** Literal text may only use characters a ref id may hold, so generated ids are valid ref ids. */
const LITERAL = /^[A-Za-z0-9._/-]*$/;
const TOKEN = /\{([^{}]*)\}/g;
const SEQ = /^seq(?::([0-9]{1,2}))?$/;
const DATE_TOKENS = new Set(['yyyy', 'yy', 'mm', 'dd']);
export const MAX_SEQ_PAD = 20;

type Part = { kind: 'literal'; text: string } | { kind: 'seq'; pad: number } | { kind: 'date'; token: string };

export interface ParsedPattern {
  parts: Part[];
}

/** Returns the parsed pattern, or a list of problems (empty pattern problems means valid). */
export function parsePattern(pattern: string): { ok: true; value: ParsedPattern } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const parts: Part[] = [];
  let seqCount = 0;
  let last = 0;
  const pushLiteral = (text: string) => {
    if (text === '') return;
    if (text.includes('{') || text.includes('}')) problems.push('Unbalanced "{" or "}".');
    else if (!LITERAL.test(text)) problems.push(`Literal text "${text}" may only contain letters, digits and . _ / -.`);
    parts.push({ kind: 'literal', text });
  };
  for (const m of pattern.matchAll(TOKEN)) {
    pushLiteral(pattern.slice(last, m.index));
    last = m.index + m[0].length;
    const name = m[1]!;
    const seq = SEQ.exec(name);
    if (seq) {
      seqCount++;
      const pad = seq[1] === undefined ? 0 : Number(seq[1]);
      if (seq[1] !== undefined && (pad < 1 || pad > MAX_SEQ_PAD)) problems.push(`{seq:N} needs N between 1 and ${MAX_SEQ_PAD}.`);
      parts.push({ kind: 'seq', pad });
    } else if (DATE_TOKENS.has(name)) {
      parts.push({ kind: 'date', token: name });
    } else {
      problems.push(`Unknown token {${name}}; allowed: {seq}, {seq:N}, {yyyy}, {yy}, {mm}, {dd}.`);
    }
  }
  pushLiteral(pattern.slice(last));
  if (seqCount !== 1) problems.push('The pattern must contain {seq} or {seq:N} exactly once.');
  if (problems.length) return { ok: false, problems: [...new Set(problems)] };
  return { ok: true, value: { parts } };
}

export function renderPattern(pattern: ParsedPattern, seq: number, at: Date): string {
  let out = '';
  for (const p of pattern.parts) {
    if (p.kind === 'literal') out += p.text;
    else if (p.kind === 'seq') out += String(seq).padStart(p.pad, '0');
    else out += dateToken(p.token, at);
  }
  return out;
}

function dateToken(token: string, at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  switch (token) {
    case 'yyyy':
      return String(at.getUTCFullYear());
    case 'yy':
      return two(at.getUTCFullYear() % 100);
    case 'mm':
      return two(at.getUTCMonth() + 1);
    default:
      return two(at.getUTCDate());
  }
}

/** Convenience for callers holding the pattern text (validated at namespace create/update). */
export function renderPatternText(pattern: string, seq: number, at: Date): string {
  const parsed = parsePattern(pattern);
  if (!parsed.ok) throw new Error(`invalid stored pattern: ${parsed.problems.join(' ')}`);
  return renderPattern(parsed.value, seq, at);
}
