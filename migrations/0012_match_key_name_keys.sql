-- The partial-identifier pass of the dedupe candidate query (holders of the candidate's Aadhaar
-- last four digits or PAN prefix, kept if their name is similar) read each holder's name key from
-- the contacts heap: ~25 random reads for an Aadhaar fragment at a million contacts, the largest
-- single cost in the slowest tenth of queries. Match keys now carry their contact's name key, and
-- an index of Aadhaar fragments covers (contact_id, name_key), so that part of the pass runs on
-- index entries alone.
--
-- As for addresses (0008), triggers keep the copy, so no write path can forget it: a match key
-- takes its contact's name key when inserted, and a contact's new name key is copied to its match
-- keys in the statement that changes it.

ALTER TABLE contact_match_keys ADD COLUMN name_key text NOT NULL DEFAULT '';

UPDATE contact_match_keys mk SET name_key = c.name_key
  FROM contacts c
 WHERE c.tenant_id = mk.tenant_id AND c.id = mk.contact_id AND c.name_key <> '';

CREATE FUNCTION contact_match_keys_copy_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER contact_match_keys_name_key BEFORE INSERT ON contact_match_keys
  FOR EACH ROW EXECUTE FUNCTION contact_match_keys_copy_name_key();

CREATE FUNCTION contacts_copy_name_key_to_match_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contact_match_keys SET name_key = NEW.name_key WHERE tenant_id = NEW.tenant_id AND contact_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER contacts_name_key_to_match_keys AFTER UPDATE OF name_key ON contacts
  FOR EACH ROW WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key)
  EXECUTE FUNCTION contacts_copy_name_key_to_match_keys();

-- Only Aadhaar fragments get a covering index: a fragment has ~25 holders at a million contacts, a
-- PAN prefix one to four. Covering the general lookup index instead doubled it (107 -> 237 MB at
-- a million contacts) and slowed dedupe-scan, which reads it whole, from 38-41 s to 45-50 s.
CREATE INDEX contact_match_keys_aadhaar_idx ON contact_match_keys (tenant_id, value) INCLUDE (contact_id, name_key)
  WHERE kind = 'aadhaar';
