-- Dedupe blocking by pincode as a sorted neighbourhood (src/resources/dedupe/dedupe.queries.ts):
-- every address carries its contact's name key, indexed by (pincode, name key), so the candidate
-- query reads the names on either side of the candidate's name at its pincode from the index
-- alone. It replaces "the 300 most recent contacts at the pincode", which cost 300 primary-key
-- lookups per query and saw only the newest 300 of a busy pincode's thousands.
--
-- The copy is kept by triggers, so no write path can forget it: an address takes the name key of
-- its contact when it is inserted or moved to another contact, and a contact's new name key is
-- copied to its addresses in the same statement that changes it.

ALTER TABLE contact_addresses ADD COLUMN name_key text NOT NULL DEFAULT '';

UPDATE contact_addresses a SET name_key = c.name_key
  FROM contacts c
 WHERE c.tenant_id = a.tenant_id AND c.id = a.contact_id AND c.name_key <> '';

CREATE FUNCTION contact_addresses_copy_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text;
BEGIN
  SELECT c.name_key INTO k FROM contacts c WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.contact_id;
  -- No such contact: leave the default and let the foreign key report it.
  IF FOUND THEN
    NEW.name_key := k;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER contact_addresses_name_key BEFORE INSERT OR UPDATE OF contact_id ON contact_addresses
  FOR EACH ROW EXECUTE FUNCTION contact_addresses_copy_name_key();

CREATE FUNCTION contacts_copy_name_key_to_addresses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contact_addresses SET name_key = NEW.name_key WHERE tenant_id = NEW.tenant_id AND contact_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER contacts_name_key_to_addresses AFTER UPDATE OF name_key ON contacts
  FOR EACH ROW WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key)
  EXECUTE FUNCTION contacts_copy_name_key_to_addresses();

DROP INDEX contact_addresses_pincode_idx;
CREATE INDEX contact_addresses_pincode_name_idx ON contact_addresses (tenant_id, pincode, name_key) INCLUDE (contact_id)
  WHERE NOT is_deleted AND pincode IS NOT NULL;
