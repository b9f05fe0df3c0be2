import { ERROR_STATUS, ERROR_TITLE, PROBLEM_TYPE_BASE, type ErrorCode } from '../errors/index.js';

// The prose of the OpenAPI document, by operation id (see operationIdFor): what each operation
// does beyond its one-line summary. The linter fails the build when an operation has none.

export const OPERATION_DESCRIPTIONS: Record<string, string> = {
  namespaces_create:
    'Creates a namespace. `contact_pattern` and `account_pattern` generate reference ids from the counters, e.g. `VAY-{yyyy}-{seq:6}` → `VAY-2026-000001`; counters start at 1 unless given. Names are unique per tenant, case-insensitively (409).',
  namespaces_list:
    "Lists the tenant's live namespaces, paginated (`page`, `page_size`), ordered by `ordering` (`name`, `created_at`, `-` for descending).",
  namespaces_retrieve: 'Returns one namespace; its `ETag` header is the version to send back in `If-Match`.',
  namespaces_partial_update:
    'Changes the given fields only. A counter may be raised, never lowered (409), so a reference id is never issued twice. With `If-Match` the update fails (412) instead of overwriting a change made since you read the namespace.',
  namespaces_destroy: 'Soft-deletes a namespace; refused (409) while live contacts use it.',
  namespaces_account_refs_create:
    "Allocates the next account reference from the namespace's `account_pattern` and raises `account_counter`; the allocation is an audit entry. 409 when the namespace has no account pattern.",

  contacts_create:
    "Creates a contact with its props in one transaction. Without `ref_id`, the namespace's `contact_pattern` generates one. A live contact holding the same PAN (directly or inside a GSTIN) makes it a 409 `duplicate` naming `duplicate_of`; `?on_duplicate=allow&reason=…` overrides that, and the audit entry records the reason.",
  contacts_list:
    'Lists live contacts, paginated. Filters: `namespace`, `status`, `type`, `approval_status`, `tags`, `rm_id`, `branch_id`, `ref_id`; `search` matches names and identifier values case-insensitively; `expand` embeds props, addresses, banks and relations.',
  contacts_retrieve:
    'Returns one contact (`expand` embeds its sub-resources); its `ETag` header is the version to send back in `If-Match`.',
  contacts_partial_update:
    'Changes the given fields; `props` are upserted by key (props not named are kept). A PAN another live contact holds is a 409 as on create. With `If-Match` the update fails (412) instead of overwriting a change made since you read the contact.',
  contacts_destroy:
    'Soft-deletes a contact. Its addresses, bank accounts and relations are hidden with it and come back on restore; its history stays readable.',
  contacts_active_update: 'Sets `status` to `active`. A rejected contact cannot be made active (409): approve it first.',
  contacts_inactive_update: 'Sets `status` to `inactive`.',
  contacts_approve_update:
    'Approves the contact: `approval_status` becomes `approved` and `status` `active`; an optional `comment` is kept with the approval.',
  contacts_reject_update: 'Rejects the contact: `approval_status` becomes `rejected` and `status` `inactive`. A `comment` is required.',
  contacts_restore_create:
    'Restores a soft-deleted contact with the sub-resources hidden with it; a live contact is returned unchanged. 409 when its namespace was deleted, or when another live contact now holds its PAN (`duplicate_of`).',
  contacts_props_list: 'All props of the contact, sorted by key.',
  contacts_props_update:
    'Upserts the given props by key (others are kept) and returns the full list. A write that changes nothing records nothing. A PAN another live contact holds is a 409 as on create.',
  contacts_props_destroy:
    'Deletes props by key, named in `?keys=a,b` or in a body `{"keys": [...]}`; keys the contact does not have are ignored.',

  contacts_addresses_create:
    'Adds an address to a live contact (`contact_id`). Every other field is optional; pincodes and address lines take part in duplicate detection.',
  contacts_addresses_list:
    "Lists the tenant's live addresses, paginated; `contact` filters by owner, `search` matches address line, city, state, country or pincode.",
  contacts_addresses_retrieve: 'Returns one address; its `ETag` header is the version to send back in `If-Match`.',
  contacts_addresses_partial_update: 'Changes the given fields; `null` clears one. The owner cannot change.',
  contacts_addresses_destroy: 'Soft-deletes an address.',

  contacts_banks_create:
    "Adds a bank account to a live contact. `ifsc` is upper-cased; `is_primary: true` demotes the contact's previous primary account. 409 when the contact already has this IFSC and account number.",
  contacts_banks_list:
    "Lists the tenant's live bank accounts, paginated; `contact` filters by owner, `ifsc` by branch, `search` matches bank, branch and holder names.",
  contacts_banks_retrieve: 'Returns one bank account; its `ETag` header is the version to send back in `If-Match`.',
  contacts_banks_partial_update: "Changes the given fields; `is_primary: true` demotes the contact's previous primary account.",
  contacts_banks_destroy: 'Soft-deletes a bank account.',

  contacts_relations_create:
    'Relates a contact (`contact`) to another (`related_contact`), or to a party not on file yet (`related_contact: null`). 409 when the same relation exists.',
  contacts_relations_list:
    "Lists relations, paginated: `contact` gives a contact's relations (forward), `related_contact` the relations that point at it (reverse); `expand` embeds either contact.",
  contacts_relations_retrieve:
    'Returns one relation (`expand` embeds the contacts); its `ETag` header is the version to send back in `If-Match`.',
  contacts_relations_partial_update: 'Changes the type, the related contact, tags or refs. The owning contact cannot change.',
  contacts_relations_destroy: 'Soft-deletes a relation.',

  history_list:
    "The tenant's audit entries, newest first (`ordering=timestamp` for oldest first): one per change, with the state before and after, the user, IP address and user agent. Filter by `object_type`, `object_id`, `action_type` and date. Entries are never changed.",
  contacts_history_list:
    'The audit entries of one contact and its sub-resources (addresses, bank accounts, props, forward relations), newest first; still readable after the contact is deleted.',

  events_list:
    "The tenant's events in feed order: pass `next_after` as `after` to read on; a reader doing so sees every event exactly once, however writers interleave. `type` (comma-separated event types) and `object_id` filter; `limit` 1–500 (default 100). Each event carries the object after the change and, for updates, `previous_attributes`.",
  events_retrieve: 'Returns one event.',
  events_redeliver_create:
    'Queues a new delivery of a published event: to the webhook named in `webhook`, or to every enabled webhook whose filter takes the event.',
  webhooks_create:
    'Registers an endpoint for the event types in `events` (`contact.*`, `bank.created`; empty for all). The response carries the signing `secret`, shown only here and on rotation. URLs must be https and public (unless WEBHOOK_ALLOW_PRIVATE).',
  contacts_merge_create:
    'Merges the contacts in `merge_ids` into the path contact (the survivor) in one transaction: preferred field values (`prefer`), the union of tags, refs and props, their addresses, banks (collapsed by ifsc and account number) and relations (re-pointed; would-be self relations and twins removed). The merged contacts disappear from lists and dedupe; GET on their ids answers with the survivor. `dry_run` returns the same answer and writes nothing. Two different valid PANs are a 409 `conflicting_identifier` unless `prefer` names the PAN to keep.',
  merges_list: 'Lists merge records, newest first; `contact` finds merges where a contact was the survivor or merged.',
  merges_retrieve: 'Returns one merge record: the decisions taken per field, and what moved or collapsed.',
  merges_undo_create:
    'Undoes a merge exactly: every contact involved reads as it did before the merge. 409 `undo_refused` when already undone, older than MERGE_UNDO_DAYS, followed by a merge of one of its contacts (`later_merge`), or when something it changed was written since (`conflicts`).',
  duplicates_list:
    "The review queue, best first (`ordering` `-score`; or `created_at`, `updated_at`). `status` (default `open`; `dismissed`, `merged`), `band`, `source` (`write`, `scan`, `override`), `contact` (either side), `min_score` and the date filters narrow it; `expand=contacts` inlines both contacts with their props. Pairs of a deleted contact are hidden until it is restored.",
  duplicates_retrieve: 'Returns one pair (`expand=contacts` inlines both contacts); its `ETag` header is the version to send back in `If-Match`.',
  duplicates_dismiss_update:
    'Marks the pair as not a duplicate (`comment` required): writes and scans never open it again, and `POST /contacts/dedupe/` flags the candidate `dismissed`. Dismissing a dismissed pair is a no-op; a merged pair is a 409.',
  duplicates_reopen_update: 'Puts a dismissed pair back in the queue. Reopening an open pair is a no-op; a merged pair is a 409.',
  duplicates_scan_create:
    'Queues a scan of every live contact of the tenant (the same near-linear scan as `contact-registry dedupe-scan`); the worker opens a pair (source `scan`) for each pair at `min_band` (default `possible`) or better, refreshes open ones and leaves dismissed and merged ones alone. Answers 202 with the job and `Location`. One scan per tenant at a time: a second is a 409 naming `running_scan`.',
  duplicates_scan_retrieve: "A scan job: `status` (queued, running, succeeded, failed), `progress` (phase, done of total) and `counts` of the pairs it found, opened, refreshed and kept.",
  webhooks_list: "Lists the tenant's webhook endpoints (without their secrets).",
  webhooks_retrieve: 'Returns one webhook endpoint (without its secret); `disabled_reason` says why the service disabled it.',
  webhooks_partial_update: 'Changes the URL, filter, description or `enabled`; enabling clears `disabled_reason`.',
  webhooks_destroy: 'Deletes the endpoint; its pending deliveries are not attempted.',
  webhooks_rotate_secret_create: 'Replaces the signing secret; the response carries the new one. The old one stops working at once.',
  webhooks_deliveries_list:
    "The endpoint's deliveries, newest first: event, attempts made, the last attempt's status code, latency and error, and the next attempt. Filter by `status`.",
  imports_create:
    'Uploads a file of contacts (`text/csv` with a header row, or `application/x-ndjson`: one contact body per line, with optional `addresses` and `banks`), streamed, up to IMPORT_MAX_BYTES (413 beyond). Answers 202 with the queued job and `Location`; the worker applies the rows in batches. Each row is validated and written exactly as `POST /contacts/` (or, matched by `match_on`, `PATCH`) would, all or nothing on its own. A header with unknown columns, an empty file or one that is not UTF-8 text is a 400 and leaves no job.',
  imports_list: "Lists the tenant's import jobs, newest first, with their counts; `status` filters.",
  imports_retrieve: 'Returns one import job with its live counts (`processed` grows batch by batch).',
  imports_rows_list:
    "The per-row report in file order: `row` (data rows from 1), `line` (physical line), `outcome`, `contact_id`, `errors` (as the API would answer) and `duplicate_of`; `outcome` filters.",
  imports_cancel_create: 'Cancels a queued job at once, a running one after its current batch (the rows committed before stay). 409 for a finished job.',
  webhooks_deliveries_retry_create: 'Makes a delivery due now (a failed one gets a fresh round of attempts).',

  contacts_dedupe_create:
    "Finds the tenant's live contacts that may be the candidate, best first; nothing is written. Identifiers are normalized before comparison (PAN, GSTIN, Aadhaar, Indian mobiles, email, CIN, passport, voter id), names compared by similarity (honorifics, initials, transliteration variants), and address lines compared at a shared pincode. Each result has a `score`, a `band` (`exact` for the same PAN or GSTIN, `probable` ≥ 0.80, `possible` ≥ 0.50) and the `reasons`.",
};

/**
 * Request examples for operations whose schema file does not carry one (the dedupe slice is
 * maintained separately): Crego's example contact with its name misspelt, which finds the
 * contact created from the contacts_create example (band `possible`, with the reasons).
 */
export const REQUEST_EXAMPLES: Record<string, unknown> = {
  contacts_dedupe_create: {
    name: 'Sukumaar',
    type: 'individual',
    props: [{ key: 'pan_no', type: 'number', value: '123254684' }],
    limit: 5,
  },
};

interface ProblemSample {
  code: ErrorCode;
  detail: string;
  errors?: Record<string, string[]>;
  duplicate_of?: string;
}

const field = (code: ErrorCode, name: string, message: string, detail = `Invalid body: ${name}.`): ProblemSample => ({
  code,
  detail,
  errors: { [name]: [message] },
});

/** The problems of each status as the service writes them; by operation where the cause differs. */
const SAMPLES = {
  contactBody: {
    code: 'validation_error',
    detail: 'Invalid body: name, type.',
    errors: {
      name: ["Does not match the required pattern ^[a-zA-Z0-9\\s,.\\-'&()]{1,100}$."],
      type: ['Must be one of: individual, corporate.'],
    },
  },
  listQuery: field('validation_error', 'page_size', 'Must be at most 200.', 'Invalid fields: page_size.'),
  unknownField: field('validation_error', 'nickname', 'Unknown field.'),
  missingName: field('validation_error', 'name', 'This field is required.'),
  unauthorized: { code: 'unauthorized', detail: 'A bearer token is required.' },
  duplicate: {
    code: 'duplicate',
    detail: 'A live contact with the same PAN already exists (01JD8X3QK6Z1V2W3Y4A5B6C7D8). Use ?on_duplicate=allow&reason=… to override.',
    duplicate_of: '01JD8X3QK6Z1V2W3Y4A5B6C7D8',
  },
  namespaceName: field('conflict', 'name', 'A namespace with this name already exists.', 'A namespace with this name already exists.'),
  namespaceInUse: { code: 'conflict', detail: 'The namespace still has live contacts; delete or move them first.' },
  noAccountPattern: { code: 'conflict', detail: 'The namespace has no account_pattern.' },
  rejected: {
    code: 'invalid_state',
    detail: 'A rejected contact cannot be made active; approve it first (approval_status is "rejected").',
  },
  bankAccount: field(
    'conflict',
    'account_no',
    'This contact already has a bank account with this ifsc and account_no.',
    'This contact already has a bank account with this ifsc and account_no.',
  ),
  relation: field(
    'conflict',
    'related_contact',
    'This relation (contact, type, related_contact) already exists.',
    'This relation (contact, type, related_contact) already exists.',
  ),
  inProgress: { code: 'idempotency_in_progress', detail: 'A request with this Idempotency-Key is still in progress; retry later.' },
  stale: { code: 'precondition_failed', detail: 'The object has changed since the given ETag (If-Match).' },
  tooLarge: { code: 'payload_too_large', detail: 'The request body is too large.' },
  notJson: { code: 'unsupported_media_type', detail: 'Unsupported Media Type' },
  keyReused: { code: 'idempotency_mismatch', detail: 'This Idempotency-Key was used with a different request (method, path or body).' },
  rateLimited: { code: 'rate_limited', detail: 'Rate limit of 6000 requests per minute exceeded; retry later.' },
  unavailable: { code: 'service_unavailable', detail: 'The database is unavailable; retry later.' },
} satisfies Record<string, ProblemSample>;

const NOT_FOUND: Record<string, string> = { namespaces: 'Namespace', addresses: 'Address', banks: 'Bank account', relations: 'Relation' };

type SampleName = keyof typeof SAMPLES;

/** The samples of a status for an operation, by name (what the shared response is named after). */
function samplesFor(status: string, operationId: string, method: string): Array<[string, ProblemSample]> {
  const named = (...names: SampleName[]): Array<[string, ProblemSample]> => names.map((n) => [n, SAMPLES[n]]);
  switch (status) {
    case '400':
      if (operationId === 'contacts_create' || operationId === 'contacts_partial_update') return named('contactBody');
      if (operationId === 'contacts_dedupe_create') return named('missingName');
      return named(method === 'get' || method === 'delete' ? 'listQuery' : 'unknownField');
    case '401':
      return named('unauthorized');
    case '404': {
      const what = NOT_FOUND[operationId.split('_')[operationId.startsWith('contacts_') ? 1 : 0]!] ?? 'Contact';
      return [[what.replaceAll(' ', ''), { code: 'not_found', detail: `${what} not found.` }]];
    }
    case '409': {
      const byOperation: Record<string, SampleName> = {
        contacts_create: 'duplicate',
        contacts_partial_update: 'duplicate',
        contacts_props_update: 'duplicate',
        contacts_restore_create: 'duplicate',
        contacts_active_update: 'rejected',
        namespaces_create: 'namespaceName',
        namespaces_partial_update: 'namespaceName',
        namespaces_destroy: 'namespaceInUse',
        namespaces_account_refs_create: 'noAccountPattern',
        contacts_banks_create: 'bankAccount',
        contacts_banks_partial_update: 'bankAccount',
        contacts_relations_create: 'relation',
        contacts_relations_partial_update: 'relation',
      };
      const first = byOperation[operationId];
      return first ? named(first, 'inProgress') : named('inProgress');
    }
    case '412':
      return named('stale');
    case '413':
      return named('tooLarge');
    case '415':
      return named('notJson');
    case '422':
      return named('keyReused');
    case '429':
      return named('rateLimited');
    case '503':
      return named('unavailable');
    default:
      return [];
  }
}

/**
 * The problems an operation answers with `status`, as the service writes them: the name of the
 * shared response documenting them (the same for every operation with the same samples) and its
 * named examples.
 */
export function problemExamples(status: string, operationId: string, method: string): { name: string; examples: Record<string, { summary: string; value: unknown }> } {
  const samples = samplesFor(status, operationId, method);
  const examples = Object.fromEntries(
    samples.map(([, { code, detail, ...extra }]) => {
      const value = {
        type: PROBLEM_TYPE_BASE + code,
        title: ERROR_TITLE[code],
        status: ERROR_STATUS[code],
        detail,
        code,
        instance: '01JD8X4B2M3N4P5Q6R7S8T9V0W',
        ...extra,
      };
      return [code, { summary: ERROR_TITLE[code], value }];
    }),
  );
  const name = `Problem${status}${samples.map(([n]) => n[0]!.toUpperCase() + n.slice(1)).join('Or')}`;
  return { name, examples };
}
