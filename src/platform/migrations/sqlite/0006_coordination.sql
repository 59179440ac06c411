-- Koordinasi: the stages of each election (the official schedule, seeded from the cited table
-- in src/coordination/mod.rs, plus local activities of a region), coordination meetings with
-- their invited units, speakers, decisions and action items, and the supervision budget:
-- lines of a programme's activities, NPHD grants with their tranches and disbursements, and
-- realisation entries. Money is whole rupiah in BIGINT columns.
CREATE TABLE stages (
    id          INTEGER PRIMARY KEY,
    election_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_key  TEXT,
    level       TEXT,
    region_code TEXT NOT NULL,
    start_day   TEXT NOT NULL,
    end_day     TEXT NOT NULL,
    agencies    TEXT NOT NULL,
    source      TEXT NOT NULL,
    alerted_on  TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL
);
CREATE INDEX stages_election ON stages (election_id, start_day);

CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    host_unit_id BIGINT NOT NULL REFERENCES agency_units (id),
    starts_at    TEXT NOT NULL,
    place        TEXT NOT NULL,
    agenda       TEXT NOT NULL,
    minutes      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX meetings_region ON meetings (region_code, starts_at);

CREATE TABLE meeting_units (
    meeting_id     BIGINT NOT NULL REFERENCES meetings (id),
    unit_id        BIGINT NOT NULL REFERENCES agency_units (id),
    attendance     TEXT NOT NULL DEFAULT 'diundang',
    represented_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, unit_id)
);
CREATE INDEX meeting_units_unit ON meeting_units (unit_id);

CREATE TABLE meeting_speakers (
    id         INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    unit_id    BIGINT NOT NULL REFERENCES agency_units (id),
    name       TEXT NOT NULL,
    topic      TEXT NOT NULL
);
CREATE INDEX meeting_speakers_meeting ON meeting_speakers (meeting_id);

CREATE TABLE meeting_decisions (
    id         INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    text       TEXT NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id);

CREATE TABLE action_items (
    id            INTEGER PRIMARY KEY,
    meeting_id    BIGINT NOT NULL REFERENCES meetings (id),
    decision_id   BIGINT NOT NULL REFERENCES meeting_decisions (id),
    owner_unit_id BIGINT NOT NULL REFERENCES agency_units (id),
    description   TEXT NOT NULL,
    due           TEXT NOT NULL,
    status        TEXT NOT NULL,
    evidence      TEXT NOT NULL DEFAULT '',
    alerted       TEXT NOT NULL DEFAULT '',
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX action_items_owner ON action_items (owner_unit_id, status, due);
CREATE INDEX action_items_meeting ON action_items (meeting_id);
CREATE INDEX action_items_open ON action_items (status, due);

CREATE TABLE budget_lines (
    id          INTEGER PRIMARY KEY,
    program     TEXT NOT NULL,
    activity    TEXT NOT NULL,
    region_code TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES agency_units (id),
    stage_key   TEXT NOT NULL,
    plan_amount BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX budget_lines_region ON budget_lines (region_code);

CREATE TABLE budget_realisations (
    id          INTEGER PRIMARY KEY,
    line_id     BIGINT NOT NULL REFERENCES budget_lines (id),
    amount      BIGINT NOT NULL,
    spent_on    TEXT NOT NULL,
    document_no TEXT NOT NULL,
    description TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX budget_realisations_line ON budget_realisations (line_id);

CREATE TABLE grants (
    id                INTEGER PRIMARY KEY,
    election_id       TEXT NOT NULL,
    grantor_region    TEXT NOT NULL,
    recipient_unit_id BIGINT NOT NULL REFERENCES agency_units (id),
    region_code       TEXT NOT NULL,
    amount            BIGINT NOT NULL,
    signed_on         TEXT NOT NULL,
    document_no       TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX grants_region ON grants (region_code);

CREATE TABLE grant_tranches (
    id            INTEGER PRIMARY KEY,
    grant_id      BIGINT NOT NULL REFERENCES grants (id),
    seq           BIGINT NOT NULL,
    share_percent BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    due           TEXT NOT NULL,
    alerted       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grant_tranches_grant ON grant_tranches (grant_id, seq);

CREATE TABLE grant_disbursements (
    id          INTEGER PRIMARY KEY,
    tranche_id  BIGINT NOT NULL REFERENCES grant_tranches (id),
    amount      BIGINT NOT NULL,
    paid_on     TEXT NOT NULL,
    document_no TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX grant_disbursements_tranche ON grant_disbursements (tranche_id);

-- An alert that reaches every unit at or below its region (a stage starting tomorrow).
ALTER TABLE alerts ADD COLUMN broadcast BIGINT NOT NULL DEFAULT 0;
