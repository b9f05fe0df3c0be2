-- Merge and undo (CONTRACT §8.2, §8.3; docs/api.md, "Resolving duplicates").
--
-- A merged contact (a victim) keeps its row: it is stored soft-deleted (is_deleted, deleted_at =
-- merged_at), so every rule that already speaks of live contacts — lists, expands, dedupe
-- candidates, PAN blocking, live-row uniqueness — leaves it out with no query changed, and
-- merged_into says where its data went. The survivor lists every contact ever merged into it.
ALTER TABLE contacts
  ADD COLUMN merged_into text,
  ADD COLUMN merged_at   timestamptz,
  ADD COLUMN merged_ids  text[] NOT NULL DEFAULT '{}';

-- One row per merge. `snapshot` holds the rows of every object the merge changed exactly as they
-- were before it (contacts, props, addresses, banks, relations: to_jsonb of the table rows), and
-- `after_versions` the versions the merge left them at: undo restores the snapshot, and refuses
-- when a version moved since (someone wrote the object after the merge).
CREATE TABLE merges (
  tenant_id       text        NOT NULL,
  id              text        NOT NULL,
  survivor_id     text        NOT NULL,
  merged_ids      text[]      NOT NULL,
  -- survivor and victims: the `contact` filter and the later-merge check read it.
  contact_ids     text[]      NOT NULL,
  comment         text        NOT NULL,
  decisions       jsonb       NOT NULL,
  moved           jsonb       NOT NULL,
  collapsed       jsonb       NOT NULL,
  snapshot        jsonb       NOT NULL,
  after_versions  jsonb       NOT NULL,
  created_at      timestamptz NOT NULL,
  created_by      text        NOT NULL,
  undone_at       timestamptz,
  undone_by       text,
  undo_comment    text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, survivor_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX merges_created_idx ON merges (tenant_id, created_at DESC, id DESC);
CREATE INDEX merges_contacts_idx ON merges USING gin (tenant_id, contact_ids);

ALTER TABLE merges ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON merges
  USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
GRANT SELECT, INSERT, UPDATE, DELETE ON merges TO contact_registry_app;
