import { InMemoryWebStorage, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { useEffect, useState } from 'preact/hooks';

// Who is signed in. Tokens live in this module's memory only — never in localStorage or
// sessionStorage — so closing or reloading the tab ends the session (CONTRACT §11). Sign-in is
// OpenID Connect (authorization code + PKCE, oidc-client-ts) when the service is configured
// with OIDC_ISSUER, or the development sign-in that the embedded development mode offers.

export const BASE = '/console';

export interface ConsoleSettings {
  oidc: { issuer: string; client_id: string; scope: string } | null;
  dev_sign_in: boolean;
}

export interface Session {
  token: string;
  tenant: string;
  user: string;
  via: 'oidc' | 'development';
  expiresAt: number;
}

let session: Session | null = null;
let endedBecause: string | null = null;
let manager: UserManager | null = null;
const listeners = new Set<() => void>();

function changed(): void {
  for (const listener of listeners) listener();
}

export function currentToken(): string | null {
  if (session && session.expiresAt <= Date.now()) signOut('Your session has expired; please sign in again.');
  return session?.token ?? null;
}

/** The session, re-rendering the caller when it changes. */
export function useSession(): { session: Session | null; endedBecause: string | null } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return { session, endedBecause };
}

export async function loadSettings(): Promise<ConsoleSettings> {
  const res = await fetch(`${BASE}/config.json`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`The console's settings could not be loaded (${res.status}).`);
  const settings = (await res.json()) as ConsoleSettings;
  if (settings.oidc) {
    manager = new UserManager({
      authority: settings.oidc.issuer,
      client_id: settings.oidc.client_id,
      scope: settings.oidc.scope,
      response_type: 'code',
      redirect_uri: `${window.location.origin}${BASE}/callback`,
      post_logout_redirect_uri: `${window.location.origin}${BASE}/`,
      // Tokens in memory; only the PKCE verifier and state survive the redirect (sessionStorage).
      userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
      stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
      automaticSilentRenew: false,
    });
  }
  return settings;
}

/** The claims of a JWT, unverified (the API verifies it; the console only shows who is signed in). */
function claimsOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function start(token: string, via: Session['via'], expiresInSeconds: number): void {
  const claims = claimsOf(token);
  session = {
    token,
    via,
    tenant: String(claims.tenant_id ?? claims.tenant ?? '?'),
    user: String(claims.sub ?? '?'),
    expiresAt: Date.now() + expiresInSeconds * 1000,
  };
  endedBecause = null;
  changed();
}

export async function devSignIn(tenant: string, user: string): Promise<void> {
  const res = await fetch(`${BASE}/dev-sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ tenant_id: tenant, sub: user }),
  });
  const body = (await res.json()) as { access_token?: string; expires_in?: number };
  if (!res.ok || !body.access_token) throw Object.assign(new Error('sign-in refused'), { problem: body });
  start(body.access_token, 'development', body.expires_in ?? 3600);
}

/** Sends the browser to the identity provider; it comes back to /console/callback. */
export async function oidcSignIn(returnTo: string): Promise<void> {
  if (!manager) throw new Error('OIDC is not configured');
  await manager.signinRedirect({ url_state: returnTo });
}

/** Completes the authorization-code exchange; returns the path the user was on. */
export async function oidcCallback(): Promise<string> {
  if (!manager) throw new Error('OIDC is not configured');
  const user = await manager.signinRedirectCallback();
  start(user.access_token, 'oidc', user.expires_in ?? 300);
  return user.url_state && user.url_state.startsWith('/') ? user.url_state : '/';
}

export function signOut(reason: string | null = null): void {
  if (!session) return;
  const wasOidc = session.via === 'oidc';
  session = null;
  endedBecause = reason;
  changed();
  if (wasOidc && manager && reason === null) {
    // Ends the provider's session too, naming it with the ID token (id_token_hint; the library
    // then drops its in-memory user); where the provider offers no logout, the local sign-out stands.
    const m = manager;
    void m.signoutRedirect().catch(() => m.removeUser());
  }
}
