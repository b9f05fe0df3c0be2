import { useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { devSignIn, oidcSignIn, type ConsoleSettings } from '../auth';
import { asProblem, type Problem } from '../api';
import { ProblemView } from '../components/ProblemView';

export function SignIn({ settings, notice }: { settings: ConsoleSettings; notice: string | null }) {
  const [location] = useLocation();
  const [tenant, setTenant] = useState('demo');
  const [user, setUser] = useState('operator');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function submitDev(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await devSignIn(tenant.trim(), user.trim());
    } catch (err) {
      const body = (err as { problem?: Problem }).problem;
      setProblem(body && body.title ? body : asProblem(err));
      setBusy(false);
    }
  }

  async function startOidc() {
    setBusy(true);
    try {
      await oidcSignIn(location + window.location.search);
    } catch (err) {
      setProblem(asProblem(err));
      setBusy(false);
    }
  }

  const fieldError = (field: string) => problem?.errors?.[field]?.join('; ');
  return (
    <main class="page narrow signin">
      <h1>Contact Registry</h1>
      <p class="lead">Operations console: find contacts, review their records, approve or reject them.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {settings.oidc && (
        <section class="card">
          <h2>Sign in</h2>
          <p>You will be sent to your organisation's sign-in page ({new URL(settings.oidc.issuer).host}) and back.</p>
          <button type="button" class="button" disabled={busy} onClick={startOidc}>Sign in with your organisation</button>
        </section>
      )}
      {settings.dev_sign_in && (
        <form class="card" onSubmit={submitDev} noValidate>
          <h2>Development sign-in</h2>
          <p class="hint">
            Offered only because this server runs on the embedded database with its generated development secret. Choose any
            tenant and user: each tenant sees only its own contacts.
          </p>
          <label for="tenant">Tenant</label>
          <input id="tenant" name="tenant" value={tenant} onInput={(e) => setTenant(e.currentTarget.value)} aria-invalid={!!fieldError('tenant_id')} aria-describedby="tenant-error" autoComplete="off" required />
          {fieldError('tenant_id') && <p id="tenant-error" class="field-error">{fieldError('tenant_id')}</p>}
          <label for="user">User</label>
          <input id="user" name="user" value={user} onInput={(e) => setUser(e.currentTarget.value)} aria-invalid={!!fieldError('sub')} aria-describedby="user-error" autoComplete="off" required />
          {fieldError('sub') && <p id="user-error" class="field-error">{fieldError('sub')}</p>}
          <button type="submit" class="button" disabled={busy}>Sign in</button>
          {problem && !problem.errors && <ProblemView problem={problem} />}
        </form>
      )}
      {!settings.oidc && !settings.dev_sign_in && (
        <ProblemView
          problem={{
            type: 'about:blank',
            title: 'No sign-in is configured',
            status: 0,
            detail: 'Set OIDC_ISSUER and OIDC_CLIENT_ID (with AUTH_JWKS_URL) to sign in through your identity provider.',
            code: 'unauthorized',
            instance: '',
          }}
        />
      )}
    </main>
  );
}
