//! A fresh database per test: an SQLite file in a temporary directory, or a PostgreSQL database
//! named by UUID on `PUPILMATCH_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`;
//! `scripts/ensure-postgres.sh` starts the server), dropped when the test ends.

use std::path::{Path, PathBuf};

use sqlx::{Connection, Executor, Row};

/// Which database a scenario runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

fn admin_url() -> String {
    std::env::var("PUPILMATCH_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_string())
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// A database that exists for one test.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite(PathBuf),
    Postgres(String),
}

impl TestDatabase {
    /// Creates an empty database.
    pub async fn create(backend: Backend, dir: &Path) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let path = dir.join("hub.db");
                TestDatabase {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    kind: Kind::Sqlite(path),
                }
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let name = format!("pupilmatch_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::AnyConnection::connect(&admin_url())
                    .await
                    .expect("PostgreSQL must run for the tests: run scripts/ensure-postgres.sh");
                admin
                    .execute(format!("create database {name}").as_str())
                    .await
                    .expect("create the test database");
                TestDatabase {
                    url: with_database(&admin_url(), &name),
                    kind: Kind::Postgres(name),
                }
            }
        }
    }

    /// Everything stored, as text.
    pub async fn contents(&self) -> String {
        match &self.kind {
            Kind::Sqlite(path) => {
                let mut bytes = Vec::new();
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    bytes.extend(std::fs::read(&file).unwrap_or_default());
                }
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Kind::Postgres(_) => {
                let mut conn = sqlx::AnyConnection::connect(&self.url)
                    .await
                    .expect("connect");
                let tables: Vec<String> = sqlx::query(
                    "select tablename::text from pg_tables where schemaname = 'public'",
                )
                .fetch_all(&mut conn)
                .await
                .expect("tables")
                .iter()
                .map(|row| row.get::<String, _>(0))
                .collect();
                let mut out = String::new();
                for table in tables {
                    let rows = sqlx::query(&format!("select row_to_json(t)::text from {table} t"))
                        .fetch_all(&mut conn)
                        .await
                        .expect("rows");
                    for row in rows {
                        out.push_str(&row.get::<String, _>(0));
                        out.push('\n');
                    }
                }
                out
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Kind::Postgres(name) = &self.kind else {
            return;
        };
        let name = name.clone();
        // Drop runs inside the test's runtime; use a thread with its own runtime to wait.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::AnyConnection::connect(&admin_url()).await {
                    let _ = admin
                        .execute(format!("drop database if exists {name} with (force)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}
