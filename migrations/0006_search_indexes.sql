-- Contact search runs as indexed UNION branches; the ref id branch (ILIKE '%…%') needs a trigram index.
CREATE INDEX contacts_ref_id_trgm_idx ON contacts USING gin (tenant_id, ref_id gin_trgm_ops) WHERE NOT is_deleted;
