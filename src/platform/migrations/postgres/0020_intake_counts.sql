-- The public intake limit counted across the servers of one database (PostgreSQL; SQLite's
-- one server counts in memory): submissions per client address in fixed windows of the
-- database's clock. Windows past are deleted as new ones open.
CREATE TABLE intake_counts (
    client       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (client, window_start)
);
CREATE INDEX intake_counts_window ON intake_counts (window_start);
