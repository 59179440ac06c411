-- Per election, a number every write to what the security plan is computed from moves on: a
-- TPS's grade or indicators, the personnel of an area, a pattern. A server keeps the personnel
-- gaps of a region while the number (and the election's TPS count) stay as they were: on
-- election night nothing of these changes, and the nation's gaps walk 83,763 villages.
CREATE TABLE security_generation (
    election_id TEXT PRIMARY KEY,
    n           INTEGER NOT NULL
);
