-- Registry: regions, elections, TPS, agency units, users, sessions, audit chain, idempotency.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    parent_code TEXT,
    level       TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    child_count BIGINT NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE elections (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    voting_day TEXT NOT NULL,
    max_voters BIGINT NOT NULL
);

CREATE TABLE tps (
    election_id  TEXT NOT NULL REFERENCES elections (id),
    code         TEXT NOT NULL,
    village_code TEXT NOT NULL,
    address      TEXT NOT NULL,
    dpt          BIGINT NOT NULL,
    lat          DOUBLE PRECISION,
    lon          DOUBLE PRECISION,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (election_id, code)
) WITHOUT ROWID;

-- Per region and election: TPS count and DPT sum, kept for every ancestor level so that a
-- region page never scans the TPS of a province.
CREATE TABLE tps_stats (
    election_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    tps_count   BIGINT NOT NULL,
    dpt_total   BIGINT NOT NULL,
    PRIMARY KEY (election_id, region_code)
) WITHOUT ROWID;

CREATE TABLE agency_units (
    id          INTEGER PRIMARY KEY,
    agency      TEXT NOT NULL,
    region_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (agency, region_code, name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    unit_id       BIGINT NOT NULL REFERENCES agency_units (id),
    role          TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    agency      TEXT,
    unit_id     BIGINT,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    region_code TEXT,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id, seq);

-- The chain's head: locking this row serialises appends, also across app servers.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (principal, key)
);
