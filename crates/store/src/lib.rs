//! The one data-access layer: sqlx on an `AnyPool`, so the same SQL and the same migrations serve
//! SQLite (embedded default) and PostgreSQL. Returns domain types; `app` never sees sqlx.

pub mod audit;
pub mod budget;
pub mod budget_outcomes;
pub mod follow_ups;
pub mod governance;
pub mod jobs;
pub mod objects;
pub mod modules;
pub mod org_units;
pub mod reports;
pub mod role_assignments;
pub mod sessions;
mod sql;
pub mod tokens;
pub mod users;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, SqlSafeStr};
use std::time::Duration;

pub use sql::Page;

/// Which database is behind the pool. Used only for the few per-backend escape hatches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write named an older version of a row than the stored one, or the row is gone.
    #[error("the row was changed by someone else")]
    Stale,
    /// A unique or foreign-key constraint refused the write; the name says which.
    #[error("constraint violated: {0}")]
    Constraint(String),
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            use sqlx::error::ErrorKind;
            if matches!(db.kind(), ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation) {
                let name = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
                return StoreError::Constraint(name);
            }
        }
        StoreError::Database(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A unit of work: everything a use case writes, committed together or not at all.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    /// Units whose plan or report counter this transaction already raised: once is enough,
    /// since readers see the whole transaction at once (and an import of a thousand reports
    /// in one unit then updates the unit's row once, not a thousand times).
    touched: std::collections::HashSet<(org_units::Counter, domain::OrgUnitId)>,
}

impl Tx {
    fn new(inner: sqlx::Transaction<'static, Any>) -> Self {
        Self { inner, touched: Default::default() }
    }

    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await.map_err(Into::into)
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }

    /// True the first time a counter of a unit is raised in this transaction.
    pub(crate) fn first_touch(&mut self, counter: org_units::Counter, unit: domain::OrgUnitId) -> bool {
        self.touched.insert((counter, unit))
    }
}

/// The database handle shared by the whole process.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (20261123000001, "foundation", include_str!("../migrations/20261123000001_foundation.sql")),
    (20261123000002, "governance models", include_str!("../migrations/20261123000002_governance_models.sql")),
    (20261123000003, "plan objects", include_str!("../migrations/20261123000003_plan_objects.sql")),
    (20261124000001, "plan versions", include_str!("../migrations/20261124000001_plan_versions.sql")),
    (20261124000002, "assessment scales", include_str!("../migrations/20261124000002_assessment_scales.sql")),
    (20261124000003, "budget", include_str!("../migrations/20261124000003_budget.sql")),
    (20261124000004, "deadline rules", include_str!("../migrations/20261124000004_deadline_rules.sql")),
    (20261125000001, "budget outcomes", include_str!("../migrations/20261125000001_budget_outcomes.sql")),
    (20261126000001, "budget-sourced indicators", include_str!("../migrations/20261126000001_budget_sourced_indicators.sql")),
    (20261127000001, "reports", include_str!("../migrations/20261127000001_reports.sql")),
    (20261128000001, "jobs", include_str!("../migrations/20261128000001_jobs.sql")),
    (20261129000001, "reporters, reminders, readability", include_str!("../migrations/20261129000001_reminders.sql")),
    (20261130000001, "units' own report sections", include_str!("../migrations/20261130000001_report_own_sections.sql")),
];

impl Store {
    /// Connects to `sqlite://…` (the file is created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let (url, max_connections) = match backend {
            Backend::Sqlite => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let url = if url.contains("mode=") { url.to_owned() } else { format!("{url}{sep}mode=rwc") };
                (url, 8)
            }
            Backend::Postgres => (url.to_owned(), 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    if backend == Backend::Postgres {
                        // Closure-table lookups differ wildly in selectivity (a leaf vs the whole
                        // region); a generic cached plan sorts whole subtrees (100 ms instead of
                        // 2 ms at 50,000 units, see BENCHMARKS.md), so plan every call.
                        conn.execute("SET plan_cache_mode = force_custom_plan").await?;
                    }
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the timeout makes a second
                        // writer wait instead of failing at once.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations, then the per-backend rules the portable DDL cannot express.
    pub async fn migrate(&self) -> Result<()> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(*version, (*name).into(), MigrationType::Simple, sql.into_sql_str(), false)
            })
            .collect();
        Migrator::with_migrations(migrations).run(&self.pool).await?;
        self.ensure_audit_is_append_only().await
    }

    /// Audit rows can never be changed or removed, not even by a bug in our own code: the
    /// database refuses UPDATE and DELETE on the table. Trigger syntax differs per backend.
    async fn ensure_audit_is_append_only(&self) -> Result<()> {
        let statements: &[&'static str] = match self.backend {
            Backend::Sqlite => &[
                "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events \
                 BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
                "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events \
                 BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
            ],
            Backend::Postgres => &[
                "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
                "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
                "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events \
                 FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
                "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events \
                 FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
            ],
        };
        // Servers starting together on one PostgreSQL would deadlock on the triggers' locks:
        // one at a time, under a transaction-scoped advisory lock.
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::raw_sql("SELECT pg_advisory_xact_lock(7270736901)").execute(&mut *tx).await?;
        }
        for statement in statements {
            sqlx::raw_sql(*statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Starts a unit of work that will write. On SQLite it takes the write lock at once, so two
    /// writers queue instead of deadlocking on a lock upgrade.
    pub async fn begin_write(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx::new(tx))
    }

    /// Starts a read-only unit of work (a consistent view for several queries).
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(Tx::new(self.pool.begin().await?))
    }

    /// Refreshes the planner's statistics; run after loading many rows at once.
    pub async fn analyze(&self) -> Result<()> {
        let statement = match self.backend {
            Backend::Sqlite => "PRAGMA optimize",
            Backend::Postgres => "ANALYZE",
        };
        sqlx::raw_sql(statement).execute(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// True when no unit and no user exists yet (the demo loads only into an empty database).
    pub async fn is_empty(&self) -> Result<bool> {
        let mut tx = self.begin_read().await?;
        let units = org_units::count(&mut tx).await?;
        let users = users::count(&mut tx).await?;
        Ok(units == 0 && users == 0)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
