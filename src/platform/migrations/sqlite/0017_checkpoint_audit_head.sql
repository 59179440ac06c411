-- Each checkpoint of the results log also signs the internal audit chain's head (its number of
-- entries and its last hash), kept here beside the note that signs it (NULL for checkpoints
-- signed before). The audit chain grows without results, so several checkpoints may share a
-- tree size: they are keyed by the order they were signed in (`id`, the newest is served), and
-- one (tree size, audit size) is stored once, as two servers signing at once would make it.
CREATE TABLE tlog_checkpoints_0017 (
    id         INTEGER PRIMARY KEY,
    size       BIGINT NOT NULL,
    root       BLOB NOT NULL,
    audit_size BIGINT,
    audit_hash TEXT,
    note       TEXT NOT NULL,
    signed_at  TEXT NOT NULL,
    UNIQUE (size, audit_size)
);
INSERT INTO tlog_checkpoints_0017 (size, root, note, signed_at)
    SELECT size, root, note, signed_at FROM tlog_checkpoints ORDER BY size;
DROP TABLE tlog_checkpoints;
ALTER TABLE tlog_checkpoints_0017 RENAME TO tlog_checkpoints;
