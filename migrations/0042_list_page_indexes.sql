-- Contact lists at any tenant size (issue 24): every ordering the API allows (created_at,
-- updated_at, name, ref_id; either direction, the id breaking ties) has an index with tenant_id
-- leading and the id as its last key, so the page comes from the index in order, with no sort;
-- the structured filters (status, type, approval_status, namespace) are INCLUDEd, so a filtered
-- page and the rows a deep page skips are read from the index alone (an index-only scan) without
-- visiting the table. The list statement chooses the page's ids that way first and reads the
-- table only for the page's rows (src/db/paged.ts, pageIds).
-- No new index: the four ordering indexes are rebuilt wider, and the namespace index gets the id
-- tie-breaker. Every contact write already updates updated_at, so none of them was a HOT update.
-- The name index also includes the name: an index-only scan cannot compute lower(name) from the
-- expression column, only from the column it is made of.

DROP INDEX contacts_created_idx;
CREATE INDEX contacts_created_idx ON contacts (tenant_id, created_at DESC, id DESC)
  INCLUDE (status, type, approval_status, namespace_id) WHERE NOT is_deleted;

DROP INDEX contacts_updated_idx;
CREATE INDEX contacts_updated_idx ON contacts (tenant_id, updated_at DESC, id DESC)
  INCLUDE (status, type, approval_status, namespace_id) WHERE NOT is_deleted;

DROP INDEX contacts_name_idx;
CREATE INDEX contacts_name_idx ON contacts (tenant_id, lower(name), id)
  INCLUDE (name, status, type, approval_status, namespace_id) WHERE NOT is_deleted;

DROP INDEX contacts_ref_id_idx;
CREATE INDEX contacts_ref_id_idx ON contacts (tenant_id, ref_id, id)
  INCLUDE (status, type, approval_status, namespace_id) WHERE NOT is_deleted;

DROP INDEX contacts_namespace_idx;
CREATE INDEX contacts_namespace_idx ON contacts (tenant_id, namespace_id, created_at DESC, id DESC)
  INCLUDE (status, type, approval_status) WHERE NOT is_deleted;
