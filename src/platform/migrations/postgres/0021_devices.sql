-- Field devices: a phone enrolled from a one-time code stays logged in for the election period,
-- under a session of its own (`device` names it) that the unit's administrator lists and
-- revokes. A code is kept by its SHA-256, for one use, until it expires.
ALTER TABLE sessions ADD COLUMN device TEXT;
CREATE TABLE device_codes (
    code_hash     TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    device        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    session_until TEXT NOT NULL
);
CREATE INDEX device_codes_user ON device_codes (user_id);
