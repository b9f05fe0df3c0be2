-- Uploads that stopped mid-stream (CONTRACT §10, issue 20). A job is `receiving` while its file
-- streams in; the receiving process renews `lease_until` with every batch of rows it stages. When
-- that process dies (SIGKILL, a crash, the machine gone), nobody deletes the job: it would stay
-- invisible with its staged rows forever. The worker asks this function which uploads have sent
-- nothing for their timeout and fails them in tenant transactions. Jobs staged before this
-- migration have no lease: their timeout counts from created_at.
--
-- PL/pgSQL (not SQL): the body is checked at its first call, so this file may run before
-- 0035_imports.sql creates import_jobs (a new database applies migrations in name order).

CREATE FUNCTION stale_import_uploads(p_timeout_ms double precision, p_limit integer)
RETURNS TABLE (tenant_id text, id text) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  RETURN QUERY
    SELECT j.tenant_id, j.id FROM import_jobs j
     WHERE j.status = 'receiving'
       AND coalesce(j.lease_until, j.created_at + make_interval(secs => p_timeout_ms / 1000)) < clock_timestamp()
     ORDER BY j.created_at
     LIMIT p_limit;
END
$$;

REVOKE EXECUTE ON FUNCTION stale_import_uploads(double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stale_import_uploads(double precision, integer) TO contact_registry_app;
