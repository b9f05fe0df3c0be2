-- Idempotency keys (CONTRACT §6b, Stripe semantics): one row per (tenant, key), kept 24 h.
-- A row is claimed ('in_progress') before the handler runs and completed with the response
-- (2xx/4xx) after it; a 5xx outcome deletes the claim so the client may retry.

CREATE TABLE idempotency_keys (
  tenant_id         text        NOT NULL,
  key               text        NOT NULL,
  -- Request fingerprint: a reused key with another method, path or body is a 422.
  method            text        NOT NULL,
  path              text        NOT NULL,
  body_hash         text        NOT NULL,
  state             text        NOT NULL CHECK (state IN ('in_progress', 'completed')),
  -- Identifies the attempt holding the claim, so a stale attempt never overwrites a newer one.
  claim_id          text        NOT NULL,
  status            integer,
  response_headers  jsonb,
  response_body     text,
  created_at        timestamptz NOT NULL,
  completed_at      timestamptz,
  PRIMARY KEY (tenant_id, key),
  CHECK (state = 'in_progress' OR status IS NOT NULL)
);
-- The purge deletes expired rows across all tenants by age. Rows arrive in time order, so a BRIN
-- index is tiny and exact enough; it is the one index not led by tenant_id because the purge is
-- the one query not scoped to a tenant (it runs per shard on a distributed database).
CREATE INDEX idempotency_keys_created_brin ON idempotency_keys USING brin (created_at);
