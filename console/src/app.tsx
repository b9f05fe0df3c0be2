import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { BASE, loadSettings, oidcCallback, signOut, useSession, type ConsoleSettings } from './auth';
import { asProblem, type Problem } from './api';
import { Loading, ProblemView } from './components/ProblemView';
import { SignIn } from './screens/SignIn';
import { ContactList } from './screens/ContactList';
import { ContactDetail } from './screens/ContactDetail';
import { ContactForm } from './screens/ContactForm';
import { NamespaceForm, NamespaceList } from './screens/Namespaces';
import { MergeList, MergeRecord, MergeScreen } from './screens/Merge';
import { ImportForm, ImportJob, ImportList } from './screens/Imports';
import { WebhookDetail, WebhookForm, WebhookList } from './screens/Webhooks';
import { EventFeed } from './screens/Events';
import { DuplicateQueue } from './screens/DuplicateQueue';
import { DuplicatePair } from './screens/DuplicatePair';

export function App() {
  const [settings, setSettings] = useState<ConsoleSettings | null>(null);
  const [failure, setFailure] = useState<Problem | null>(null);
  useEffect(() => {
    loadSettings().then(setSettings, (err: unknown) => setFailure(asProblem(err)));
  }, []);
  if (failure) return <main class="page narrow"><ProblemView problem={failure} /></main>;
  if (!settings) return <main class="page narrow"><Loading what="the console" /></main>;
  return (
    <Router base={BASE}>
      <Shell settings={settings} />
    </Router>
  );
}

function Shell({ settings }: { settings: ConsoleSettings }) {
  const { session, endedBecause } = useSession();
  const [location] = useLocation();
  if (location === '/callback') return <OidcCallback />;
  if (!session) return <SignIn settings={settings} notice={endedBecause} />;
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <Link href="/" class="brand">Contact Registry</Link>
        <nav aria-label="Main">
          <Link href="/" class={location === '/' || location.startsWith('/contacts') ? 'nav-link active' : 'nav-link'} aria-current={location === '/' ? 'page' : undefined}>
            Contacts
          </Link>
          <Link href="/duplicates" class={location.startsWith('/duplicates') ? 'nav-link active' : 'nav-link'} aria-current={location === '/duplicates' ? 'page' : undefined}>
            Duplicates
          </Link>
          <Link href="/merges" class={location.startsWith('/merges') ? 'nav-link active' : 'nav-link'} aria-current={location === '/merges' ? 'page' : undefined}>
            Merges
          </Link>
          <Link href="/imports" class={location.startsWith('/imports') ? 'nav-link active' : 'nav-link'} aria-current={location === '/imports' ? 'page' : undefined}>
            Imports
          </Link>
          <Link href="/webhooks" class={location.startsWith('/webhooks') ? 'nav-link active' : 'nav-link'} aria-current={location === '/webhooks' ? 'page' : undefined}>
            Webhooks
          </Link>
          <Link href="/events" class={location.startsWith('/events') ? 'nav-link active' : 'nav-link'} aria-current={location === '/events' ? 'page' : undefined}>
            Events
          </Link>
          <Link href="/namespaces" class={location.startsWith('/namespaces') ? 'nav-link active' : 'nav-link'} aria-current={location === '/namespaces' ? 'page' : undefined}>
            Namespaces
          </Link>
        </nav>
        <div class="who">
          <span class="who-text" title={`Signed in ${session.via === 'development' ? 'with the development sign-in' : 'with OIDC'}`}>
            <span class="who-user">{session.user}</span>
            <span class="who-tenant">tenant {session.tenant}</span>
          </span>
          <button type="button" class="button secondary small" onClick={() => signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        <Switch>
          <Route path="/" component={ContactList} />
          <Route path="/namespaces" component={NamespaceList} />
          <Route path="/namespaces/new">{() => <NamespaceForm />}</Route>
          <Route path="/namespaces/:id">{(params: { id: string }) => <NamespaceForm id={params.id} key={params.id} />}</Route>
          <Route path="/contacts/new">{() => <ContactForm />}</Route>
          <Route path="/contacts/:id/merge">{(params: { id: string }) => <MergeScreen id={params.id} key={params.id} />}</Route>
          <Route path="/duplicates" component={DuplicateQueue} />
          <Route path="/duplicates/:id">{(params: { id: string }) => <DuplicatePair id={params.id} key={params.id} />}</Route>
          <Route path="/merges" component={MergeList} />
          <Route path="/events" component={EventFeed} />
          <Route path="/webhooks" component={WebhookList} />
          <Route path="/webhooks/new">{() => <WebhookForm />}</Route>
          <Route path="/webhooks/:id">{(params: { id: string }) => <WebhookDetail id={params.id} key={params.id} />}</Route>
          <Route path="/imports" component={ImportList} />
          <Route path="/imports/new">{() => <ImportForm />}</Route>
          <Route path="/imports/:id">{(params: { id: string }) => <ImportJob id={params.id} key={params.id} />}</Route>
          <Route path="/merges/:id">{(params: { id: string }) => <MergeRecord id={params.id} key={params.id} />}</Route>
          <Route path="/contacts/:id/edit">{(params: { id: string }) => <ContactForm id={params.id} key={params.id} />}</Route>
          <Route path="/contacts/:id">{(params: { id: string }) => <ContactDetail id={params.id} />}</Route>
          <Route>
            <ProblemView problem={{ type: 'about:blank', title: 'Not found', status: 404, detail: 'There is no such page in the console.', code: 'not_found', instance: '' }}>
              <Link href="/">Back to contacts</Link>
            </ProblemView>
          </Route>
        </Switch>
      </main>
    </>
  );
}

function OidcCallback() {
  const [, navigate] = useLocation();
  const [failure, setFailure] = useState<Problem | null>(null);
  useEffect(() => {
    oidcCallback().then(
      (path) => navigate(path, { replace: true }),
      (err: unknown) => setFailure(asProblem(err)),
    );
  }, []);
  if (failure) {
    return (
      <main class="page narrow">
        <ProblemView problem={{ ...failure, title: 'Sign-in did not complete' }}>
          <a href={`${BASE}/`}>Start again</a>
        </ProblemView>
      </main>
    );
  }
  return <main class="page narrow"><Loading what="your session" /></main>;
}
