-- The per-tenant rate limit, shared by every node (src/http/rate-limit-store.ts): each node counts
-- requests in memory and adds its counts here a few times a second, reading back the totals of
-- all nodes. Keys are tenant ids (or client addresses), so the table is cross-tenant by design and
-- only reachable through the function below, which runs as the owner.
CREATE TABLE rate_limit_windows (
  key        text    NOT NULL,
  -- floor(epoch ms / window length): the fixed window the counts belong to.
  window_no  bigint  NOT NULL,
  hits       bigint  NOT NULL,
  PRIMARY KEY (key, window_no)
);

-- Adds each node's new hits (0 to only read) and returns the totals; drops windows long past.
CREATE FUNCTION rate_limit_add(p_keys text[], p_windows bigint[], p_hits bigint[])
RETURNS TABLE (key text, window_no bigint, hits bigint) LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM rate_limit_windows w WHERE w.window_no < (SELECT min(x) - 1 FROM unnest(p_windows) AS x);
  RETURN QUERY
  INSERT INTO rate_limit_windows AS w (key, window_no, hits)
  SELECT k, n, h FROM unnest(p_keys, p_windows, p_hits) AS u(k, n, h)
  ON CONFLICT ON CONSTRAINT rate_limit_windows_pkey DO UPDATE SET hits = w.hits + EXCLUDED.hits
  RETURNING w.key, w.window_no, w.hits;
END $$;

REVOKE ALL ON rate_limit_windows FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION rate_limit_add(text[], bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rate_limit_add(text[], bigint[], bigint[]) TO contact_registry_app;
