-- Each tenant's idempotency storage is capped (src/http/idempotency.ts): beyond the newest
-- p_max completed keys of a tenant, the oldest go first. Runs with the expiry purge, across
-- tenants, so as the owner (row-level security would confine it to one tenant).
CREATE FUNCTION cap_idempotency_keys(p_max integer, p_batch integer)
RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  n integer;
BEGIN
  DELETE FROM idempotency_keys k USING (
    SELECT ranked.tenant_id, ranked.key FROM (
      SELECT tenant_id, key, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at DESC, key) AS rn
        FROM idempotency_keys WHERE state = 'completed') ranked
     WHERE ranked.rn > p_max LIMIT p_batch) old
   WHERE k.tenant_id = old.tenant_id AND k.key = old.key;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

REVOKE EXECUTE ON FUNCTION cap_idempotency_keys(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cap_idempotency_keys(integer, integer) TO contact_registry_app;
