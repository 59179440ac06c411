-- A result entry keeps the Idempotency-Key it came with (who sent it, the key, and the
-- fingerprint of the request): a retry of the same PUT is answered from the entry, as the
-- result stood right after it (results::store), so election night writes no answer row per
-- form. Several servers write here at once: the same request sent to two of them at the same
-- moment must still make one entry, so a key is unique within its TPS result (what a retry
-- looks it up in). SQLite has one writer, which reads and writes in one transaction: it needs
-- no such index.
ALTER TABLE result_entries ADD COLUMN request_principal TEXT;
ALTER TABLE result_entries ADD COLUMN request_key TEXT;
ALTER TABLE result_entries ADD COLUMN request_hash TEXT;
CREATE UNIQUE INDEX result_entries_request ON result_entries (election_id, tps_code, contest, request_principal, request_key)
    WHERE request_key IS NOT NULL;
