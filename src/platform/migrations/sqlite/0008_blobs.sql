-- Photos and evidence files live in the blob store (platform::blob), named by their SHA-256.

-- The photo of each page of a C.Hasil entry (result_entries.photo_sha256 stays the first one).
CREATE TABLE result_photos (
    entry_id BIGINT NOT NULL REFERENCES result_entries (id),
    page     BIGINT NOT NULL,
    sha256   TEXT NOT NULL,
    PRIMARY KEY (entry_id, page)
);
-- /foto/{sha256} asks whether a photo belongs to something public.
CREATE INDEX result_photos_sha ON result_photos (sha256);

-- The photo of the goods taken when a shipment is received.
ALTER TABLE logistics_shipments ADD COLUMN photo_sha256 TEXT;

-- Evidence bytes move to the blob store: the start-up data migration copies each row's `data`
-- there and empties it; new evidence keeps only its hash here.
CREATE INDEX report_evidence_sha ON report_evidence (sha256);
