-- Dedupe compares address lines where two contacts share a pincode (src/dedupe/address.ts), so the
-- candidate query now reads each candidate's (pincode, address_line) pairs. With the line in the
-- index as well (0009 put the pincode there) that read stays index-only. Same key as before.
DROP INDEX contact_addresses_contact_idx;
CREATE INDEX contact_addresses_contact_idx ON contact_addresses (tenant_id, contact_id, created_at, id) INCLUDE (pincode, address_line)
  WHERE NOT is_deleted;
