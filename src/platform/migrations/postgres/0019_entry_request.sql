-- A result entry keeps the Idempotency-Key it came with (who sent it, the key, and the
-- fingerprint of the request): a retry of the same PUT is answered from the entry, as the
-- result stood right after it (results::store), so election night writes no answer row and
-- no key index per form.
ALTER TABLE result_entries ADD COLUMN request_principal TEXT;
ALTER TABLE result_entries ADD COLUMN request_key TEXT;
ALTER TABLE result_entries ADD COLUMN request_hash TEXT;
