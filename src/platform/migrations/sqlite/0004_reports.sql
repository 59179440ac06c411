-- Laporan & penanganan: reports (public reports, anonymous tips, supervisors' findings) with
-- their evidence, process disputes, the timeline of every case, and the holiday table that
-- working-day deadlines skip. The reporter's identity lives only in `reports`; audit entries
-- and events never copy it.
CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    receipt          TEXT NOT NULL UNIQUE,
    election_id      TEXT NOT NULL,
    region_code      TEXT NOT NULL,
    -- The report's district, regency and province: a board lists a scope's cases in deadline
    -- order by walking one index, not by sorting every case of the scope.
    district_code    TEXT NOT NULL,
    regency_code     TEXT NOT NULL,
    province_code    TEXT NOT NULL,
    kind             TEXT NOT NULL,
    reporter_name    TEXT,
    reporter_address TEXT,
    reporter_contact TEXT,
    reported         TEXT NOT NULL,
    event_at         TEXT NOT NULL,
    known_at         TEXT NOT NULL,
    place            TEXT NOT NULL,
    description      TEXT NOT NULL,
    witnesses        TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    registered_at    TEXT,
    status           TEXT NOT NULL,
    classification   TEXT,
    state_entered_at TEXT NOT NULL,
    deadline_rule    TEXT,
    deadline_at      TEXT,
    extended         BIGINT NOT NULL DEFAULT 0,
    returned         BIGINT NOT NULL DEFAULT 0,
    alerted          TEXT NOT NULL DEFAULT '',
    filed_by         TEXT
);
CREATE INDEX reports_deadline ON reports (deadline_at);
CREATE INDEX reports_province_deadline ON reports (province_code, deadline_at);
CREATE INDEX reports_regency_deadline ON reports (regency_code, deadline_at);
CREATE INDEX reports_district_deadline ON reports (district_code, deadline_at);
-- The deadline sweep reads only the cases it has to alert.
CREATE INDEX reports_alerted ON reports (alerted, deadline_at);

CREATE TABLE report_evidence (
    id           INTEGER PRIMARY KEY,
    report_id    BIGINT NOT NULL REFERENCES reports (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX report_evidence_report ON report_evidence (report_id);

CREATE TABLE disputes (
    id               INTEGER PRIMARY KEY,
    election_id      TEXT NOT NULL,
    region_code      TEXT NOT NULL,
    petitioner       TEXT NOT NULL,
    kpu_decision     TEXT NOT NULL,
    decided_on       TEXT NOT NULL,
    description      TEXT NOT NULL,
    filed_at         TEXT NOT NULL,
    status           TEXT NOT NULL,
    state_entered_at TEXT NOT NULL,
    deadline_rule    TEXT,
    deadline_at      TEXT,
    alerted          TEXT NOT NULL DEFAULT '',
    filed_by         TEXT NOT NULL
);
CREATE INDEX disputes_region ON disputes (region_code);
CREATE INDEX disputes_deadline ON disputes (deadline_at);
CREATE INDEX disputes_alerted ON disputes (alerted, deadline_at);

CREATE TABLE case_events (
    id            INTEGER PRIMARY KEY,
    track         TEXT NOT NULL,
    case_id       BIGINT NOT NULL,
    from_state    TEXT,
    to_state      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    actor         TEXT NOT NULL,
    unit_name     TEXT NOT NULL,
    agency        TEXT NOT NULL,
    at            TEXT NOT NULL,
    deadline_rule TEXT,
    deadline_at   TEXT
);
CREATE INDEX case_events_case ON case_events (track, case_id, id);

CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);
