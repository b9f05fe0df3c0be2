-- Every lookup of a match key by value wants the holder: the dedupe candidate query's shared-
-- identifier pass, the create path's PAN-holder check and dedupe-scan's identifier groups. With
-- the contact id in the index those read index entries alone instead of one heap page per key
-- (EXPLAIN ANALYZE over 300 labelled queries at a million contacts: 0.44 ms of the candidate
-- query's 3.1 ms went to that pass's heap reads). Same key as before; the name key (0012) stays
-- out: widening the index with it too doubled it, which slowed the scan's pass over it.
DROP INDEX contact_match_keys_lookup_idx;
CREATE INDEX contact_match_keys_lookup_idx ON contact_match_keys (tenant_id, kind, value) INCLUDE (contact_id);
