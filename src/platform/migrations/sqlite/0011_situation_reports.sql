-- The Laporan Situasi Harian (daily situation report) of a region: one per region, election and
-- local day, made each morning (or on the first request that day). The PDF itself is in the
-- blob store under its SHA-256; the token is what its QR code opens to verify it.
CREATE TABLE situation_reports (
    id           INTEGER PRIMARY KEY,
    region_code  TEXT NOT NULL,
    election_id  TEXT NOT NULL,
    day          TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    summary      TEXT NOT NULL,
    UNIQUE (region_code, election_id, day)
);
