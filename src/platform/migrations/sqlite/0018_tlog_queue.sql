-- Sequencing the results log apart from the request (platform::tlog, platform::lease).
-- A leaf waits in tlog_queue under its ticket until the one sequencer appends it (PostgreSQL;
-- on SQLite the writer appends at once and the queue stays empty); the leaf keeps its ticket,
-- so that whoever stored the ticket (a result entry, its audit entry) finds the leaf's index.
-- `leases`: which server does a job that must run on one server at a time, until when
-- (milliseconds since 1970 by the database's clock).
CREATE TABLE tlog_queue (
    ticket INTEGER PRIMARY KEY AUTOINCREMENT,
    data   BLOB NOT NULL
);

ALTER TABLE tlog_leaves ADD COLUMN ticket BIGINT;
CREATE UNIQUE INDEX tlog_leaves_ticket ON tlog_leaves (ticket);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

ALTER TABLE result_entries ADD COLUMN log_ticket BIGINT;
ALTER TABLE recap_entries ADD COLUMN log_ticket BIGINT;
