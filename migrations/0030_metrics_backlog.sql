-- For GET /metrics: how much of the event pipeline is still to do, across tenants (row-level
-- security would confine the service role to one tenant; this returns only two counts).
CREATE FUNCTION event_backlog()
RETURNS TABLE (outbox bigint, deliveries bigint) LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT (SELECT count(*) FROM event_outbox), (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')
$$;
REVOKE EXECUTE ON FUNCTION event_backlog() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION event_backlog() TO contact_registry_app;
