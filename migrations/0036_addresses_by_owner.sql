-- Every address of a contact, deleted ones included, by its owner. The derived-data writes
-- (derived.ts: a contact's name key copied to its addresses, the contact's copy of its addresses)
-- touch all of a contact's addresses, and the existing owner index is partial (live addresses
-- only), so they scanned the tenant's addresses: 150–190 ms per statement on a 200,000-contact
-- tenant (a merge runs several of them, a rename one).
CREATE INDEX contact_addresses_owner_idx ON contact_addresses (tenant_id, contact_id);
