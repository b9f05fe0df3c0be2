import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { api, asProblem, unwrap, unwrapWithEtag, type Contact, type Problem, type Prop, type Schemas } from '../api';
import { TextAreaField } from '../components/Fields';
import { Empty, Loading, ProblemView } from '../components/ProblemView';
import { formatTime, formatValue, orDash } from '../format';
import { ContactPicker } from './ContactPicker';
import { reasonText } from './DuplicateCheck';

// Merging duplicates into one contact (CONTRACT §8.2) and undoing a merge (§8.3). From a contact,
// the user picks the contacts to merge with it (its likely duplicates are offered) and the
// survivor, which keeps its id and ref id (default: the approved one, else the oldest — the page
// says which), sees a dry run of the result — which value wins per field, what is dropped into the
// record, what moves and what collapses —, may pick another winner per field, and confirms with a
// comment. The merge record page offers Undo.

type Merge = Schemas['Merge'];
type MergeResult = { merge: Merge; contact: Contact };
type Candidate = { contact: Contact; band: string; score: number; reasons: { field: string; match: string; similarity?: number; detail?: string }[] };

const MAX_MERGE = 10;

export function MergeScreen({ id }: { id: string }) {
  const [, navigate] = useLocation();
  // From the duplicate queue: `?with=` the other contacts of the pair, chosen already; `?pair=` the
  // pair, for the way back.
  const query = new URLSearchParams(useSearch());
  const preselect = (query.get('with') ?? '').split(',').filter(Boolean);
  const pairId = query.get('pair');
  const [survivor, setSurvivor] = useState<{ contact: Contact; etag: string | null } | null>(null);
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [chosen, setChosen] = useState<Record<string, Contact>>({});
  const [picked, setPicked] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [prefer, setPrefer] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<MergeResult | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    unwrapWithEtag(api.GET('/contacts/{contact_id}/', { params: { path: { contact_id: id }, query: { expand: 'props' } } }))
      .then(async ({ data, etag }) => {
        setSurvivor({ contact: data, etag });
        const props = data.props.filter((p): p is Prop => typeof p !== 'string').map((p) => ({ key: p.key, value: p.value }));
        const found = await unwrap(api.POST('/contacts/dedupe/', { body: { name: data.name, type: data.type, props, limit: 10 } }));
        const offered = (found.results as Candidate[]).filter((c) => c.contact.id !== data.id && c.contact.type === data.type);
        setCandidates(offered);
        const wanted = preselect.filter((cid) => cid.toUpperCase() !== data.id).slice(0, MAX_MERGE);
        const loaded = await Promise.all(
          wanted.map((cid) => offered.find((c) => c.contact.id === cid.toUpperCase())?.contact ?? unwrap(api.GET('/contacts/{contact_id}/', { params: { path: { contact_id: cid } } }))),
        );
        if (loaded.length) setChosen(Object.fromEntries(loaded.map((c) => [c.id, c])));
      })
      .catch((err: unknown) => setLoadProblem(asProblem(err)));
  }, [id]);

  const participants = survivor ? [survivor.contact, ...Object.values(chosen)] : [];
  const byDefault = defaultSurvivor(participants);
  const survivorId = picked && participants.some((p) => p.id === picked) ? picked : (byDefault?.contact.id ?? id);
  const survivorContact = participants.find((p) => p.id === survivorId) ?? survivor?.contact;
  const ids = participants.map((p) => p.id).filter((pid) => pid !== survivorId);
  const names: Record<string, string> = Object.fromEntries(participants.map((p) => [p.id, p.name]));

  async function run(dryRun: boolean, preferNow = prefer) {
    if (!survivor) return;
    setBusy(true);
    setProblem(null);
    try {
      const result = (await unwrap(
        api.POST('/contacts/{contact_id}/merge/', {
          // If-Match where this page read the survivor (the contact it was opened from).
          params: { path: { contact_id: survivorId }, header: !dryRun && survivor.etag && survivorId === id ? { 'If-Match': survivor.etag } : {} },
          body: { merge_ids: ids, comment: comment.trim(), prefer: preferNow, dry_run: dryRun },
        }),
      )) as MergeResult;
      if (dryRun) setPreview(result);
      else navigate(`/merges/${result.merge.id}`);
    } catch (err) {
      setProblem(asProblem(err));
      if (dryRun) setPreview(null);
    } finally {
      setBusy(false);
    }
  }

  function toggle(contact: Contact, on: boolean) {
    setPreview(null);
    setChosen((old) => {
      const next = { ...old };
      if (on) next[contact.id] = contact;
      else delete next[contact.id];
      return next;
    });
  }

  if (loadProblem) {
    return (
      <ProblemView problem={loadProblem}>
        <Link href={`/contacts/${id}`}>Back to the contact</Link>
      </ProblemView>
    );
  }
  if (!survivor) return <Loading what="the contact and its likely duplicates" />;
  const s = survivor.contact;
  const target = survivorContact ?? s;
  const others = Object.values(chosen).filter((c) => !candidates.some((k) => k.contact.id === c.id));

  /** A contact found by search: loaded whole, for its approval state and age. */
  function add(cid: string) {
    if (!cid || cid === s.id || cid in chosen) return;
    unwrap(api.GET('/contacts/{contact_id}/', { params: { path: { contact_id: cid } } })).then((c) => toggle(c, true), (err: unknown) => setProblem(asProblem(err)));
  }

  return (
    <section aria-labelledby="merge-heading" class="merge">
      <p class="breadcrumb">
        {pairId ? <Link href={`/duplicates/${pairId}`}>← The duplicate pair</Link> : <Link href={`/contacts/${s.id}`}>← {s.name}</Link>}
      </p>
      <h1 id="merge-heading">Merge duplicates of {s.name}</h1>
      <p class="lead">
        One contact survives: it keeps its id and ref id. The others are merged into it and hidden; links to them open the survivor. A merge can be
        undone from its record.
      </p>

      <div class="card">
        <h2>Contacts to merge in</h2>
        {candidates.length === 0 ? (
          <p class="muted">No likely duplicates found for {s.name}. Find a contact below.</p>
        ) : (
          <ul class="plain-list merge-candidates">
            {candidates.map((c) => (
              <li key={c.contact.id}>
                <label class="check-row">
                  <input type="checkbox" checked={c.contact.id in chosen} disabled={!(c.contact.id in chosen) && ids.length >= MAX_MERGE} onChange={(e) => toggle(c.contact, e.currentTarget.checked)} />
                  <span>
                    <span class={`badge band-${c.band}`}>{c.band}</span> <strong>{c.contact.name}</strong> <span class="mono muted">{orDash(c.contact.ref_id)}</span>{' '}
                    <span class="muted">{c.contact.approval_status}, created {formatTime(c.contact.created_at)}</span>
                    <span class="reasons">{c.reasons.map(reasonText).join(' · ')}</span>
                  </span>
                </label>
              </li>
            ))}
            {others.map((c) => (
              <li key={c.id}>
                <label class="check-row">
                  <input type="checkbox" checked onChange={() => toggle(c, false)} />
                  <span><strong>{c.name}</strong> <span class="mono muted">{orDash(c.ref_id)}</span></span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {candidates.length === 0 && others.length > 0 && (
          <ul class="plain-list">
            {others.map((c) => (
              <li key={c.id}>
                <label class="check-row">
                  <input type="checkbox" checked onChange={() => toggle(c, false)} />
                  <span><strong>{c.name}</strong> <span class="mono muted">{orDash(c.ref_id)}</span></span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {ids.length < MAX_MERGE && (
          <ContactPicker id="merge-find" label="Add another contact" value="" chosenName="" onChange={(cid) => add(cid)} />
        )}
      </div>

      {participants.length > 1 && (
        <fieldset class="card survivor-choice">
          <legend>Survivor</legend>
          {participants.map((p) => (
            <label class="check-row" key={p.id}>
              <input type="radio" name="survivor" value={p.id} checked={p.id === survivorId} onChange={() => (setPicked(p.id), setPreview(null), setPrefer({}))} />
              <span>
                <strong>{p.name}</strong> <span class="mono muted">{orDash(p.ref_id)}</span> <span class="muted">{p.approval_status}, created {formatTime(p.created_at)}</span>
                {byDefault?.contact.id === p.id && <span class="default-reason"> — the default: {byDefault.reason}</span>}
              </span>
            </label>
          ))}
        </fieldset>
      )}

      <div class="card">
        <TextAreaField id="merge-comment" label="Comment" required rows={2} maxLength={500} value={comment} onInput={(v) => (setComment(v), setPreview(null))} hint="Why these are one borrower; kept in the merge record and the history." />
        <div class="form-buttons">
          <button type="button" class="button secondary" disabled={busy || ids.length === 0 || comment.trim() === ''} onClick={() => void run(true)}>
            Preview the merge
          </button>
          {ids.length === 0 && <span class="muted">Choose at least one contact.</span>}
        </div>
      </div>

      {problem && <MergeProblem problem={problem} />}

      {preview && (
        <div class="card merge-preview" aria-labelledby="preview-heading">
          <h2 id="preview-heading">Preview: nothing is written yet</h2>
          <Decisions merge={preview.merge} names={names} prefer={prefer} onPrefer={(field, winner) => {
            const next = { ...prefer, [field]: winner };
            setPrefer(next);
            void run(true, next);
          }} />
          <Movements merge={preview.merge} />
          <h3>{target.name} after the merge</h3>
          <ResultSummary contact={preview.contact} />
          <div class="form-buttons">
            <button type="button" class="button danger" disabled={busy} onClick={() => void run(false)}>
              Merge {ids.length === 1 ? '1 contact' : `${ids.length} contacts`} into {target.name}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

/** The approved contact (the one a credit team has vetted), else the oldest; and why. */
export function defaultSurvivor(contacts: Contact[]): { contact: Contact; reason: string } | null {
  if (contacts.length === 0) return null;
  const oldest = (list: Contact[]) => [...list].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))[0]!;
  const approved = contacts.filter((c) => c.approval_status === 'approved');
  if (approved.length === 1) return { contact: approved[0]!, reason: 'the approved one' };
  if (approved.length > 1) return { contact: oldest(approved), reason: 'the oldest of the approved ones' };
  return { contact: oldest(contacts), reason: 'the oldest' };
}

function MergeProblem({ problem }: { problem: Problem }) {
  const explain: Record<string, string> = {
    conflicting_identifier: 'Two different PANs are two tax identities. Choose which PAN the merged contact keeps, or do not merge.',
    precondition_failed: 'Someone changed the surviving contact since this page loaded. Reload the page and preview again.',
    merged: 'One of these contacts has been merged meanwhile.',
  };
  return (
    <ProblemView problem={problem}>
      {explain[problem.code] && <span>{explain[problem.code]}</span>}
      {problem.merged_into && <Link href={`/contacts/${problem.merged_into}`}>Open the contact it was merged into</Link>}
    </ProblemView>
  );
}

function Decisions({ merge, names, prefer, onPrefer }: { merge: Merge; names: Record<string, string>; prefer?: Record<string, string>; onPrefer?(field: string, winner: string): void }) {
  if (merge.decisions.length === 0) return <p class="muted">No conflicting values: every field keeps the one value the contacts agree on.</p>;
  const who = (cid: string) => names[cid] ?? cid;
  return (
    <table class="diff decisions">
      <caption>Conflicting values: which one the merged contact keeps</caption>
      <thead>
        <tr><th scope="col">Field</th><th scope="col">Kept</th><th scope="col">Dropped (kept in the merge record)</th></tr>
      </thead>
      <tbody>
        {merge.decisions.map((d) => (
          <tr key={d.field}>
            <th scope="row" class="mono">{d.field}</th>
            <td class="after">
              {formatValue(d.value)} <span class="muted">from {who(d.winner)}</span>
              {onPrefer && (
                <select aria-label={`Winner for ${d.field}`} value={prefer?.[d.field] ?? d.winner} onChange={(e) => onPrefer(d.field, e.currentTarget.value)}>
                  {[{ contact: d.winner, value: d.value }, ...d.dropped].map((o) => (
                    <option key={o.contact} value={o.contact}>Keep {formatValue(o.value)} ({who(o.contact)})</option>
                  ))}
                </select>
              )}
            </td>
            <td class="before">{d.dropped.map((o) => `${formatValue(o.value)} (${who(o.contact)})`).join('; ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Movements({ merge }: { merge: Merge }) {
  const n = (list: string[], one: string, many: string) => (list.length === 1 ? `1 ${one}` : `${list.length} ${many}`);
  const moved = [
    merge.moved.props.length && n(merge.moved.props, 'prop', 'props'),
    merge.moved.addresses.length && n(merge.moved.addresses, 'address', 'addresses'),
    merge.moved.banks.length && n(merge.moved.banks, 'bank account', 'bank accounts'),
    merge.moved.relations.length && n(merge.moved.relations, 'relation', 'relations'),
  ].filter(Boolean);
  const collapsed = [
    merge.collapsed.banks.length && `${n(merge.collapsed.banks, 'bank account', 'bank accounts')} with the same IFSC and account number`,
    merge.collapsed.relations.length && `${n(merge.collapsed.relations, 'relation', 'relations')} that became the same or a relation to itself`,
  ].filter(Boolean);
  return (
    <ul class="movements">
      <li>{moved.length ? `Moves to the survivor: ${moved.join(', ')}.` : 'Nothing moves: the merged contacts have no props, addresses, banks or relations of their own.'}</li>
      {collapsed.length > 0 && <li>Collapses into the survivor's: {collapsed.join('; ')}.</li>}
    </ul>
  );
}

function ResultSummary({ contact }: { contact: Contact }) {
  const props = contact.props.filter((p): p is Prop => typeof p !== 'string');
  return (
    <dl class="fields">
      <div class="field-row"><dt>Name</dt><dd>{contact.name}</dd></div>
      <div class="field-row"><dt>Ref id</dt><dd class="mono">{orDash(contact.ref_id)}</dd></div>
      <div class="field-row"><dt>Status</dt><dd>{contact.status}, {contact.approval_status}</dd></div>
      <div class="field-row"><dt>Tags</dt><dd>{contact.tags.length ? contact.tags.join(', ') : '—'}</dd></div>
      <div class="field-row wide">
        <dt>Props</dt>
        <dd>{props.length ? <ul class="inline-list">{props.map((p) => <li key={p.key}><span class="mono">{p.key}</span> {p.value}</li>)}</ul> : '—'}</dd>
      </div>
    </dl>
  );
}

/** A merge record: what the merge did, and Undo (or why it cannot be undone). */
export function MergeRecord({ id }: { id: string }) {
  const [merge, setMerge] = useState<Merge | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [comment, setComment] = useState('');
  const [undoing, setUndoing] = useState(false);
  const [busy, setBusy] = useState(false);

  function load() {
    unwrap(api.GET('/merges/{merge_id}/', { params: { path: { merge_id: id } } })).then(
      async (m) => {
        setMerge(m);
        // The survivor's name; merged contacts are named in the decisions when their names differed.
        const survivor = await unwrap(api.GET('/contacts/{contact_id}/', { params: { path: { contact_id: m.survivor } } })).catch(() => null);
        const found: Record<string, string> = {};
        for (const d of m.decisions.filter((x) => x.field === 'name')) {
          found[d.winner] = String(d.value);
          for (const o of d.dropped) found[o.contact] = String(o.value);
        }
        if (survivor && survivor.id === m.survivor) found[m.survivor] = survivor.name;
        setNames(found);
      },
      (err: unknown) => setLoadProblem(asProblem(err)),
    );
  }
  useEffect(load, [id]);

  async function undo() {
    setBusy(true);
    setProblem(null);
    try {
      setMerge(await unwrap(api.POST('/merges/{merge_id}/undo/', { params: { path: { merge_id: id } }, body: { comment: comment.trim() } })));
      setUndoing(false);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }

  if (loadProblem) {
    return (
      <ProblemView problem={loadProblem.status === 404 ? { ...loadProblem, title: 'Merge not found', detail: 'No merge has this id in your tenant.' } : loadProblem}>
        <Link href="/merges">All merges</Link>
      </ProblemView>
    );
  }
  if (!merge) return <Loading what="the merge" />;
  const who = (cid: string) => names[cid] ?? cid;

  return (
    <section aria-labelledby="merge-record-heading" class="merge">
      <p class="breadcrumb"><Link href="/merges">← Merges</Link> · <Link href="/duplicates">Duplicate queue</Link></p>
      <h1 id="merge-record-heading">Merge into {who(merge.survivor)}</h1>
      {merge.undone_at && (
        <p class="notice" role="status">
          Undone by {merge.undone_by} on {formatTime(merge.undone_at)}{merge.undo_comment ? `: “${merge.undo_comment}”` : ''}. Every contact is back as it was.
        </p>
      )}
      <div class="card">
        <dl class="fields">
          <div class="field-row"><dt>Survivor</dt><dd><Link href={`/contacts/${merge.survivor}`}>{who(merge.survivor)}</Link></dd></div>
          <div class="field-row">
            <dt>Merged in</dt>
            <dd>
              {merge.merged_ids.map((m, i) => (
                <span key={m}>{i > 0 && ', '}<Link href={`/contacts/${m}`}>{who(m)}</Link></span>
              ))}
            </dd>
          </div>
          <div class="field-row"><dt>By</dt><dd>{merge.created_by}, {formatTime(merge.created_at)}</dd></div>
          <div class="field-row"><dt>Comment</dt><dd>{merge.comment}</dd></div>
        </dl>
      </div>
      <div class="card">
        <h2>What the merge did</h2>
        <Decisions merge={merge} names={names} />
        <Movements merge={merge} />
      </div>
      {!merge.undone_at && (
        <div class="card">
          <h2>Undo</h2>
          <p class="hint">Brings every contact back exactly as it was before the merge, with what moved returned to its owner. Refused if anything the merge touched was written since.</p>
          {!undoing ? (
            <button type="button" class="button danger" onClick={() => setUndoing(true)}>Undo this merge</button>
          ) : (
            <>
              <TextAreaField id="undo-comment" label="Why undo it" required rows={2} maxLength={500} value={comment} onInput={setComment} error={problem?.errors?.comment?.join(' ')} />
              <div class="form-buttons">
                <button type="button" class="button danger" disabled={busy || comment.trim() === ''} onClick={() => void undo()}>Undo the merge</button>
                <button type="button" class="button secondary" disabled={busy} onClick={() => setUndoing(false)}>Cancel</button>
              </div>
            </>
          )}
          {problem && !problem.errors && <UndoRefused problem={problem} />}
        </div>
      )}
    </section>
  );
}

function UndoRefused({ problem }: { problem: Problem }) {
  const conflicts = problem.conflicts ?? [];
  const later = typeof problem.later_merge === 'string' ? problem.later_merge : null;
  return (
    <ProblemView problem={problem}>
      <div>
        {later && (
          <p>
            Undo the later merge first: <Link href={`/merges/${later}`}>open it</Link>.
          </p>
        )}
        {conflicts.length > 0 && (
          <>
            <p>Written since the merge (undoing would lose these changes):</p>
            <ul class="conflicts">
              {conflicts.map((c) => (
                <li key={c.object_id}>
                  {c.object_type} {c.object_type === 'contact' ? <Link href={`/contacts/${c.object_id}`} class="mono">{c.object_id}</Link> : <span class="mono">{c.object_id}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </ProblemView>
  );
}

/** Past merges, newest first; `?contact=` narrows to those a contact took part in. */
export function MergeList() {
  const params = new URLSearchParams(useSearch());
  const contact = params.get('contact') ?? '';
  const [page, setPage] = useState<{ results: Merge[]; count: number } | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    unwrap(api.GET('/merges/', { params: { query: { page_size: 50, ordering: '-created_at', ...(contact ? { contact } : {}) } } })).then(setPage, (err: unknown) => setProblem(asProblem(err)));
  }, [contact]);
  return (
    <section aria-labelledby="merges-heading">
      <div class="heading-row">
        <h1 id="merges-heading">Merges</h1>
        {page && <p class="count">{page.count === 1 ? '1 merge' : `${page.count} merges`}</p>}
      </div>
      {contact && <p>Merges of contact <span class="mono">{contact}</span> · <Link href="/merges">all merges</Link></p>}
      {problem && <ProblemView problem={problem} />}
      {!page && !problem && <Loading what="merges" />}
      {page && page.results.length === 0 && <Empty><p>No merges yet. Merge duplicates from a contact's page (Merge…).</p></Empty>}
      {page && page.results.length > 0 && (
        <table class="contacts">
          <thead><tr><th scope="col">When</th><th scope="col">Survivor</th><th scope="col">Merged in</th><th scope="col">By</th><th scope="col">Comment</th><th scope="col">State</th></tr></thead>
          <tbody>
            {page.results.map((m) => (
              <tr key={m.id}>
                <td data-label="When"><Link href={`/merges/${m.id}`}>{formatTime(m.created_at)}</Link></td>
                <td data-label="Survivor" class="mono"><Link href={`/contacts/${m.survivor}`}>{m.survivor}</Link></td>
                <td data-label="Merged in">{m.merged_ids.length}</td>
                <td data-label="By">{m.created_by}</td>
                <td data-label="Comment">{m.comment}</td>
                <td data-label="State">{m.undone_at ? <span class="badge inactive">Undone</span> : <span class="badge active">Merged</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
