-- Dedupe: normalized match keys maintained in the same transaction as every contact/prop write,
-- so a dedupe query or a duplicate check never scans the tenant.

-- Sorted normalized name tokens (trigram-indexed) and their phonetic codes (equality-indexed).
ALTER TABLE contacts ADD COLUMN name_key text NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN name_phonetic text NOT NULL DEFAULT '';
CREATE INDEX contacts_name_key_trgm_idx ON contacts USING gin (tenant_id, name_key gin_trgm_ops) WHERE NOT is_deleted;
CREATE INDEX contacts_name_phonetic_idx ON contacts (tenant_id, name_phonetic) WHERE NOT is_deleted;

-- One row per normalized identifier of a contact. Aadhaar is stored as its last four digits only;
-- a GSTIN also yields the PAN it embeds (via = 'gstin').
CREATE TABLE contact_match_keys (
  tenant_id   text NOT NULL,
  contact_id  text NOT NULL,
  kind        text NOT NULL,
  value       text NOT NULL,
  prop_key    text NOT NULL,
  via         text,
  PRIMARY KEY (tenant_id, contact_id, kind, value, prop_key),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX contact_match_keys_lookup_idx ON contact_match_keys (tenant_id, kind, value);
