-- PostgreSQL twin of sqlite/0014.
-- The public results log (platform::tlog): every leaf's bytes by index, every stored hash of
-- the Merkle tree by its stored hash index (a leaf's hash and the hash of each subtree it
-- completes), the tree's size in one head row, and the checkpoints signed over it (the note as
-- served, kept for `sinergi log verify`). The index of the leaf an entry became is kept beside
-- the result and recap entries, so that a proof is found from the entry.
CREATE TABLE tlog_leaves (
    idx  BIGINT PRIMARY KEY,
    data BYTEA NOT NULL
);

CREATE TABLE tlog_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

CREATE TABLE tlog_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO tlog_head (id, size) VALUES (1, 0);

CREATE TABLE tlog_checkpoints (
    size      BIGINT PRIMARY KEY,
    root      BYTEA NOT NULL,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
);

ALTER TABLE result_entries ADD COLUMN log_index BIGINT;
ALTER TABLE recap_entries ADD COLUMN log_index BIGINT;
