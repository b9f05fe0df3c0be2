-- Row-level security: a second tenant guard behind the `tenant_id` filter every query has.
-- The service sets `app.tenant_id` transaction-locally before each tenant's statements
-- (src/db: Database.forTenant); the policies admit that tenant's rows only, for reading and for
-- writing. With the setting absent no row is visible and none can be written.
--
-- Policies bind roles that are neither superuser, BYPASSRLS nor the tables' owner. So the
-- service should connect as a login role that is a member of `contact_registry_app` (created
-- here, NOLOGIN), while migrations run as the owner (README, "Row-level security"). The test
-- suite runs every PostgreSQL API test that way. PGlite runs as superuser: there the policies
-- exist but do not bind.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contact_registry_app') THEN
    CREATE ROLE contact_registry_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object THEN
  NULL; -- created meanwhile by the migration of another database in this cluster
END $$;

DO $$
DECLARE
  t text;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO contact_registry_app', current_schema());
  FOREACH t IN ARRAY ARRAY['namespaces', 'contacts', 'contact_ref_ids', 'contact_props', 'audit_log',
                           'contact_addresses', 'contact_banks', 'contact_relations',
                           'contact_match_keys', 'idempotency_keys']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
                      USING (tenant_id = current_setting('app.tenant_id', true))
                      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO contact_registry_app', t);
  END LOOP;
END $$;

-- No ALTER DEFAULT PRIVILEGES on purpose: a table added later stays out of the service's reach
-- until its migration enables row-level security, adds the policy and grants it, like the above.

-- The service checks at start-up that no migration is pending (src/db/migrate.ts).
GRANT SELECT ON schema_migrations TO contact_registry_app;

-- Under row-level security PostgreSQL evaluates the policy before any condition that is not
-- LEAKPROOF, and such a condition can then no longer drive an index scan: LIKE, lower(), array
-- overlap and pg_trgm all qualify, so a search would read every row of the tenant. The searches
-- that rely on those indexes run in these SECURITY DEFINER functions, which read as the owner,
-- filter by tenant themselves and answer only for the tenant the transaction is set to.

-- Contact ids whose name or ref id matches a LIKE pattern, or with a prop value equal to `exact`
-- (case-insensitively; `exact` is lower-case). Deleted contacts are left out, props are not:
-- the caller joins to live contacts. PL/pgSQL rather than SQL: a SECURITY DEFINER SQL function is
-- never inlined and would be planned again on every call; PL/pgSQL keeps its plans per connection.
CREATE FUNCTION contact_search_ids(p_tenant text, p_like text, p_exact text)
RETURNS SETOF text LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100 SET search_path FROM CURRENT AS $$
BEGIN
  IF p_tenant IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT s.id FROM contacts s WHERE s.tenant_id = p_tenant AND NOT s.is_deleted AND lower(s.name) LIKE lower(p_like)
    UNION
    SELECT s.id FROM contacts s WHERE s.tenant_id = p_tenant AND NOT s.is_deleted AND s.ref_id ILIKE p_like
    UNION
    SELECT sp.contact_id FROM contact_props sp WHERE sp.tenant_id = p_tenant AND lower(sp.value) = p_exact;
END $$;

-- Live contact ids carrying any of the tags.
CREATE FUNCTION contact_ids_tagged(p_tenant text, p_tags text[])
RETURNS SETOF text LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 1000 SET search_path FROM CURRENT AS $$
BEGIN
  IF p_tenant IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT c.id FROM contacts c WHERE c.tenant_id = p_tenant AND NOT c.is_deleted AND c.tags && p_tags;
END $$;

-- The one cross-tenant statement of the service: expired idempotency keys of every tenant go.
CREATE FUNCTION purge_expired_idempotency_keys(p_ttl_ms double precision, p_batch integer)
RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  n integer;
BEGIN
  DELETE FROM idempotency_keys k
   USING (SELECT tenant_id, key FROM idempotency_keys
           WHERE created_at < now() - p_ttl_ms * interval '1 millisecond' LIMIT p_batch) old
   WHERE k.tenant_id = old.tenant_id AND k.key = old.key;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

REVOKE EXECUTE ON FUNCTION contact_search_ids(text, text, text), contact_ids_tagged(text, text[]),
                           purge_expired_idempotency_keys(double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contact_search_ids(text, text, text), contact_ids_tagged(text, text[]),
                          purge_expired_idempotency_keys(double precision, integer) TO contact_registry_app;
