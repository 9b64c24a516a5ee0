//! The harness of the store conformance suite: a fresh, migrated database per test, on SQLite
//! always and on PostgreSQL when `STYRBORD_TEST_DATABASE_URL` names an admin connection.
//!
//! Each test body is an `async fn(Db)`; [`run`] creates the database, runs the body in its own
//! task (so a failed assertion is caught), closes the store and removes the database, then
//! re-raises the failure. If anything before that panics, the [`FreshDb`] drop guard removes the
//! database anyway.

#![allow(dead_code)]

use sqlx::{AssertSqlSafe, Connection};
use std::future::Future;
use std::path::PathBuf;
use store::{Backend, Store};

/// The environment variable naming a PostgreSQL admin URL (one that may CREATE DATABASE).
pub const PG_ENV: &str = "STYRBORD_TEST_DATABASE_URL";

/// What a test body gets: the migrated store and the URL of its database (for the few checks
/// that must go around the store, such as a raw DELETE on the audit table).
#[derive(Clone, Debug)]
pub struct Db {
    pub store: Store,
    pub url: String,
    pub backend: Backend,
}

impl Db {
    /// A connection of its own to the same database, bypassing the store.
    pub async fn raw(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.url).await.expect("raw connection")
    }

    /// Runs a `SELECT COUNT(*) …` (or any single BIGINT) on a connection of its own.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let mut conn = self.raw().await;
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        conn.close().await.ok();
        n
    }
}

/// Runs `body` against a fresh database of the given backend. The PostgreSQL variant returns
/// early (and passes) when the environment variable is unset.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let fresh = match backend {
        Backend::Sqlite => FreshDb::sqlite(),
        Backend::Postgres => match std::env::var(PG_ENV) {
            Ok(admin) if !admin.trim().is_empty() => FreshDb::postgres(admin.trim()).await,
            _ => {
                eprintln!("skipped: set {PG_ENV} to a PostgreSQL admin URL to run the PostgreSQL variant");
                return;
            }
        },
    };
    let store = Store::connect(&fresh.url).await.expect("connect to the fresh database");
    assert_eq!(store.backend(), backend);
    store.migrate().await.expect("migrate the fresh database");
    let db = Db { store: store.clone(), url: fresh.url.clone(), backend };
    let outcome = tokio::spawn(body(db)).await;
    store.close().await;
    fresh.cleanup().await;
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("test task failed: {err}");
    }
}

enum Kind {
    Sqlite { path: PathBuf },
    Postgres { admin: String, name: String },
}

/// A database that exists only for one test; removed on cleanup or, failing that, on drop.
pub struct FreshDb {
    kind: Kind,
    pub url: String,
    cleaned: bool,
}

impl FreshDb {
    fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("styrbord-test-{}.db", uuid::Uuid::now_v7().simple()));
        let url = format!("sqlite://{}", path.display());
        Self { kind: Kind::Sqlite { path }, url, cleaned: false }
    }

    async fn postgres(admin: &str) -> Self {
        let name = format!("styrbord_t_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to the PostgreSQL admin URL");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        conn.close().await.ok();
        let url = with_database(admin, &name);
        Self { kind: Kind::Postgres { admin: admin.to_owned(), name }, url, cleaned: false }
    }

    async fn cleanup(mut self) {
        match &self.kind {
            Kind::Sqlite { path } => remove_sqlite_files(path),
            Kind::Postgres { admin, name } => drop_pg_database(admin, name).await,
        }
        self.cleaned = true;
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if self.cleaned {
            return;
        }
        match &self.kind {
            Kind::Sqlite { path } => remove_sqlite_files(path),
            Kind::Postgres { admin, name } => {
                // Drop may run inside the test's runtime, so the async DROP gets a thread and a
                // runtime of its own.
                let (admin, name) = (admin.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        rt.block_on(drop_pg_database(&admin, &name));
                    }
                })
                .join();
            }
        }
    }
}

fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
}

async fn drop_pg_database(admin: &str, name: &str) {
    match sqlx::PgConnection::connect(admin).await {
        Ok(mut conn) => {
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                .execute(&mut conn)
                .await
            {
                eprintln!("could not drop test database {name}: {e}");
            }
            conn.close().await.ok();
        }
        Err(e) => eprintln!("could not connect to drop test database {name}: {e}"),
    }
}

/// The admin URL with its database name replaced (query parameters kept).
pub fn with_database(admin: &str, database: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut url = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// Generates one `#[tokio::test]` per backend for each test body:
/// `body => body_sqlite, body_postgres;`.
#[macro_export]
macro_rules! conformance {
    ($($body:ident => $sqlite:ident, $postgres:ident;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            support::run(store::Backend::Sqlite, $body).await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            support::run(store::Backend::Postgres, $body).await
        }
    )*};
}

#[cfg(test)]
mod tests {
    #[test]
    fn admin_url_gets_the_test_database() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5432", "t1"), "postgres://h:5432/t1");
    }
}
