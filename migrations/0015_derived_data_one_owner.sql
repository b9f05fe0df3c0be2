-- Derived data has one owner (src/resources/contacts/derived.ts): the service writes every copy of
-- a contact's name key, as it already writes its match keys and its props and addresses copies.
-- The triggers of 0008 and 0012 kept two of those copies from the database side, so one kind of
-- copy had two mechanisms and a write path could not tell which; merge, undo and import move
-- addresses and keys between contacts and rebuild their copies explicitly.
DROP TRIGGER contact_addresses_name_key ON contact_addresses;
DROP TRIGGER contacts_name_key_to_addresses ON contacts;
DROP FUNCTION contact_addresses_copy_name_key();
DROP FUNCTION contacts_copy_name_key_to_addresses();

DROP TRIGGER contact_match_keys_name_key ON contact_match_keys;
DROP TRIGGER contacts_name_key_to_match_keys ON contacts;
DROP FUNCTION contact_match_keys_copy_name_key();
DROP FUNCTION contacts_copy_name_key_to_match_keys();
