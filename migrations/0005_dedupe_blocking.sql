-- Dedupe blocking without tenant-wide trigram searches (src/resources/dedupe/dedupe.queries.ts):
-- the candidate query intersects a phonetic name block with the contacts at the candidate's
-- pincodes, both as index-only scans, and the tenant-wide duplicate scan pages through contacts
-- in (name_phonetic, id) order.
DROP INDEX contacts_name_phonetic_idx;
CREATE INDEX contacts_name_phonetic_idx ON contacts (tenant_id, name_phonetic, id) WHERE NOT is_deleted;
CREATE INDEX contact_addresses_pincode_idx ON contact_addresses (tenant_id, pincode, contact_id) WHERE NOT is_deleted AND pincode IS NOT NULL;
