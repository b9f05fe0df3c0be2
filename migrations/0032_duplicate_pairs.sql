-- Duplicate pairs: the review queue of CONTRACT §8.1 (docs/api.md, "Duplicate pairs").
--
-- A pair is two contacts of one tenant that dedupe scored `possible` or better, stored once per
-- (tenant, contact_a, contact_b) with contact_a < contact_b (ids compared as strings, byte order:
-- the ids are ULIDs, so "C" collation is what JavaScript's < compares too).
CREATE TABLE duplicate_pairs (
  tenant_id    text             NOT NULL,
  id           text             NOT NULL,
  contact_a    text             NOT NULL,
  contact_b    text             NOT NULL,
  score        double precision NOT NULL CHECK (score >= 0 AND score <= 1),
  band         text             NOT NULL CHECK (band IN ('exact', 'probable', 'possible')),
  reasons      jsonb            NOT NULL DEFAULT '[]',
  status       text             NOT NULL CHECK (status IN ('open', 'dismissed', 'merged')),
  source       text             NOT NULL CHECK (source IN ('write', 'scan', 'override')),
  comment      text,
  version      integer          NOT NULL DEFAULT 1,
  created_at   timestamptz      NOT NULL,
  updated_at   timestamptz      NOT NULL,
  resolved_at  timestamptz,
  resolved_by  text,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, contact_a, contact_b),
  CHECK (contact_a COLLATE "C" < contact_b COLLATE "C"),
  FOREIGN KEY (tenant_id, contact_a) REFERENCES contacts (tenant_id, id),
  FOREIGN KEY (tenant_id, contact_b) REFERENCES contacts (tenant_id, id)
);
-- The `contact` filter and a merge's re-pointing look pairs up from either side.
CREATE INDEX duplicate_pairs_b_idx ON duplicate_pairs (tenant_id, contact_b);
-- The default list: open pairs, best first.
CREATE INDEX duplicate_pairs_queue_idx ON duplicate_pairs (tenant_id, status, score DESC, id DESC);

-- Pending write checks: a write that may have made a contact a duplicate records its contact
-- here in the write's own transaction (src/changes), so the check survives a crash or restart;
-- a worker matches the contact after commit and deletes the row. `generation` grows when a write
-- touches a contact already pending: a worker that checked an older generation leaves the row for
-- another pass instead of losing the newer write.
CREATE TABLE duplicate_checks (
  tenant_id    text        NOT NULL,
  contact_id   text        NOT NULL,
  generation   integer     NOT NULL DEFAULT 1,
  queued_at    timestamptz NOT NULL,
  attempts     integer     NOT NULL DEFAULT 0,
  lease_owner  text,
  lease_until  timestamptz,
  PRIMARY KEY (tenant_id, contact_id)
);
CREATE INDEX duplicate_checks_due_idx ON duplicate_checks (queued_at);

-- Whole-tenant scans (POST /duplicates/scan/), run by the worker. At most one queued or running
-- scan per tenant: the partial unique index makes a second POST fail, and the API names the first.
CREATE TABLE duplicate_scans (
  tenant_id    text        NOT NULL,
  id           text        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  min_band     text        NOT NULL CHECK (min_band IN ('probable', 'possible')),
  progress     jsonb       NOT NULL DEFAULT '{}',
  counts       jsonb       NOT NULL DEFAULT '{}',
  error        text,
  attempts     integer     NOT NULL DEFAULT 0,
  lease_owner  text,
  lease_until  timestamptz,
  started_at   timestamptz,
  finished_at  timestamptz,
  created_at   timestamptz NOT NULL,
  created_by   text        NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX duplicate_scans_one_active ON duplicate_scans (tenant_id) WHERE status IN ('queued', 'running');
CREATE INDEX duplicate_scans_due_idx ON duplicate_scans (created_at) WHERE status IN ('queued', 'running');

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['duplicate_pairs', 'duplicate_checks', 'duplicate_scans']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
                      USING (tenant_id = current_setting('app.tenant_id', true))
                      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO contact_registry_app', t);
  END LOOP;
END $$;

-- The worker's cross-tenant claims (as claim_webhook_deliveries in 0016): they run as the owner and
-- return only tenant and row ids; the work itself happens in tenant transactions. A lease that ran
-- out (its worker died) makes the row claimable again; a check that failed p_max_attempts times
-- is left for the operator (it stays in the table, visible to the integrity check and metrics).
CREATE FUNCTION claim_duplicate_checks(p_owner text, p_limit integer, p_lease_ms double precision, p_max_attempts integer)
RETURNS TABLE (tenant_id text, contact_id text, generation integer) LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  UPDATE duplicate_checks d
     SET lease_owner = p_owner, lease_until = clock_timestamp() + make_interval(secs => p_lease_ms / 1000), attempts = d.attempts + 1
    FROM (SELECT c.tenant_id, c.contact_id FROM duplicate_checks c
           WHERE (c.lease_until IS NULL OR c.lease_until < clock_timestamp()) AND c.attempts < p_max_attempts
           ORDER BY c.queued_at
           LIMIT p_limit FOR UPDATE SKIP LOCKED) due
   WHERE d.tenant_id = due.tenant_id AND d.contact_id = due.contact_id
  RETURNING d.tenant_id, d.contact_id, d.generation
$$;

CREATE FUNCTION claim_duplicate_scan(p_owner text, p_lease_ms double precision, p_max_attempts integer)
RETURNS TABLE (tenant_id text, id text) LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  -- A scan whose workers kept dying fails, so that it no longer holds the tenant's one scan slot.
  WITH given_up AS (
    UPDATE duplicate_scans SET status = 'failed', error = 'The scan was interrupted too often.', finished_at = clock_timestamp(),
           updated_at = clock_timestamp(), lease_owner = NULL, lease_until = NULL
     WHERE status IN ('queued', 'running') AND attempts >= p_max_attempts AND (lease_until IS NULL OR lease_until < clock_timestamp())
    RETURNING 1)
  UPDATE duplicate_scans s
     SET lease_owner = p_owner, lease_until = clock_timestamp() + make_interval(secs => p_lease_ms / 1000), attempts = s.attempts + 1
    FROM (SELECT j.tenant_id, j.id FROM duplicate_scans j
           WHERE j.status IN ('queued', 'running') AND (j.lease_until IS NULL OR j.lease_until < clock_timestamp())
             AND j.attempts < p_max_attempts
           ORDER BY j.created_at
           LIMIT 1 FOR UPDATE SKIP LOCKED) due
   WHERE s.tenant_id = due.tenant_id AND s.id = due.id
  RETURNING s.tenant_id, s.id
$$;

REVOKE EXECUTE ON FUNCTION claim_duplicate_checks(text, integer, double precision, integer), claim_duplicate_scan(text, double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_duplicate_checks(text, integer, double precision, integer), claim_duplicate_scan(text, double precision, integer) TO contact_registry_app;
