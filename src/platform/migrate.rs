//! Schema migrations, one ordered list with a file per engine, applied on every start.

use super::db::{Backend, Conn, DbError};
use crate::params;

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("migrations/sqlite/0001_registry.sql"),
        postgres: include_str!("migrations/postgres/0001_registry.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("migrations/sqlite/0002_logistics.sql"),
        postgres: include_str!("migrations/postgres/0002_logistics.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("migrations/sqlite/0003_vulnerability.sql"),
        postgres: include_str!("migrations/postgres/0003_vulnerability.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("migrations/sqlite/0004_reports.sql"),
        postgres: include_str!("migrations/postgres/0004_reports.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("migrations/sqlite/0005_results.sql"),
        postgres: include_str!("migrations/postgres/0005_results.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("migrations/sqlite/0006_coordination.sql"),
        postgres: include_str!("migrations/postgres/0006_coordination.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("migrations/sqlite/0007_alert_english.sql"),
        postgres: include_str!("migrations/postgres/0007_alert_english.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("migrations/sqlite/0008_blobs.sql"),
        postgres: include_str!("migrations/postgres/0008_blobs.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("migrations/sqlite/0009_notifications.sql"),
        postgres: include_str!("migrations/postgres/0009_notifications.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("migrations/sqlite/0011_situation_reports.sql"),
        postgres: include_str!("migrations/postgres/0011_situation_reports.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("migrations/sqlite/0012_tps_near.sql"),
        postgres: include_str!("migrations/postgres/0012_tps_near.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("migrations/sqlite/0013_vulnerability_stats.sql"),
        postgres: include_str!("migrations/postgres/0013_vulnerability_stats.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("migrations/sqlite/0014_transparency_log.sql"),
        postgres: include_str!("migrations/postgres/0014_transparency_log.sql"),
    },
    Migration {
        version: 15,
        sqlite: include_str!("migrations/sqlite/0015_tps_stats_level.sql"),
        postgres: include_str!("migrations/postgres/0015_tps_stats_level.sql"),
    },
    Migration {
        version: 16,
        sqlite: include_str!("migrations/sqlite/0016_security_generation.sql"),
        postgres: include_str!("migrations/postgres/0016_security_generation.sql"),
    },
    Migration {
        version: 17,
        sqlite: include_str!("migrations/sqlite/0017_checkpoint_audit_head.sql"),
        postgres: include_str!("migrations/postgres/0017_checkpoint_audit_head.sql"),
    },
    Migration {
        version: 18,
        sqlite: include_str!("migrations/sqlite/0018_tlog_queue.sql"),
        postgres: include_str!("migrations/postgres/0018_tlog_queue.sql"),
    },
    Migration {
        version: 19,
        sqlite: include_str!("migrations/sqlite/0019_entry_request.sql"),
        postgres: include_str!("migrations/postgres/0019_entry_request.sql"),
    },
    Migration {
        version: 20,
        sqlite: include_str!("migrations/sqlite/0020_intake_counts.sql"),
        postgres: include_str!("migrations/postgres/0020_intake_counts.sql"),
    },
    Migration {
        version: 21,
        sqlite: include_str!("migrations/sqlite/0021_devices.sql"),
        postgres: include_str!("migrations/postgres/0021_devices.sql"),
    },
];

pub fn run(conn: &mut Conn) -> Result<(), DbError> {
    let backend = conn.backend();
    if backend == Backend::Postgres {
        // Several app servers may start at once against one database.
        conn.batch("SELECT pg_advisory_lock(746137)")?;
    }
    let result = apply(conn, backend);
    if backend == Backend::Postgres {
        conn.batch("SELECT pg_advisory_unlock(746137)")?;
    }
    result
}

fn apply(conn: &mut Conn, backend: Backend) -> Result<(), DbError> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let applied: Vec<i64> = conn
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Result<_, _>>()?;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        conn.begin()?;
        let sql = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let step = conn.batch(sql).and_then(|()| {
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                params![m.version, super::clock::now_rfc3339()],
            )
        });
        match step {
            Ok(_) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(DbError::Other(format!("migration {} failed: {e}", m.version)));
            }
        }
    }
    Ok(())
}
