-- PostgreSQL counts the public intake across its servers in `intake_counts`; SQLite's one
-- server counts it in memory (platform::limit), so there is nothing to create here.
SELECT 1;
