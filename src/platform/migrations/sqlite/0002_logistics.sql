-- Logistics: item rules, stock per location, shipments down the tiers with co-signed
-- handovers; and the shared alerts.
CREATE TABLE logistics_items (
    election_id      TEXT NOT NULL,
    key              TEXT NOT NULL,
    name             TEXT NOT NULL,
    basis            TEXT NOT NULL,
    qty              BIGINT NOT NULL,
    reserve_bp       BIGINT NOT NULL,
    source           TEXT NOT NULL,
    PRIMARY KEY (election_id, key)
);

-- Stock held at a location: a regency warehouse, a district (PPK), a village (PPS) or a TPS.
CREATE TABLE logistics_stock (
    election_id TEXT NOT NULL,
    location    TEXT NOT NULL,
    item        TEXT NOT NULL,
    good        BIGINT NOT NULL,
    damaged     BIGINT NOT NULL,
    PRIMARY KEY (election_id, location, item)
) WITHOUT ROWID;

CREATE TABLE logistics_shipments (
    id            INTEGER PRIMARY KEY,
    election_id   TEXT NOT NULL,
    from_code     TEXT NOT NULL,
    to_code       TEXT NOT NULL,
    status        TEXT NOT NULL,
    seals         TEXT NOT NULL,
    vehicle       TEXT NOT NULL,
    driver        TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    planned_at    TEXT NOT NULL,
    planned_by    TEXT NOT NULL,
    dispatched_at TEXT,
    received_at   TEXT,
    note          TEXT NOT NULL DEFAULT '',
    -- Printed on the berita acara as a QR code: opens the public verification page.
    verify_token  TEXT NOT NULL UNIQUE,
    -- SHA-256 of the record as last written by the application.
    record_hash   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX logistics_shipments_to ON logistics_shipments (election_id, to_code);
CREATE INDEX logistics_shipments_from ON logistics_shipments (election_id, from_code);

CREATE TABLE logistics_shipment_items (
    shipment_id BIGINT NOT NULL REFERENCES logistics_shipments (id),
    item        TEXT NOT NULL,
    sent        BIGINT NOT NULL,
    received    BIGINT,
    damaged     BIGINT,
    PRIMARY KEY (shipment_id, item)
);

CREATE TABLE logistics_signatures (
    shipment_id BIGINT NOT NULL REFERENCES logistics_shipments (id),
    role        TEXT NOT NULL,
    username    TEXT NOT NULL,
    unit_name   TEXT NOT NULL,
    agency      TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    PRIMARY KEY (shipment_id, role)
);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    severity    TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    message     TEXT NOT NULL,
    agencies    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX alerts_region ON alerts (region_code);

CREATE TABLE alert_acks (
    alert_id BIGINT NOT NULL REFERENCES alerts (id),
    unit_id  BIGINT NOT NULL,
    acked_at TEXT NOT NULL,
    acked_by TEXT NOT NULL,
    PRIMARY KEY (alert_id, unit_id)
);
