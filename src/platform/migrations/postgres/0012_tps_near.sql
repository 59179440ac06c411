-- "TPS terdekat" (GET /api/v1/places/nearest) looks in a box of ±0.2° around the phone. Without
-- an index on position that read every TPS of the election (≈820,000 nationally). The TPS are
-- indexed by cells of 0.1° × 0.1° (about 11 km): the query asks for the five latitude cells of
-- the box and, within each, a range of longitude cells, so it reads only the TPS of the box.
-- An expression index, so no write path has to keep an extra column; the query repeats these
-- exact expressions (src/field/places.rs, `nearest`). The offsets keep the values positive for
-- any latitude and longitude.
CREATE INDEX tps_near ON tps (election_id, (CAST(lat * 10 + 1000 AS INTEGER)), (CAST(lon * 10 + 2000 AS INTEGER)));
