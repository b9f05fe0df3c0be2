-- Events and webhooks (docs/api.md, "Events and webhooks").
--
-- A change writes its event into event_outbox in the change's own transaction (src/changes): no
-- change without its event, no event without its change. The relay (src/worker/relay.ts) moves
-- committed outbox rows into `events`, one tenant at a time under an advisory lock, giving each
-- an id (a ULID) greater than every id the tenant's feed already holds. So the feed, read in id
-- order, only ever grows at its end: a reader that keeps passing the last id it saw never misses
-- an event and never sees one twice, however the writers' transactions interleave and commit.
-- The relay fans each event out to the tenant's matching webhooks in the same transaction.

CREATE TABLE event_outbox (
  tenant_id    text        NOT NULL,
  seq          bigint      GENERATED ALWAYS AS IDENTITY,
  type         text        NOT NULL,
  object_type  text        NOT NULL,
  object_id    text        NOT NULL,
  contact_id   text,
  data         jsonb       NOT NULL,
  request_id   text,
  user_id      text        NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE events (
  tenant_id    text        NOT NULL,
  id           text        NOT NULL,
  type         text        NOT NULL,
  object_type  text        NOT NULL,
  object_id    text        NOT NULL,
  contact_id   text,
  data         jsonb       NOT NULL,
  request_id   text,
  user_id      text        NOT NULL,
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_type_idx ON events (tenant_id, type, id);
CREATE INDEX events_object_idx ON events (tenant_id, object_id, id);
-- The retention purge deletes by age across tenants (as the idempotency purge does).
CREATE INDEX events_created_brin ON events USING brin (created_at);

CREATE TABLE webhooks (
  tenant_id        text        NOT NULL,
  id               text        NOT NULL,
  url              text        NOT NULL,
  -- Event types or `<prefix>.*` patterns; empty means every event.
  events           text[]      NOT NULL DEFAULT '{}',
  description      text,
  enabled          boolean     NOT NULL DEFAULT true,
  -- `whsec_…` (Standard Webhooks): the service signs with it, so it is kept, and shown only on
  -- create and rotation.
  secret           text        NOT NULL,
  disabled_reason  text,
  -- Start of the current run of failed attempts (null after any success): endpoints failing for
  -- WEBHOOK_DISABLE_AFTER_DAYS are disabled.
  failing_since    timestamptz,
  is_deleted       boolean     NOT NULL DEFAULT false,
  deleted_at       timestamptz,
  version          integer     NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL,
  created_by       text        NOT NULL,
  updated_at       timestamptz NOT NULL,
  updated_by       text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhooks_live_idx ON webhooks (tenant_id) WHERE NOT is_deleted AND enabled;

CREATE TABLE webhook_deliveries (
  tenant_id         text        NOT NULL,
  id                text        NOT NULL,
  webhook_id        text        NOT NULL,
  event_id          text        NOT NULL,
  status            text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  -- Attempts made so far.
  attempt           integer     NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz,
  -- A worker holding the delivery: it owns it until lease_until, then any worker may take it over.
  lease_owner       text,
  lease_until       timestamptz,
  last_status_code  integer,
  last_error        text,
  last_latency_ms   integer,
  last_attempt_at   timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id)
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (tenant_id, webhook_id, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (tenant_id, event_id);
-- Workers claim due deliveries across tenants (claim_webhook_deliveries below).
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['event_outbox', 'events', 'webhooks', 'webhook_deliveries']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
                      USING (tenant_id = current_setting('app.tenant_id', true))
                      WITH CHECK (tenant_id = current_setting('app.tenant_id', true))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO contact_registry_app', t);
  END LOOP;
END $$;

-- The worker's cross-tenant questions: which tenants have unpublished events, and which
-- deliveries are due. They run as the owner (row-level security would hide other tenants' rows)
-- and return only tenant and row ids; everything else happens in tenant transactions.

CREATE FUNCTION outbox_tenants(p_limit integer)
RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT DISTINCT tenant_id FROM event_outbox LIMIT p_limit
$$;

-- Leases up to p_limit due deliveries to p_owner for p_lease_ms. A lease that ran out (its
-- worker died or hung) makes the delivery due again.
CREATE FUNCTION claim_webhook_deliveries(p_owner text, p_limit integer, p_lease_ms double precision)
RETURNS TABLE (tenant_id text, id text) LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  UPDATE webhook_deliveries d
     SET lease_owner = p_owner, lease_until = clock_timestamp() + make_interval(secs => p_lease_ms / 1000)
    FROM (SELECT w.tenant_id, w.id FROM webhook_deliveries w
           WHERE w.status = 'pending' AND w.next_attempt_at <= clock_timestamp()
             AND (w.lease_until IS NULL OR w.lease_until < clock_timestamp())
           ORDER BY w.next_attempt_at
           LIMIT p_limit FOR UPDATE SKIP LOCKED) due
   WHERE d.tenant_id = due.tenant_id AND d.id = due.id
  RETURNING d.tenant_id, d.id
$$;

-- Retention: events (and their deliveries) older than p_ttl_ms, at most p_batch of each per call.
CREATE FUNCTION purge_old_events(p_ttl_ms double precision, p_batch integer)
RETURNS integer LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  cutoff timestamptz := clock_timestamp() - make_interval(secs => p_ttl_ms / 1000);
  n integer;
BEGIN
  DELETE FROM webhook_deliveries WHERE (tenant_id, id) IN (
    SELECT tenant_id, id FROM webhook_deliveries WHERE created_at < cutoff AND status <> 'pending' LIMIT p_batch);
  DELETE FROM events WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM events WHERE created_at < cutoff LIMIT p_batch);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

REVOKE EXECUTE ON FUNCTION outbox_tenants(integer), claim_webhook_deliveries(text, integer, double precision),
  purge_old_events(double precision, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_tenants(integer), claim_webhook_deliveries(text, integer, double precision),
  purge_old_events(double precision, integer) TO contact_registry_app;
