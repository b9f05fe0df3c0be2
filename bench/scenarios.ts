// The load scenarios. Each yields the next request from its own deterministic PRNG; the same
// generator drives our service and the baselines, so every target sees the same request mix.
import { FIRST_NAMES, LARGE_INDEX, LAST_NAMES, NAMESPACE, contactId, pools, prng, benchPan, seededPan, tenantId, type Sizes } from './dataset.js';
import { ActionPool } from './action-pool.js';

export interface Req {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  path: string;
  tenant: string;
  body?: string;
}

/** Which target (ratio to the raw baseline) a scenario is judged against. */
export type TargetKind = 'get' | 'list' | 'post';

export interface Scenario {
  name: string;
  title: string;
  target?: TargetKind;
  next(): Req;
  /** Reports a response (only the action scenario tracks state). */
  onResponse?(req: Req, status: number, body: string): void;
  actions?: ActionPool;
}

const hash = (s: string): number => [...s].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export interface ScenarioOptions {
  sizes: Sizes;
  /** `props,addresses,banks` when the service accepts it, else `props`. */
  expand: string;
  /** Distinguishes the PANs of POSTs between engines sharing nothing but the format. */
  panSeed: number;
}

export function makeScenarios(o: ScenarioOptions): Scenario[] {
  const { sizes } = o;
  const total = sizes.tenants * sizes.perTenant + sizes.large;
  const rng = (name: string) => prng(hash(name));
  /** A uniformly random seeded contact (the large tenant holds most of them). */
  const anyContact = (r: () => number): { ti: number; j: number } => {
    const k = Math.floor(r() * total);
    return k < sizes.large
      ? { ti: LARGE_INDEX, j: k }
      : { ti: Math.floor((k - sizes.large) / sizes.perTenant), j: (k - sizes.large) % sizes.perTenant };
  };
  const { actionPerTenant, patchPerTenant } = pools(sizes);
  const large = tenantId(LARGE_INDEX);

  const get = rng('get');
  const expand = rng('expand');
  const list = rng('list');
  const search = rng('search');
  const post = rng('post');
  const patch = rng('patch');
  let posted = 0;
  let patched = 0;

  // New PANs: see benchPan; the tag letter is per engine.
  const newPan = (n: number): string => benchPan(n, String.fromCharCode(65 + (o.panSeed % 26)));
  const actions = new ActionPool(
    Array.from({ length: sizes.tenants * actionPerTenant }, (_, k) => {
      const ti = Math.floor(k / actionPerTenant);
      return { tenant: tenantId(ti), id: contactId(ti, k % actionPerTenant) };
    }),
  );

  return [
    {
      name: 'get_by_id',
      title: 'GET /contacts/{id}/ (random id, any tenant)',
      target: 'get',
      next: () => {
        const c = anyContact(get);
        return { method: 'GET', path: `/contacts/${contactId(c.ti, c.j)}/`, tenant: tenantId(c.ti) };
      },
    },
    {
      name: 'get_expand',
      title: `GET /contacts/{id}/?expand=${o.expand}`,
      next: () => {
        const c = anyContact(expand);
        return { method: 'GET', path: `/contacts/${contactId(c.ti, c.j)}/?expand=${o.expand}`, tenant: tenantId(c.ti) };
      },
    },
    {
      name: 'list_filtered',
      title: 'GET /contacts/?status&type&page_size=20 (large tenant, pages 1–5)',
      target: 'list',
      next: () => {
        const q = `status=${pick(list, ['active', 'inactive'])}&type=${pick(list, ['individual', 'corporate'])}&page_size=20&page=${1 + Math.floor(list() * 5)}`;
        return { method: 'GET', path: `/contacts/?${q}`, tenant: large };
      },
    },
    {
      name: 'list_search',
      title: 'GET /contacts/?search=… (large tenant: surname, full name or PAN)',
      target: 'list',
      next: () => {
        const kind = Math.floor(search() * 3);
        const term =
          kind === 0
            ? pick(search, LAST_NAMES).toLowerCase()
            : kind === 1
              ? `${pick(search, FIRST_NAMES)} ${pick(search, LAST_NAMES)}`
              : seededPan(LARGE_INDEX, Math.floor(search() * sizes.large));
        return { method: 'GET', path: `/contacts/?search=${encodeURIComponent(term)}&page_size=20`, tenant: large };
      },
    },
    {
      name: 'post',
      title: 'POST /contacts/ (3 props, generated ref id, PAN check)',
      target: 'post',
      next: () => {
        const n = posted++;
        const body = {
          name: `${pick(post, FIRST_NAMES)} ${pick(post, LAST_NAMES)}`,
          namespace: NAMESPACE,
          type: post() < 0.8 ? 'individual' : 'corporate',
          tags: ['bench', pick(post, ['retail', 'vip', 'priority'])],
          props: [
            { key: 'pan_no', value: newPan(n), type: 'text' },
            { key: 'mobile', value: '8' + String((n * 7919 + o.panSeed) % 1e9).padStart(9, '0'), type: 'text' },
            { key: 'segment', value: pick(post, ['retail', 'sme', 'salaried']), type: 'text' },
          ],
        };
        return { method: 'POST', path: '/contacts/', tenant: tenantId(Math.floor(post() * sizes.tenants)), body: JSON.stringify(body) };
      },
    },
    {
      name: 'patch',
      title: 'PATCH /contacts/{id}/ (tags + one prop)',
      next: () => {
        const ti = Math.floor(patch() * sizes.tenants);
        const j = actionPerTenant + Math.floor(patch() * patchPerTenant);
        const body = { tags: ['retail', `wave-${patched % 7}`], props: [{ key: 'segment', value: `segment-${patched++}`, type: 'text' }] };
        return { method: 'PATCH', path: `/contacts/${contactId(ti, j)}/`, tenant: tenantId(ti), body: JSON.stringify(body) };
      },
    },
    {
      name: 'actions',
      title: 'PUT /contacts/{id}/{approve|inactive|active|reject}/ (every request a transition)',
      next: () => actions.next(),
      onResponse: (req, status, body) => actions.onResponse(req, status, body),
      actions,
    },
  ];
}
