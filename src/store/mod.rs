//! The hub's database: one [`Store`] over SQLite (the default, an embedded file) or PostgreSQL.
//!
//! Both backends go through sqlx's `Any` driver with runtime queries written in the SQL both
//! understand (`$1` placeholders, `on conflict`, `returning`), so there is one implementation
//! and one test suite. Migrations live in `migrations/sqlite` and `migrations/postgres` and run
//! at start. The store holds only encodings after the hub key layer, sealed under the hub key
//! ([`sealed`]), opaque references, case metadata, candidates, workflow state and audit: never
//! raw personal data.
//!
//! Every write that changes more than one row happens in one transaction taken through
//! [`Store::begin_write`], which also serialises writers in this process (SQLite allows one
//! writer at a time anyway, and the audit hash chain needs a total order).

pub mod audit;
mod candidates;
mod disclosure_keys;
mod error;
mod labels;
pub mod limits;
mod model;
mod packed;
mod records;
pub mod retention;
pub mod sealed;
mod staging;
mod submissions;
mod tenancy;
pub mod workflow;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, MutexGuard};

pub use audit::{
    Anchor, AnchorMismatch, AuditEvent, ChainBreak, ChainHead, ChainKey, ChainReport, LinkScheme,
    StoredEvent,
};
pub use candidates::{
    CandidateCursor, CandidateFilter, CandidateView, MatchedRecords, NewCandidate,
};
pub use disclosure_keys::DisclosureKeyInfo;
pub use error::StoreError;
pub use limits::{
    ActivityReport, AgreementActivity, AgreementLimits, DailyLimit, DailyLimitHit, DailyLimits,
    MemberDay, SearchCharge,
};
pub use model::{
    CandidateState, CaseOutcome, ConfirmReason, Jurisdiction, Metered, ReferralReason,
    ReferralSource, RejectReason, Role, SubmitMode, VerifiedOutcome,
};
pub use packed::{pack, unpack};
pub use records::{CaseInfo, OpenCase, StoredRecord, MAX_OPEN_CASES};
pub use sealed::{AtRestKey, RowIdentity, SealError};
pub use staging::{AcceptedBatch, Staging};
pub use submissions::{
    BoundChunk, IngestOutcome, IngestTx, NewRecord, NewSubmission, PriorSubmission, RowBinder,
};
pub use tenancy::{Agreement, AgreementTerms, Authority, NewAgreement, Principal};

/// How long an SQLite statement waits for another connection's lock before failing BUSY
/// (answered 503 `database-unavailable`).
const SQLITE_BUSY_TIMEOUT: &str = "pragma busy_timeout = 10000";

/// How long the readiness probe waits for the write lock ([`Store::accepts_writes`]).
pub const WRITE_PROBE_WAIT: Duration = Duration::from_millis(500);

/// The free space below which an SQLite database's file system counts as full
/// ([`Store::accepts_writes`]): room for a few hundred audit events, whose appends every
/// search needs, and the pages a small batch writes to the log.
pub const SQLITE_MIN_FREE_BYTES: u64 = 1 << 20;

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The hub's database handle; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writer: std::sync::Arc<Mutex<()>>,
    /// The key of the audit chain's links (from the hub key); without it nothing can be
    /// audited, so nothing that audits can be written.
    audit_key: Option<std::sync::Arc<ChainKey>>,
    /// The most unkeyed (legacy) links a true chain can open with, as recorded outside the
    /// database (`hub::key_custody::pin_legacy_links`); unlimited when `None`.
    legacy_limit: Option<u64>,
}

/// A write transaction, holding the store's writer lock until it commits or drops.
pub struct WriteTx<'a> {
    tx: Transaction<'static, Any>,
    store: &'a Store,
    _writer: MutexGuard<'a, ()>,
}

impl WriteTx<'_> {
    /// Commits everything written through this transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Connects to `url` (`sqlite://file.db?mode=rwc` or `postgres://…`) and runs the
    /// migrations of that backend.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(
                url.split(':').next().unwrap_or_default().to_string(),
            ));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let mut pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // While PostgreSQL is down, a request waits this long for a connection and is then
            // answered 503 with `Retry-After`, not held for the whole request timeout.
            .acquire_timeout(match backend {
                Backend::Sqlite => Duration::from_secs(10),
                Backend::Postgres => Duration::from_secs(3),
            })
            // sqlx can ping a connection before handing it out: one more round trip per query.
            // SQLite's connections are files in this process and do not go stale; a
            // PostgreSQL connection idle across a server restart does, and without the ping
            // the first request to draw each one after the restart would fail.
            .test_before_acquire(backend == Backend::Postgres);
        if backend == Backend::Sqlite {
            pool = pool.after_release(|conn, _| Box::pin(sqlite_connection_is_clean(conn)));
            pool = pool.after_connect(|conn, _| {
                Box::pin(async move {
                    // 16 KiB pages (taken only by a new database) hold a dozen ~1 KiB records
                    // each, not three: fewer page splits and B-tree levels, a third off bulk
                    // insert time. WAL lets readers run beside the one writer;
                    // `synchronous = full` syncs the WAL at every commit, so an acknowledged
                    // submission survives a power cut, not only a crash; foreign keys are off
                    // by default in SQLite.
                    conn.execute("pragma page_size = 16384; pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on;")
                        .await?;
                    conn.execute(SQLITE_BUSY_TIMEOUT).await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(options).await?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            writer: std::sync::Arc::new(Mutex::new(())),
            audit_key: None,
            legacy_limit: None,
        })
    }

    /// The same store, linking the audit events it writes under `key` (derived from the hub
    /// key, `HubLayer::audit_chain_key`). A store without it refuses to audit, and so every
    /// write that is audited ([`StoreError::NoAuditKey`]); it can still read.
    pub fn with_audit_key(mut self, key: ChainKey) -> Self {
        self.audit_key = Some(std::sync::Arc::new(key));
        self
    }

    /// The same store, whose audit check refuses more than `limit` legacy links (the count
    /// recorded beside the hub key when the chain was first keyed).
    pub fn with_legacy_limit(mut self, limit: u64) -> Self {
        self.legacy_limit = Some(limit);
        self
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The `n`th bind parameter (1-based) in generated SQL: `$n` for PostgreSQL, `?` for
    /// SQLite, whose lookup of numbered parameters is linear per parameter (quadratic over a
    /// multi-row insert). Statements mixing both styles must not use this.
    pub(crate) fn placeholder(&self, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        }
    }

    /// A multi-row `values` list: `rows` parenthesised groups of `columns` placeholders,
    /// numbered from 1 across the rows.
    pub(crate) fn value_rows(&self, rows: usize, columns: usize) -> String {
        let row = |r: usize| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| self.placeholder(r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        };
        (0..rows).map(row).collect::<Vec<_>>().join(", ")
    }

    /// Answers whether the database would take a write now, without writing anything: what
    /// `/readyz` asks, since a database that answers reads but refuses writes (another process
    /// holding SQLite's write lock, a file or server turned read-only) cannot serve a search,
    /// which is audited.
    ///
    /// On SQLite it takes the write lock and lets go (`begin immediate; rollback`), waiting
    /// [`WRITE_PROBE_WAIT`] for it rather than the 10 s busy timeout writes wait, after any
    /// writer of this process (which holds the lock while it writes) has finished. On
    /// PostgreSQL it asks whether a transaction would be read-only (a standby, or
    /// `default_transaction_read_only`). On SQLite a full disk counts too: the file system
    /// holding the database has less than [`SQLITE_MIN_FREE_BYTES`] free (`statvfs`, space
    /// an unprivileged process may use), so `/readyz` says not ready until the operator has
    /// made room, and ready again once there is, without a restart. A larger write can still
    /// meet a full disk or a file-size limit: it fails, answered 503
    /// (`StoreError::is_unavailable`).
    pub async fn accepts_writes(&self) -> bool {
        match self.backend {
            Backend::Sqlite => {
                self.sqlite_has_room().await.unwrap_or(true)
                    && self.sqlite_write_probe().await.unwrap_or(false)
            }
            Backend::Postgres => {
                sqlx::query_scalar::<_, String>("select current_setting('transaction_read_only')")
                    .fetch_one(&self.pool)
                    .await
                    .is_ok_and(|read_only| read_only == "off")
            }
        }
    }

    /// Whether the file system holding the SQLite database has [`SQLITE_MIN_FREE_BYTES`] free
    /// (`None` when that cannot be told: an in-memory database, or `statvfs` refused).
    async fn sqlite_has_room(&self) -> Option<bool> {
        let file: String =
            sqlx::query_scalar("select file from pragma_database_list where name = 'main'")
                .fetch_one(&self.pool)
                .await
                .ok()?;
        let folder = std::path::Path::new(&file).parent()?.to_path_buf();
        let free = tokio::task::spawn_blocking(move || free_bytes(&folder))
            .await
            .ok()??;
        Some(free >= SQLITE_MIN_FREE_BYTES)
    }

    async fn sqlite_write_probe(&self) -> Result<bool, sqlx::Error> {
        let Ok(_writer) = tokio::time::timeout(WRITE_PROBE_WAIT, self.writer.lock()).await else {
            // A writer of this process has held the lock all along: it is writing, and what
            // becomes of that write answers its own request; the probe cannot tell more.
            return Ok(true);
        };
        let mut conn = self.pool.acquire().await?;
        let probe_wait = format!("pragma busy_timeout = {}", WRITE_PROBE_WAIT.as_millis());
        sqlx::query(&probe_wait).execute(&mut *conn).await?;
        let locked = sqlx::query("begin immediate").execute(&mut *conn).await;
        let restored = async {
            if locked.is_ok() {
                sqlx::query("rollback").execute(&mut *conn).await?;
            }
            sqlx::query(SQLITE_BUSY_TIMEOUT).execute(&mut *conn).await
        }
        .await;
        if restored.is_err() {
            // Never hand a connection back to the pool with the probe's short timeout or an
            // open transaction.
            conn.close_on_drop();
        }
        Ok(locked.is_ok())
    }

    /// Closes every connection (for tests that drop their database afterwards).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction, waiting for any other writer in this process to finish.
    pub async fn begin_write(&self) -> Result<WriteTx<'_>, StoreError> {
        let writer = self.writer.lock().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx {
            tx,
            store: self,
            _writer: writer,
        })
    }

    /// Counts the rows of one of the hub's tables (for tests and metrics).
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        const TABLES: [&str; 16] = [
            "authorities",
            "agreements",
            "agreement_epochs",
            "agreement_members",
            "api_keys",
            "submissions",
            "records",
            "candidates",
            "audit_events",
            "audit_parties",
            "disclosure_keys",
            "candidate_decisions",
            "disclosures",
            "case_follow_ups",
            "agreement_limits",
            "daily_usage",
        ];
        if !TABLES.contains(&table) {
            return Err(StoreError::UnknownTable(table.to_string()));
        }
        let (n,): (i64,) = sqlx::query_as(&format!("select count(*) from {table}"))
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}

/// The current time as the RFC 3339 UTC text every timestamp column holds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whether an SQLite connection going back to the pool is where sqlx believes it is: outside
/// any transaction. Otherwise it is closed (SQLite rolls back whatever it held) rather than
/// reused (`pool.after_release`).
///
/// On a full disk (SQLITE_FULL) or a failed write (SQLITE_IOERR) SQLite may roll a whole
/// transaction back by itself. sqlx's own ROLLBACK then fails and it goes on counting a
/// transaction that is not there: its next BEGIN on the connection is a SAVEPOINT, and after
/// one more failed statement a ROLLBACK TO leaves a real transaction open beneath, in which
/// every later "commit" (the RELEASE of a nested savepoint) commits nothing, while answering
/// success. Searches were answered but never audited, batches acknowledged but not stored,
/// and the open transaction held the write lock for good ("database is locked") until a
/// restart (issue #20 item 2; `tests/api/faults.rs`, a full tmpfs).
async fn sqlite_connection_is_clean(conn: &mut sqlx::AnyConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    // A rollback sqlx queued when a transaction was dropped runs before this statement.
    let outside = conn.execute("begin").await.is_ok();
    if outside {
        conn.execute("rollback").await?;
    }
    Ok(outside && !conn.is_in_transaction())
}

/// The bytes an unprivileged process may still write on the file system holding `path`.
#[cfg(unix)]
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(path).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// Free space is not asked for off Unix.
#[cfg(not(unix))]
fn free_bytes(_path: &std::path::Path) -> Option<u64> {
    None
}
