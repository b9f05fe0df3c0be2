-- Blocking on the address: a candidate is also compared with contacts at its pincode whose address
-- line carries the same house numbers (src/resources/dedupe/dedupe.queries.ts), which finds the
-- same home under a name too garbled for the pincode's name neighbourhood ("B. Dvay" ~ "B. Divya").
-- The key is the line's digit runs without leading zeros, space-separated: the same as
-- addressLineNumbers() in src/dedupe/address.ts. The index carries the name key so that the name
-- test runs on index entries.
ALTER TABLE contact_addresses ADD COLUMN line_numbers text
  GENERATED ALWAYS AS (regexp_replace(btrim(regexp_replace(coalesce(address_line, ''), '[^0-9]+', ' ', 'g')), '(^| )0+([0-9])', '\1\2', 'g')) STORED;
CREATE INDEX contact_addresses_line_numbers_idx ON contact_addresses (tenant_id, pincode, line_numbers) INCLUDE (name_key, contact_id)
  WHERE NOT is_deleted AND line_numbers <> '';
