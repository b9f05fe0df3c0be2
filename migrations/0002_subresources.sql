-- Sub-resources of a contact: addresses, bank accounts, relations (CONTRACT §4).
-- Same rules as 0001: tenant_id leads every primary key, unique index, foreign key and index.
-- Rows are soft-deleted; uniqueness holds among live rows only. Rows whose owning contact is
-- soft-deleted are kept as they are (hidden by the queries) so a restore brings them back intact.

CREATE TABLE contact_addresses (
  tenant_id     text        NOT NULL,
  id            text        NOT NULL,
  contact_id    text        NOT NULL,
  address_line  text,
  city          text,
  state         text,
  pincode       text,
  country       text,
  coords        jsonb,
  codes         jsonb       NOT NULL DEFAULT '{}',
  tags          text[]      NOT NULL DEFAULT '{}',
  is_deleted    boolean     NOT NULL DEFAULT false,
  deleted_at    timestamptz,
  version       integer     NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL,
  created_by    text        NOT NULL,
  updated_at    timestamptz NOT NULL,
  updated_by    text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX contact_addresses_contact_idx ON contact_addresses (tenant_id, contact_id, created_at, id) WHERE NOT is_deleted;
CREATE INDEX contact_addresses_created_idx ON contact_addresses (tenant_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contact_addresses_updated_idx ON contact_addresses (tenant_id, updated_at DESC, id DESC) WHERE NOT is_deleted;
-- `search` is a substring match (ILIKE) on any of five columns: one multi-column trigram index
-- lets the planner OR per-column bitmap scans together.
CREATE INDEX contact_addresses_search_idx ON contact_addresses USING gin (
  tenant_id, address_line gin_trgm_ops, city gin_trgm_ops, state gin_trgm_ops, country gin_trgm_ops, pincode gin_trgm_ops
) WHERE NOT is_deleted;
CREATE INDEX contact_addresses_tags_idx ON contact_addresses USING gin (tenant_id, tags) WHERE NOT is_deleted;

CREATE TABLE contact_banks (
  tenant_id            text        NOT NULL,
  id                   text        NOT NULL,
  contact_id           text        NOT NULL,
  account_holder_name  text        NOT NULL,
  account_no           text        NOT NULL,
  ifsc                 text        NOT NULL,
  bank_name            text,
  branch_name          text,
  account_type         text        NOT NULL DEFAULT 'savings'
                       CHECK (account_type IN ('savings', 'current', 'overdraft', 'cash_credit', 'nre', 'nro', 'other')),
  is_primary           boolean     NOT NULL DEFAULT false,
  tags                 text[]      NOT NULL DEFAULT '{}',
  is_deleted           boolean     NOT NULL DEFAULT false,
  deleted_at           timestamptz,
  version              integer     NOT NULL DEFAULT 1,
  created_at           timestamptz NOT NULL,
  created_by           text        NOT NULL,
  updated_at           timestamptz NOT NULL,
  updated_by           text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
-- The same account twice on one contact is a 409; a deleted account may be added again.
CREATE UNIQUE INDEX contact_banks_live_account_key ON contact_banks (tenant_id, contact_id, ifsc, account_no) WHERE NOT is_deleted;
-- At most one primary account per contact; writers clear the old primary first, under a lock on
-- the contact, so this index is the backstop rather than the mechanism.
CREATE UNIQUE INDEX contact_banks_one_primary_key ON contact_banks (tenant_id, contact_id) WHERE is_primary AND NOT is_deleted;
CREATE INDEX contact_banks_created_idx ON contact_banks (tenant_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contact_banks_updated_idx ON contact_banks (tenant_id, updated_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contact_banks_ifsc_idx ON contact_banks (tenant_id, ifsc) WHERE NOT is_deleted;
CREATE INDEX contact_banks_search_idx ON contact_banks USING gin (
  tenant_id, bank_name gin_trgm_ops, branch_name gin_trgm_ops, account_holder_name gin_trgm_ops
) WHERE NOT is_deleted;
CREATE INDEX contact_banks_tags_idx ON contact_banks USING gin (tenant_id, tags) WHERE NOT is_deleted;

CREATE TABLE contact_relations (
  tenant_id           text        NOT NULL,
  id                  text        NOT NULL,
  contact_id          text        NOT NULL,
  -- Null when the other party is not on file yet; such a relation never collides with another.
  related_contact_id  text,
  type                text        NOT NULL CHECK (type IN ('father', 'mother', 'spouse', 'child', 'sibling', 'friend',
                                                           'co_applicant', 'guarantor', 'witness', 'nominee')),
  tags                text[]      NOT NULL DEFAULT '{}',
  refs                jsonb       NOT NULL DEFAULT '{}',
  is_deleted          boolean     NOT NULL DEFAULT false,
  deleted_at          timestamptz,
  version             integer     NOT NULL DEFAULT 1,
  created_at          timestamptz NOT NULL,
  created_by          text        NOT NULL,
  updated_at          timestamptz NOT NULL,
  updated_by          text,
  PRIMARY KEY (tenant_id, id),
  CHECK (related_contact_id IS NULL OR related_contact_id <> contact_id),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
  -- MATCH SIMPLE (the default): a null related_contact_id skips the check.
  FOREIGN KEY (tenant_id, related_contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE UNIQUE INDEX contact_relations_live_key ON contact_relations (tenant_id, contact_id, type, related_contact_id)
  WHERE NOT is_deleted AND related_contact_id IS NOT NULL;
CREATE INDEX contact_relations_contact_idx ON contact_relations (tenant_id, contact_id, created_at, id) WHERE NOT is_deleted;
CREATE INDEX contact_relations_related_idx ON contact_relations (tenant_id, related_contact_id, created_at, id)
  WHERE NOT is_deleted AND related_contact_id IS NOT NULL;
CREATE INDEX contact_relations_created_idx ON contact_relations (tenant_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contact_relations_updated_idx ON contact_relations (tenant_id, updated_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contact_relations_tags_idx ON contact_relations USING gin (tenant_id, tags) WHERE NOT is_deleted;
