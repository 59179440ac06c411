-- PostgreSQL twin of sqlite/0015.
CREATE INDEX tps_stats_level ON tps_stats (election_id, (LENGTH(region_code)), region_code) INCLUDE (tps_count, dpt_total);
