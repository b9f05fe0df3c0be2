import { EVENT_TYPES } from '../../changes/index.js';

// A webhook's `events`: event types (`bank.created`) or a type's prefix with a wildcard
// (`contact.*`); an empty list takes every event.

const PREFIXES = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))));

/** True when the pattern names an event type, or `<prefix>.*` of an existing prefix (or `*`). */
export function isEventPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return PREFIXES.has(pattern.slice(0, -2));
  return (EVENT_TYPES as readonly string[]).includes(pattern);
}

export function matchesEventFilter(patterns: readonly string[], type: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
