-- Bulk import (CONTRACT §10). The upload stages the file's rows here (parsed, not yet applied);
-- the worker applies them in batches. Each batch commits its rows' writes, their outcomes and
-- the job's position and counts in one transaction, so a worker killed mid-job leaves the job at
-- its last committed batch, and whoever takes the job over continues from there: no row is
-- written twice, none is lost.

CREATE TABLE import_jobs (
  tenant_id text NOT NULL,
  id text NOT NULL,
  -- `receiving`: the upload is still streaming in; the job is not listed nor claimed until it
  -- is `queued` (an upload that fails or is refused deletes its job).
  status text NOT NULL CHECK (status IN ('receiving', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
  format text NOT NULL CHECK (format IN ('csv', 'ndjson')),
  dry_run boolean NOT NULL,
  namespace text,
  match_on text NOT NULL CHECK (match_on IN ('none', 'ref_id', 'pan')),
  on_duplicate text NOT NULL CHECK (on_duplicate IN ('block', 'skip', 'allow')),
  reason text,
  rows integer NOT NULL DEFAULT 0,
  -- The last row (1-based data row number) whose outcome is committed: the resume point.
  position integer NOT NULL DEFAULT 0,
  created integer NOT NULL DEFAULT 0,
  updated integer NOT NULL DEFAULT 0,
  unchanged integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  error jsonb,
  lease_owner text,
  lease_until timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX import_jobs_claimable_idx ON import_jobs (created_at) WHERE status IN ('queued', 'running');

CREATE TABLE import_rows (
  tenant_id text NOT NULL,
  import_id text NOT NULL,
  row integer NOT NULL,
  line integer,
  -- The row as parsed (a contact body), or null when it could not be parsed (then `errors`).
  data jsonb,
  outcome text CHECK (outcome IN ('created', 'updated', 'unchanged', 'skipped', 'failed')),
  contact_id text,
  errors jsonb,
  duplicate_of text,
  PRIMARY KEY (tenant_id, import_id, row),
  FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX import_rows_outcome_idx ON import_rows (tenant_id, import_id, outcome, row);

-- A dry run writes nothing, so a later row cannot see what an earlier row would have written:
-- the keys (PANs, ref ids) of the rows a dry run would have written are kept here instead.
CREATE TABLE import_dry_keys (
  tenant_id text NOT NULL,
  import_id text NOT NULL,
  kind text NOT NULL,
  value text NOT NULL,
  row integer NOT NULL,
  PRIMARY KEY (tenant_id, import_id, kind, value),
  FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['import_jobs', 'import_rows', 'import_dry_keys']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
                      USING (tenant_id = current_setting('app.tenant_id', true))
                      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO contact_registry_app', t);
  END LOOP;
END $$;

-- The worker's one cross-tenant question: which job to run next. Leases one queued job, or a
-- running one whose lease ran out (its worker died), to p_owner; everything else happens in
-- tenant transactions. Returns tenant and job ids only.
CREATE FUNCTION claim_import_job(p_owner text, p_lease_ms double precision)
RETURNS TABLE (tenant_id text, id text) LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  UPDATE import_jobs j
     SET lease_owner = p_owner, lease_until = clock_timestamp() + make_interval(secs => p_lease_ms / 1000),
         status = 'running', started_at = coalesce(j.started_at, clock_timestamp())
    FROM (SELECT w.tenant_id, w.id FROM import_jobs w
           WHERE w.status IN ('queued', 'running') AND (w.lease_until IS NULL OR w.lease_until < clock_timestamp())
           ORDER BY w.created_at
           LIMIT 1 FOR UPDATE SKIP LOCKED) due
   WHERE j.tenant_id = due.tenant_id AND j.id = due.id
  RETURNING j.tenant_id, j.id
$$;

REVOKE EXECUTE ON FUNCTION claim_import_job(text, double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_import_job(text, double precision) TO contact_registry_app;
