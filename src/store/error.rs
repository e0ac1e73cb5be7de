//! Errors of the store. The hub maps them to problem responses; database details are logged,
//! never returned to clients.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names an engine the hub does not support.
    #[error("unsupported database URL scheme `{0}` (use sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    /// The database refused or failed a query.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A row violates a uniqueness rule.
    #[error("{0} already exists")]
    Conflict(String),
    /// A value read back from the database does not parse (a bug or a tampered database).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The request would take an authority past a daily limit of its agreement; nothing was
    /// written.
    #[error(transparent)]
    DailyLimit(Box<super::DailyLimitHit>),
    /// An audit event was to be written, or a keyed link checked, without the chain key
    /// (which comes from the hub key).
    #[error(
        "the audit chain is keyed with the hub key, and this store was opened without it: pass \
         --hub-key (PUPILMATCH_HUB_KEY) as for `serve`"
    )]
    NoAuditKey,
    /// A table name outside the schema.
    #[error("unknown table `{0}`")]
    UnknownTable(String),
}

impl StoreError {
    /// Whether the error is a violation of a unique constraint or primary key.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                e.is_unique_violation()
                    || e.message().contains("UNIQUE constraint failed")
                    || e.code().as_deref() == Some("23505")
            }
            _ => false,
        }
    }

    /// Whether the database could not be reached or could not take the work just now (the
    /// server is down or restarting, no connection could be had in time, or SQLite's file is
    /// locked, read-only, its disk full or a write to it failed), as against a query it
    /// refused: the caller should try again later, and nothing of the request was written.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(error) = self else {
            return false;
        };
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(e) => match e.code() {
                // PostgreSQL: connection exceptions (class 08), and the server shutting down
                // or not yet accepting connections (57P01–57P03).
                Some(code) if code.starts_with("08") || code.starts_with("57P0") => true,
                // SQLite (extended codes carry the primary one in their low byte): BUSY,
                // LOCKED, FULL; READONLY (the file or its file system turned read-only under
                // the hub) and IOERR (a write the operating system refused: `ulimit -f` past
                // the file-size limit fails it with EFBIG, SQLITE_IOERR_WRITE). SQLite rolls
                // the transaction back in each case, so the request wrote nothing and the
                // same request succeeds once the operator has made room or lifted the limit:
                // a 503, not a 500 that reads as a bug in the hub.
                Some(code) => code
                    .parse::<u32>()
                    .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 8 | 10 | 13)),
                None => false,
            },
            _ => false,
        }
    }

    /// Turns a unique violation into [`StoreError::Conflict`] naming `what`, leaving other
    /// errors unchanged (the `on_constraint` helper of the style notes).
    pub fn on_unique(self, what: impl Into<String>) -> Self {
        if self.is_unique_violation() {
            StoreError::Conflict(what.into())
        } else {
            self
        }
    }
}
