-- Rekap: candidates per contest and area (the national ones are built in), every entry of a
-- TPS result by source and revision (nothing is overwritten), the current state of each TPS
-- result (double entry status, the counted numbers, flags), aggregates kept per region level
-- as results are counted, and the plenary recap entries (D.Hasil).
CREATE TABLE candidates (
    election_id TEXT NOT NULL,
    contest     TEXT NOT NULL,
    area_code   TEXT NOT NULL,
    id          TEXT NOT NULL,
    number      BIGINT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (election_id, contest, area_code, id)
);

CREATE TABLE result_entries (
    id           INTEGER PRIMARY KEY,
    election_id  TEXT NOT NULL,
    tps_code     TEXT NOT NULL,
    contest      TEXT NOT NULL,
    source       TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    entered_by   TEXT NOT NULL,
    entered_at   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    photo_sha256 TEXT,
    tally        TEXT NOT NULL,
    warnings     TEXT NOT NULL
);
CREATE INDEX result_entries_tps ON result_entries (election_id, tps_code, contest, id);

CREATE TABLE results (
    election_id  TEXT NOT NULL,
    contest      TEXT NOT NULL,
    tps_code     TEXT NOT NULL,
    status       TEXT NOT NULL,
    revision     BIGINT NOT NULL,
    counted      TEXT,
    counted_rev  BIGINT,
    discrepancy  BIGINT NOT NULL,
    anomalies    TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (election_id, contest, tps_code)
);

CREATE TABLE result_totals (
    election_id   TEXT NOT NULL,
    contest       TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    tps_in        BIGINT NOT NULL,
    dpt           BIGINT NOT NULL,
    users         BIGINT NOT NULL,
    valid         BIGINT NOT NULL,
    invalid       BIGINT NOT NULL,
    discrepancies BIGINT NOT NULL,
    anomalies     BIGINT NOT NULL,
    PRIMARY KEY (election_id, contest, region_code)
);

CREATE TABLE result_votes (
    election_id TEXT NOT NULL,
    contest     TEXT NOT NULL,
    region_code TEXT NOT NULL,
    candidate   TEXT NOT NULL,
    votes       BIGINT NOT NULL,
    PRIMARY KEY (election_id, contest, region_code, candidate)
);

CREATE TABLE recap_entries (
    id          INTEGER PRIMARY KEY,
    election_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    contest     TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    entered_by  TEXT NOT NULL,
    entered_at  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    tally       TEXT NOT NULL
);
CREATE INDEX recap_entries_region ON recap_entries (election_id, contest, region_code, id);
