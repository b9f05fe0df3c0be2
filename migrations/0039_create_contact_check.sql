-- A contact create in two round trips (issue 24): its one write statement (contact, ref id, props,
-- match keys, PAN holder check) travels with the audit entry, the event and the COMMIT in one
-- batch, so nothing in the service sees its result before the COMMIT runs. What would have made the
-- service stop is an error raised here instead: the server skips the rest of the batch (the COMMIT
-- included) and the transaction rolls back. The service reads the SQLSTATE and the detail.
--   CR001: a live contact holds one of the PANs (duplicate blocking); detail: its id.
--   CR002: the generated ref id is held by another contact; nothing was written (the service runs
--          the create again the long way, which skips ahead).
CREATE FUNCTION contact_create_check(p_inserted bigint, p_holder text) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  IF p_inserted = 0 THEN
    RAISE EXCEPTION 'ref id taken' USING ERRCODE = 'CR002';
  END IF;
  IF p_holder IS NOT NULL THEN
    RAISE EXCEPTION 'duplicate PAN' USING ERRCODE = 'CR001', DETAIL = p_holder;
  END IF;
  RETURN 1;
END $$;
