import { isIP } from 'node:net';
import { refusedAddressKind } from './egress-address.js';

// Webhook target URLs at create/patch time (CONTRACT §9 "Target URLs", §12a). This catches what the
// URL alone tells; a hostname is judged again on every delivery against the address it resolves to
// (DNS can change between now and then), see src/resources/webhooks/webhook-send.ts.

export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * The reason `raw` is refused as a webhook URL, or null when it is acceptable. `allowPrivate`
 * (WEBHOOK_ALLOW_PRIVATE) lifts the https-only rule and the address rule, nothing else.
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): string | null {
  if (raw.length > WEBHOOK_URL_MAX_LENGTH) return `must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`;
  // The WHATWG parser silently strips surrounding spaces and inner tabs/newlines; a stored URL
  // should be exactly what will be called, so such input is refused instead of rewritten.
  if (/[\u0000-\u0020\u007f]/.test(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return allowPrivate ? 'must use https or http' : 'must use https';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  // A fragment is never sent to the server, so it can only be a mistake (`hash` is '' for a bare '#').
  if (raw.includes('#')) return 'must not contain a fragment';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
  if (isIP(host) !== 0) {
    const kind = refusedAddressKind(host);
    if (kind !== null) return `must not point at a non-public address: ${host} (${kind})`;
  }
  return null;
}
