// Text PostgreSQL can store. `text` and `jsonb` reject NUL (U+0000); an unpaired UTF-16 surrogate
// is either rejected (jsonb refuses the `\ud800` escape JSON.stringify writes) or silently turned
// into U+FFFD by the driver. Free-text input is checked against this so such a string is a 400
// naming the field — never a 500, and never a value stored differently from what was sent.

/** JSON-schema pattern (Ajv compiles it with the `u` flag, so paired surrogates are one code point). */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';
export const UNSTORABLE_TEXT_MESSAGE = 'May not contain NUL characters or unpaired UTF-16 surrogates.';

const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** True when every string and every object key inside a JSON value is storable text. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => isStorableText(k) && isStorableJson(v));
  }
  return true;
}
