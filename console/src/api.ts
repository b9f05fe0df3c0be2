import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../generated/openapi';
import { currentToken, signOut } from './auth';

// The console's only way to the service: the public API, typed from the service's own
// /openapi.json (generated/openapi.d.ts, written by `npm run build`), so a change to the API's
// shapes that the console does not follow fails the build.

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type Contact = Schemas['Contact'];
export type Prop = Exclude<Contact['props'][number], string>;
export type PairListQuery = NonNullable<paths['/duplicates/']['get']['parameters']['query']>;
export type ContactListQuery = NonNullable<paths['/contacts/']['get']['parameters']['query']>;
export type HistoryEntry = NonNullable<
  paths['/contacts/{contact_id}/history/']['get']['responses'][200]['content']['application/json']['results'][number]
>;
export type Address = paths['/contacts/addresses/']['get']['responses'][200]['content']['application/json']['results'][number];
export type Bank = paths['/contacts/banks/']['get']['responses'][200]['content']['application/json']['results'][number];
export type Relation = paths['/contacts/relations/']['get']['responses'][200]['content']['application/json']['results'][number];

/** A refused request, carrying the API's problem document (RFC 9457) as the service sent it. */
export class ApiProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly etag: string | null = null,
  ) {
    super(`${problem.title}: ${problem.detail}`);
  }
  get status(): number {
    return this.problem.status;
  }
}

/** A problem document for failures that never reached the API (network down, a non-JSON answer). */
function localProblem(status: number, title: string, detail: string): Problem {
  return { type: 'about:blank', title, status, detail, code: status === 0 ? 'service_unavailable' : 'internal', instance: '' };
}

const authenticate: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // An expired or revoked token: back to the sign-in, saying why.
    if (response.status === 401) signOut('Your session has ended; please sign in again.');
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(authenticate);

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful call, or an ApiProblem with the API's problem document. */
export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await call;
  } catch (err) {
    throw new ApiProblem(localProblem(0, 'The service cannot be reached', `${(err as Error).message}. Check your connection and retry.`));
  }
  const { data, error, response } = outcome;
  if (response.ok) return data as T;
  const problem =
    error && typeof error === 'object' && 'title' in error
      ? (error as Problem)
      : localProblem(response.status, response.statusText || 'Request failed', `The service answered ${response.status} without a problem document.`);
  throw new ApiProblem(problem, response.headers.get('etag'));
}

/** The ETag of a successful call with its body (for If-Match on the next write). */
export async function unwrapWithEtag<T>(call: Promise<Outcome<T>>): Promise<{ data: T; etag: string | null }> {
  const outcome = await call.catch((err: unknown) => {
    throw new ApiProblem(localProblem(0, 'The service cannot be reached', `${(err as Error).message}. Check your connection and retry.`));
  });
  const data = await unwrap(Promise.resolve(outcome));
  return { data, etag: outcome.response.headers.get('etag') };
}

/** Turns anything thrown into a problem document to show. */
export function asProblem(err: unknown): Problem {
  if (err instanceof ApiProblem) return err.problem;
  return localProblem(0, 'Something went wrong in the console', String((err as Error)?.message ?? err));
}
