-- Foundation: namespaces, contacts, props, reserved ref ids, audit log.
-- Rules: tenant_id leads every primary key, unique constraint, foreign key and index (ready for
-- sharding by tenant). Ids are ULIDs made by the service. Valid on PostgreSQL 15+ and PGlite.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE namespaces (
  tenant_id        text        NOT NULL,
  id               text        NOT NULL,
  name             text        NOT NULL,
  contact_pattern  text,
  contact_counter  bigint      NOT NULL DEFAULT 1 CHECK (contact_counter >= 1),
  account_pattern  text,
  account_counter  bigint      NOT NULL DEFAULT 1 CHECK (account_counter >= 1),
  is_deleted       boolean     NOT NULL DEFAULT false,
  deleted_at       timestamptz,
  version          integer     NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL,
  created_by       text        NOT NULL,
  updated_at       timestamptz NOT NULL,
  updated_by       text,
  PRIMARY KEY (tenant_id, id)
);
-- Names are unique among live namespaces, case-insensitively; a deleted name may be reused.
CREATE UNIQUE INDEX namespaces_live_name_key ON namespaces (tenant_id, lower(name)) WHERE NOT is_deleted;
CREATE INDEX namespaces_created_idx ON namespaces (tenant_id, created_at DESC, id DESC) WHERE NOT is_deleted;

CREATE TABLE contacts (
  tenant_id         text        NOT NULL,
  id                text        NOT NULL,
  namespace_id      text        NOT NULL,
  name              text        NOT NULL,
  status            text        NOT NULL CHECK (status IN ('active', 'inactive')),
  type              text        NOT NULL CHECK (type IN ('individual', 'corporate')),
  ref_id            text,
  tags              text[]      NOT NULL DEFAULT '{}',
  refs              jsonb       NOT NULL DEFAULT '{}',
  rm_id             text,
  branch_id         text,
  approval_status   text        NOT NULL DEFAULT 'pending' CHECK (approval_status IN ('pending', 'approved', 'rejected')),
  approval_comment  text,
  approval_by       text,
  approval_at       timestamptz,
  is_deleted        boolean     NOT NULL DEFAULT false,
  deleted_at        timestamptz,
  version           integer     NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL,
  created_by        text        NOT NULL,
  updated_at        timestamptz NOT NULL,
  updated_by        text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, namespace_id) REFERENCES namespaces (tenant_id, id)
);
CREATE INDEX contacts_created_idx ON contacts (tenant_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contacts_updated_idx ON contacts (tenant_id, updated_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX contacts_namespace_idx ON contacts (tenant_id, namespace_id, created_at DESC) WHERE NOT is_deleted;
CREATE INDEX contacts_ref_id_idx ON contacts (tenant_id, ref_id) WHERE NOT is_deleted;
CREATE INDEX contacts_name_idx ON contacts (tenant_id, lower(name), id) WHERE NOT is_deleted;
CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (tenant_id, lower(name) gin_trgm_ops) WHERE NOT is_deleted;
CREATE INDEX contacts_tags_idx ON contacts USING gin (tenant_id, tags) WHERE NOT is_deleted;

-- Every ref id ever assigned in a namespace, generated or client-supplied: never reused, even after
-- the contact is deleted, moves namespace or changes ref id.
CREATE TABLE contact_ref_ids (
  tenant_id     text        NOT NULL,
  namespace_id  text        NOT NULL,
  ref_id        text        NOT NULL,
  contact_id    text        NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, namespace_id, ref_id)
);

CREATE TABLE contact_props (
  tenant_id   text        NOT NULL,
  id          text        NOT NULL,
  contact_id  text        NOT NULL,
  key         text        NOT NULL,
  value       text        NOT NULL,
  type        text        NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'file')),
  created_at  timestamptz NOT NULL,
  created_by  text        NOT NULL,
  updated_at  timestamptz NOT NULL,
  updated_by  text,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, contact_id, key),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
-- Contact search matches exact identifier values (a PAN, a mobile) case-insensitively.
CREATE INDEX contact_props_value_idx ON contact_props (tenant_id, lower(value));

CREATE TABLE audit_log (
  tenant_id     text        NOT NULL,
  id            text        NOT NULL,
  user_id       text        NOT NULL,
  action_type   text        NOT NULL CHECK (action_type IN ('create', 'update', 'delete', 'action')),
  object_type   text        NOT NULL,
  object_id     text        NOT NULL,
  -- The contact an entry belongs to (itself, or the owner of a sub-resource), for /contacts/{id}/history/.
  contact_id    text,
  timestamp     timestamptz NOT NULL,
  ip_address    text,
  user_agent    text,
  before_state  jsonb,
  after_state   jsonb,
  comment       text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_time_idx ON audit_log (tenant_id, timestamp DESC, id DESC);
CREATE INDEX audit_log_object_idx ON audit_log (tenant_id, object_id, timestamp DESC);
CREATE INDEX audit_log_contact_idx ON audit_log (tenant_id, contact_id, timestamp DESC) WHERE contact_id IS NOT NULL;
