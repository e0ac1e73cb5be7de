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
