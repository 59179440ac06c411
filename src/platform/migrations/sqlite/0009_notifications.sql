-- Alerts that leave the app (platform::notify), and alerts as one record per thing.

-- Where the alert's thing is shown (the module's page, given when it raises), and its versions:
-- an alert raised again for the same kind and entity is updated in place (`revision` + 1).
ALTER TABLE alerts ADD COLUMN link TEXT;
ALTER TABLE alerts ADD COLUMN updated_at TEXT;
ALTER TABLE alerts ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
CREATE INDEX alerts_thing ON alerts (kind, entity_type, entity_id);

-- A unit's channels: per alert kinds (',kind,…,' or '*') and the least severity
-- (0 info, 1 warning, 2 critical). Removed subscriptions stay for the delivery log.
CREATE TABLE notify_subscriptions (
    id           INTEGER PRIMARY KEY,
    unit_id      BIGINT NOT NULL REFERENCES agency_units (id),
    channel      TEXT NOT NULL,
    target       TEXT NOT NULL,
    secret       TEXT NOT NULL,
    kinds        TEXT NOT NULL,
    min_severity BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    removed_at   TEXT
);
CREATE INDEX notify_subscriptions_unit ON notify_subscriptions (unit_id);

-- One delivery of one version of an alert to one subscription, written in the alert's own
-- transaction. `next_at` is when it is due; a sender that claims it moves `next_at` past its
-- lease, so a sender killed mid-delivery leaves it due again once the lease ends.
CREATE TABLE notify_outbox (
    id              INTEGER PRIMARY KEY,
    alert_id        BIGINT NOT NULL REFERENCES alerts (id),
    revision        BIGINT NOT NULL,
    subscription_id BIGINT NOT NULL REFERENCES notify_subscriptions (id),
    unit_id         BIGINT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_at         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    done_at         TEXT
);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_at);
CREATE INDEX notify_outbox_unit ON notify_outbox (unit_id, id);

-- Every attempt and the receiver's answer, for the unit's delivery log.
CREATE TABLE notify_attempts (
    id        INTEGER PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES notify_outbox (id),
    unit_id   BIGINT NOT NULL,
    at        TEXT NOT NULL,
    ok        BIGINT NOT NULL,
    answer    TEXT NOT NULL
);
CREATE INDEX notify_attempts_unit ON notify_attempts (unit_id, id);
