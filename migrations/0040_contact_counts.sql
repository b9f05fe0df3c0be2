-- Exact contact counts that do not scan (issue 24): the number of live contacts (NOT is_deleted,
-- which also leaves out contacts merged into another) of a tenant per combination of the list's
-- structured filters — namespace, status, type and approval status. A list filtered by those alone
-- (or not at all) sums these rows instead of counting the tenant's contacts (listContacts in
-- src/resources/contacts/contacts.queries.ts).
--
-- Each combination has up to 16 rows ("slots"); the count is their sum, and a single slot may be
-- negative. A writer adds its change to one slot, chosen with a transaction advisory lock it tries
-- on the slots in turn, so concurrent writers of the same combination (every create of a tenant
-- lands in one combination) update different rows instead of queueing on one row lock until each
-- other's commit. Only when all 16 are taken does a writer share a slot and wait.
--
-- Kept by statement-level triggers, in the writing transaction: every statement that writes
-- contacts (a create, an action, a merge's bulk update, an import batch, a repair) adds its net
-- change per combination, read from its transition tables, so the counts commit with the rows or
-- not at all. The one derived item kept by the database rather than by derived.ts
-- (docs/architecture.md, "Derived data"): a count depends on every row write of the table, not on
-- one contact's own data. `contact-registry verify` compares the counts with count(*) per
-- combination; contact_counts_rebuild(tenant) recomputes a tenant's from its contacts.
--
-- The service role reads the counts (row-level security, as every tenant table) and never writes
-- them: the trigger functions run as the owner (SECURITY DEFINER).

CREATE TABLE contact_counts (
  tenant_id        text     NOT NULL,
  namespace_id     text     NOT NULL,
  status           text     NOT NULL,
  type             text     NOT NULL,
  approval_status  text     NOT NULL,
  slot             smallint NOT NULL CHECK (slot BETWEEN 0 AND 15),
  n                bigint   NOT NULL,
  PRIMARY KEY (tenant_id, namespace_id, status, type, approval_status, slot)
);

ALTER TABLE contact_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_counts
  USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT ON contact_counts TO contact_registry_app;

-- Adds a statement's net change per combination. The advisory locks are the two-key form
-- (key1 = the combination's hash, key2 = the slot), a key space no other lock of the service uses
-- (those take one bigint key); a hash collision between two combinations only makes a writer skip
-- a slot it could have used. Locks are re-entrant: a transaction writing the same combination again
-- gets the slot it already holds. Combinations are visited in one order, so two transactions that
-- both have to wait for a shared slot wait in the same order. A statement-level trigger has only
-- the transition tables of its event, and a query naming one that is absent does not parse: hence
-- one query per event, read through one cursor.
CREATE FUNCTION contact_counts_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  d refcursor;
  r record;
  k integer;
  s integer;
  start_slot integer := pg_backend_pid() % 16;
  chosen integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    OPEN d FOR
      SELECT x.tenant_id, x.namespace_id, x.status, x.type, x.approval_status, count(*) AS n
        FROM new_rows x WHERE NOT x.is_deleted
       GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
  ELSIF TG_OP = 'DELETE' THEN
    OPEN d FOR
      SELECT x.tenant_id, x.namespace_id, x.status, x.type, x.approval_status, -count(*) AS n
        FROM old_rows x WHERE NOT x.is_deleted
       GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
  ELSE
    OPEN d FOR
      SELECT y.tenant_id, y.namespace_id, y.status, y.type, y.approval_status, sum(y.n) AS n
        FROM (SELECT x.tenant_id, x.namespace_id, x.status, x.type, x.approval_status, 1 AS n FROM new_rows x WHERE NOT x.is_deleted
              UNION ALL
              SELECT x.tenant_id, x.namespace_id, x.status, x.type, x.approval_status, -1 AS n FROM old_rows x WHERE NOT x.is_deleted) y
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(y.n) <> 0 ORDER BY 1, 2, 3, 4, 5;
  END IF;
  LOOP
    FETCH d INTO r;
    EXIT WHEN NOT FOUND;
    k := hashtext(r.tenant_id || '/' || r.namespace_id || '/' || r.status || '/' || r.type || '/' || r.approval_status);
    chosen := start_slot;
    FOR i IN 0..15 LOOP
      s := (start_slot + i) % 16;
      IF pg_try_advisory_xact_lock(k, s) THEN
        chosen := s;
        EXIT;
      END IF;
    END LOOP;
    INSERT INTO contact_counts AS c (tenant_id, namespace_id, status, type, approval_status, slot, n)
    VALUES (r.tenant_id, r.namespace_id, r.status, r.type, r.approval_status, chosen, r.n)
    ON CONFLICT (tenant_id, namespace_id, status, type, approval_status, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  END LOOP;
  CLOSE d;
  RETURN NULL;
END $$;

-- Writers of contacts hold ROW EXCLUSIVE until they commit; the backfill below (and a rebuild)
-- holds SHARE ROW EXCLUSIVE, which waits for those in flight and keeps new ones out meanwhile.
LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_counts_apply();
CREATE TRIGGER contact_counts_update AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_counts_apply();
CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_counts_apply();

INSERT INTO contact_counts (tenant_id, namespace_id, status, type, approval_status, slot, n)
SELECT tenant_id, namespace_id, status, type, approval_status, 0, count(*)
  FROM contacts WHERE NOT is_deleted
 GROUP BY tenant_id, namespace_id, status, type, approval_status;

-- Recomputes a tenant's counts from its contacts (`contact-registry verify --repair`), for the
-- tenant the transaction is set to only. Returns the number of combinations written.
CREATE FUNCTION contact_counts_rebuild(p_tenant text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  written integer;
BEGIN
  IF p_tenant IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RAISE EXCEPTION 'contact_counts_rebuild: the transaction is not set to tenant %', p_tenant USING ERRCODE = '42501';
  END IF;
  LOCK TABLE contacts IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM contact_counts WHERE tenant_id = p_tenant;
  INSERT INTO contact_counts (tenant_id, namespace_id, status, type, approval_status, slot, n)
  SELECT tenant_id, namespace_id, status, type, approval_status, 0, count(*)
    FROM contacts WHERE tenant_id = p_tenant AND NOT is_deleted
   GROUP BY tenant_id, namespace_id, status, type, approval_status;
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END $$;

REVOKE EXECUTE ON FUNCTION contact_counts_apply(), contact_counts_rebuild(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contact_counts_rebuild(text) TO contact_registry_app;
