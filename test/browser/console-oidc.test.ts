import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import type { Page } from 'playwright-core';
import { startConsole, type ConsoleHarness } from './harness.js';

// The console's OpenID Connect sign-in end to end, in headless Chromium, against a real OpenID
// provider (oidc-provider, the certified Node implementation) started here on a local port: the
// authorization code flow with PKCE, the provider's own login and consent pages, an access token
// (a JWT the API verifies through the provider's JWKS, carrying the tenant) that the console keeps
// in memory only and sends with every API call, and sign-out through the provider.

const RESOURCE = 'urn:contact-registry:api';
const TENANT = 'acme';

describe('console: OIDC sign-in with a local OpenID provider (Chromium)', () => {
  let idp: Server;
  let issuer: string;
  let provider: Provider | undefined;
  let h: ConsoleHarness;
  let page: Page;
  const bearerTokens = new Set<string>();

  before(async () => {
    // The provider's address must be known to configure the service, and the service's to
    // configure the provider's client: listen first, build the provider once both are known.
    idp = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (provider) return void provider.callback()(req, res);
      res.statusCode = 503;
      res.end();
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const { port } = idp.address() as { port: number };
    issuer = `http://127.0.0.1:${port}`;

    h = await startConsole({ env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'console', AUTH_JWKS_URL: `${issuer}/jwks` } });

    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'console',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: [`${h.url}/console/callback`],
          post_logout_redirect_uris: [`${h.url}/console/`],
        },
      ],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test' }] },
      pkce: { required: () => true },
      // The console (another origin) calls discovery and the token endpoint from the page.
      clientBasedCORS: () => true,
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        // Access tokens for the API are JWTs (RFC 9068) it verifies with the provider's keys.
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'openid profile', audience: RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
        },
      },
      // The tenant, as an organisation's identity provider adds it to the token.
      extraTokenClaims: () => ({ tenant_id: TENANT }),
      // Whoever logs in on the development login page is that user.
      findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
      ttl: { AccessToken: 600, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    });

    page = await h.newPage();
    page.setDefaultTimeout(8000);
    page.on('request', (request) => {
      const auth = request.headers().authorization;
      if (request.url().startsWith(h.url) && auth) bearerTokens.add(auth);
    });
  });
  after(async () => {
    await h?.close();
    await new Promise((resolve) => idp?.close(resolve));
  });

  test('only the organisation sign-in is offered; it goes through the provider and back (code + PKCE)', async () => {
    await page.goto(`${h.url}/console/namespaces`);
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Development sign-in' }).count(), 0);

    const authorize = page.waitForRequest((r) => r.url().startsWith(`${issuer}/auth`));
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    const params = new URL((await authorize).url()).searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);

    // The provider's own (development) login and consent pages.
    await page.locator('input[name="login"]').fill('meera');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]', { hasText: /continue/i }).click();

    // Back in the console, on the page the user asked for, signed in as the provider's user.
    await page.getByRole('heading', { name: 'Namespaces', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/namespaces');
    assert.match(await page.locator('.who').innerText(), /meera\s+tenant acme/);
  });

  test("API calls carry the provider's access token; the API accepts it for the token's tenant", async () => {
    await page.getByRole('link', { name: 'New namespace' }).click();
    await page.getByLabel('Name (required)').fill('Vayana');
    await page.getByRole('button', { name: 'Create namespace' }).click();
    await page.getByRole('heading', { name: 'Namespace Vayana', level: 1 }).waitFor();

    assert.equal(bearerTokens.size, 1, 'one token for every call');
    const token = [...bearerTokens][0]!.replace(/^Bearer /, '');
    const claims = decodeJwt(token);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.tenant_id, TENANT);
    assert.equal(claims.sub, 'meera');
    // The same token works outside the browser, for its tenant only.
    const res = await fetch(`${h.url}/namespaces/`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { results: { name: string; created_by: string }[] };
    assert.deepEqual(body.results.map((n) => [n.name, n.created_by]), [['Vayana', 'meera']]);
    // A token the provider did not sign is refused.
    const [head, payload] = token.split('.');
    assert.equal((await fetch(`${h.url}/namespaces/`, { headers: { authorization: `Bearer ${head}.${payload}.AAAA` } })).status, 401);

    // Tokens live in the page's memory only: not in localStorage, sessionStorage or cookies.
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]));
    assert.ok(!stored.includes(token.slice(-20)), 'the access token is stored in the browser');
    assert.ok(!/access_token|id_token|refresh_token/.test(stored), `tokens found in browser storage: ${stored}`);
  });

  test('sign-out ends the session at the provider and returns to the sign-in page', async () => {
    const endSession = page.waitForRequest((r) => r.url().startsWith(`${issuer}/session/end`));
    await page.getByRole('button', { name: 'Sign out' }).click();
    // The provider asks before ending its session (RP-initiated logout), told whose by the ID token.
    const hint = new URL((await endSession).url()).searchParams.get('id_token_hint');
    assert.equal(decodeJwt(hint ?? '').sub, 'meera');
    await page.locator('button[autofocus], button[type="submit"]').first().click();
    await page.waitForURL((url) => url.href.startsWith(`${h.url}/console/`));
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    // The provider's session is gone: signing in again asks for the login.
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.locator('input[name="login"]').waitFor();
  });

  test('the console logged no error, warning or blocked resource', () => {
    assert.deepEqual(h.errors, []);
  });
});
