-- PostgreSQL twin of sqlite/0016.
CREATE TABLE security_generation (
    election_id TEXT PRIMARY KEY,
    n           BIGINT NOT NULL
);
