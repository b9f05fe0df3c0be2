import { randomBytes } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { refusedAddressKind } from '../../validation/egress-address.js';
import { checkWebhookUrl } from '../../validation/webhook-url.js';

// One webhook delivery attempt (CONTRACT §9): a Standard Webhooks POST to a tenant-chosen URL. The
// worker loop owns scheduling, retries and bookkeeping; this file owns the wire and egress safety.
// Whatever the receiver does (hang, reset, trickle, answer 500), the caller gets an outcome within
// `timeoutMs` and never an exception, so one bad receiver cannot stall a worker.

export interface SendRequest {
  url: string;
  /** `whsec_…` (Standard Webhooks format). */
  secret: string;
  /** The event id: the same on every retry, so receivers can de-duplicate. */
  messageId: string;
  /** The event JSON, sent and signed byte for byte. */
  payload: string;
  /** Whole attempt: connect + response headers + body. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: lifts the https-only and address rules (development and tests). */
  allowPrivate: boolean;
  /** Signing time (webhook-timestamp); defaults to now. */
  now?: Date;
}

export interface SendOutcome {
  /** A 2xx response was received in full (or up to the body cap) within the time-out. */
  delivered: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** Short and human-readable; never contains the secret, the URL or the receiver's body. */
  error: string | null;
  /** 410 Gone: the receiver asks for the endpoint to be disabled. */
  gone: boolean;
}

/** Response bodies are read this far and discarded: we need the status, not the receiver's prose. */
export const RESPONSE_BODY_CAP_BYTES = 64 * 1024;

const USER_AGENT = 'contact-registry-webhooks/1';

/**
 * Kept-alive connections, one pool per protocol and egress rule. A TCP (and TLS) set-up per attempt
 * cost the worker more CPU than the rest of a delivery. Reuse keeps the egress guarantee: a pooled
 * socket is one the lookup guard admitted when it connected, so it is still connected to an address
 * that was checked, and a DNS change cannot move an open connection. The rule is per process
 * (WEBHOOK_ALLOW_PRIVATE), and the pools are per rule, so no socket is reused under another rule.
 * Idle sockets close after IDLE_SOCKET_MS (below common server keep-alive time-outs of 5 s, so a
 * reused socket is rarely one the receiver is closing; if it is, the attempt fails like any reset
 * and is retried).
 */
const IDLE_SOCKET_MS = 2_000;
const agents = new Map<string, http.Agent>();
function agentFor(protocol: string, allowPrivate: boolean): http.Agent {
  const key = `${protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxSockets: 16, maxFreeSockets: 16, scheduling: 'lifo' as const };
    agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the pooled connections (a worker stopping). */
export function closeWebhookConnections(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** `whsec_` + base64 of 32 random bytes (the spec asks for 24–64). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export async function sendWebhook(req: SendRequest): Promise<SendOutcome> {
  const started = performance.now();
  const finish = (attempt: Attempt): SendOutcome => ({
    delivered: false,
    gone: false,
    ...attempt,
    latencyMs: Math.round(performance.now() - started),
  });
  // Re-checked on every attempt: the rules may have changed (WEBHOOK_ALLOW_PRIVATE turned off) since
  // the webhook was stored, and an IP-literal host never reaches the DNS lookup guard below.
  const refusal = checkWebhookUrl(req.url, req.allowPrivate);
  if (refusal !== null) return finish({ statusCode: null, error: `refused: URL ${refusal}` });
  let signature: string;
  const timestamp = req.now ?? new Date();
  try {
    signature = new Webhook(req.secret).sign(req.messageId, timestamp, req.payload);
  } catch {
    return finish({ statusCode: null, error: 'invalid signing secret' });
  }
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(req.payload)),
    'user-agent': USER_AGENT,
    'webhook-id': req.messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
  return finish(await post(new URL(req.url), headers, req.payload, req.timeoutMs, req.allowPrivate));
}

type Attempt = Pick<SendOutcome, 'statusCode' | 'error'> & Partial<Pick<SendOutcome, 'delivered' | 'gone'>>;

/** Performs the request; resolves exactly once, never rejects. */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number, allowPrivate: boolean): Promise<Attempt> {
  return new Promise((resolve) => {
    let statusCode: number | null = null;
    let request: http.ClientRequest | undefined;
    let settled = false;
    /** `keep`: the response was read to its end, so the socket goes back to its pool. */
    const settle = (attempt: Attempt, keep = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!keep) request?.destroy(); // a capped, abandoned or failed exchange never returns its socket to the pool
      resolve(attempt);
    };
    // One deadline for everything: per-phase time-outs would let a trickling body run for ever.
    const timer = setTimeout(() => {
      const phase = statusCode === null ? '' : ' reading the response body';
      settle({ statusCode, error: `timed out after ${timeoutMs} ms${phase}` });
    }, timeoutMs);
    try {
      request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        headers,
        // Every new connection passes the lookup guard; a reused one passed it when it connected.
        agent: agentFor(url.protocol, allowPrivate),
        lookup: allowPrivate ? undefined : publicOnlyLookup,
      });
    } catch (err) {
      settle({ statusCode: null, error: describeError(err) }); // e.g. a header value Node rejects
      return;
    }
    request.on('error', (err) => settle({ statusCode, error: describeError(err) }));
    // node:http never follows redirects, so a 3xx arrives here like any other status.
    request.on('response', (res) => {
      statusCode = res.statusCode ?? null;
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= RESPONSE_BODY_CAP_BYTES) settle(judge(statusCode));
      });
      res.on('end', () => settle(judge(statusCode), true));
      res.on('error', (err) => settle({ statusCode, error: describeError(err) }));
    });
    request.end(body);
  });
}

function judge(statusCode: number | null): Attempt {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { statusCode, error: null, delivered: true };
  if (statusCode === 410) return { statusCode, error: 'HTTP 410 Gone: the receiver asks to be disabled', gone: true };
  if (statusCode !== null && statusCode >= 300 && statusCode < 400)
    return { statusCode, error: `HTTP ${statusCode}: redirects are not followed` };
  return { statusCode, error: `HTTP ${statusCode}` };
}

class EgressRefusedError extends Error {}

/**
 * dns.lookup, then refuses the connection if any resolved address is not public. Node calls this
 * for the socket it is about to open, so the check applies to the very address connected to (a
 * name resolving to 127.0.0.1, or re-pointed by DNS after the webhook was created, is refused).
 * Refusing on any bad address, not filtering, because a name mixing public and private addresses
 * is a rebinding attempt rather than a receiver.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, options, (err, address, family) => {
    if (err) return callback(err, address, family);
    const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
    for (const candidate of addresses) {
      const kind = refusedAddressKind(candidate);
      if (kind !== null)
        return callback(new EgressRefusedError(`${hostname} resolves to a non-public address: ${candidate} (${kind})`), '', 0);
    }
    callback(null, address, family);
  });
};

/** A short reason from an error's code; Node's messages can carry the path or query string. */
function describeError(err: unknown): string {
  if (err instanceof EgressRefusedError) return `refused: ${err.message}`;
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EPIPE: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  const plain = known[code];
  if (plain !== undefined) return plain;
  if (code.startsWith('HPE_')) return `invalid HTTP response (${code})`;
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code)) return `TLS error (${code})`;
  return `request failed (${code || 'unknown error'})`;
}
