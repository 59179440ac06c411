-- The TPS statistics of one level within a region ("the provinces of the nation", "the
-- villages of Jawa Timur") are read by the length of their code. The primary key serves the
-- range but not the level, so the nation's provinces read all ≈ 91,000 rows of every level to
-- keep 38. Keyed by length too, a level is one short range; the counts are in the index, so
-- the villages of the nation are no slower than through the table.
CREATE INDEX tps_stats_level ON tps_stats (election_id, LENGTH(region_code), region_code, tps_count, dpt_total);
