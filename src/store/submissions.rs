//! Submissions: one client batch of encoded records, written in one transaction.
//!
//! A batch is identified by `(authority, batch_id)`; the request's canonical hash and the
//! answer are kept so that a retry gets the first answer and a different batch under a used
//! id is refused. Records are upserted on `(authority, agreement, epoch, role, ref)`, so a
//! resubmitted record keeps its row id (and therefore never duplicates a candidate).

use std::sync::Arc;

use sqlx::any::AnyArguments;
use sqlx::Arguments;

use super::audit::AuditEvent;
use super::limits::{charge_cases, count_roll};
use super::records::CaseInfo;
use super::{now, Backend, DailyLimit, Role, Store, StoreError, SubmitMode, WriteTx};

/// Rows per insert statement (on SQLite one JSON parameter holds them; on PostgreSQL six
/// parameters a row, 49,158 in all, under its limit of 65,535): a streamed chunk of lines is
/// one statement. 4096 rather than 2048 measured ×1.08 on SQLite ingest (half the statements
/// for SQLite's writer thread to run); 8192 rather than 4096, with the arguments built off the
/// writer, ×1.04 on PostgreSQL and ×1.06 on SQLite (both within noise).
const CHUNK: usize = 8192;

/// `ref, encoding, referral_reason, referral_source, referred_on, case_status` of one row.
type RowColumns<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

/// What a resubmitted record (same authority, agreement, epoch, role and ref) updates.
macro_rules! upsert_tail {
    () => {
        " on conflict (authority_code, agreement_id, epoch, role, ref) do update set \
         status = 'active', encoding = excluded.encoding, \
         referral_reason = excluded.referral_reason, \
         referral_source = excluded.referral_source, referred_on = excluded.referred_on, \
         case_status = excluded.case_status, outcome = null, closed_at = null, \
         submission_id = excluded.submission_id, matched = 0, \
         updated_at = excluded.updated_at"
    };
}

/// The columns every chunk insert writes, in order.
const INSERT_HEAD: &str = "insert into records (authority_code, agreement_id, epoch, ref, role, \
     status, encoding, referral_reason, referral_source, referred_on, case_status, \
     submission_id, matched, created_at, updated_at) ";

/// The rows of a chunk on SQLite: parameters authority, agreement, epoch, role, submission,
/// time, rows (`where true` lets the upsert clause follow a `select`).
const SQLITE_ROWS: &str = "select ?1, ?2, ?3, j.value ->> 0, ?4, 'active', j.value ->> 1, \
     j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, ?5, 0, ?6, ?6 \
     from json_each(?7) j where true";

/// The columns a staged row is received into (`staged_records`, see [`super::staging`]).
const STAGED_HEAD: &str = "insert into staged_records (submission_id, ref, encoding, \
     referral_reason, referral_source, referred_on, case_status) ";

/// The rows of a staged chunk on SQLite (the parameters as in [`SQLITE_ROWS`]; the shared
/// columns but the submission are not stored again).
const SQLITE_STAGED_ROWS: &str = "select ?5, j.value ->> 0, j.value ->> 1, j.value ->> 2, \
     j.value ->> 3, j.value ->> 4, j.value ->> 5 from json_each(?7) j";

/// What a resubmitted record updates, for statements built elsewhere in the store.
pub(super) const UPSERT_TAIL: &str = upsert_tail!();

/// How a chunk's rows are inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InsertKind {
    /// A plain insert: fails on a row that already exists.
    Plain,
    /// An upsert that overwrites an existing row of the same key.
    Upsert,
    /// Into the staging table of a streamed batch, where nothing reads it as a record.
    Staged,
}

impl InsertKind {
    /// The row of [`chunk_sql`]'s cache.
    fn slot(self) -> usize {
        match self {
            InsertKind::Plain => 0,
            InsertKind::Upsert => 1,
            InsertKind::Staged => 2,
        }
    }
}

/// The chunk statement of `rows` rows on `backend`.
fn insert_sql(backend: Backend, kind: InsertKind, rows: usize) -> String {
    let staged = kind == InsertKind::Staged;
    let mut sql = String::with_capacity(64 * rows + 1024);
    sql.push_str(if staged { STAGED_HEAD } else { INSERT_HEAD });
    match backend {
        Backend::Sqlite => sql.push_str(if staged {
            SQLITE_STAGED_ROWS
        } else {
            SQLITE_ROWS
        }),
        Backend::Postgres => {
            use std::fmt::Write;
            sql.push_str("values ");
            for i in 0..rows {
                let p = 6 + i * 6;
                if i > 0 {
                    sql.push(',');
                }
                let (a, b, c, d, e, f) = (p + 1, p + 2, p + 3, p + 4, p + 5, p + 6);
                let _ = if staged {
                    // $1–$4 and $6 are bound for every statement of a batch but not stored
                    // here; PostgreSQL takes their declared types.
                    write!(sql, "($5, ${a}, ${b}, ${c}, ${d}, ${e}, ${f})")
                } else {
                    write!(
                        sql,
                        "($1, $2, $3, ${a}, $4, 'active', ${b}, ${c}, ${d}, ${e}, ${f}, $5, 0, $6, $6)"
                    )
                };
            }
        }
    }
    match kind {
        InsertKind::Plain => sql.push_str(" returning id, ref"),
        InsertKind::Upsert => {
            sql.push_str(UPSERT_TAIL);
            sql.push_str(" returning id, ref");
        }
        InsertKind::Staged => {}
    }
    sql
}

/// The batch being submitted.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The submitting authority.
    pub authority: String,
    /// The client's batch id.
    pub batch_id: String,
    /// The agreement the records were encoded under.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// What the records stand for.
    pub role: Role,
    /// Incremental or snapshot.
    pub mode: SubmitMode,
    /// SHA-256 (hex) of the canonical request, for idempotency.
    pub request_hash: String,
    /// For role `missing`: the open cases the authority may submit under the agreement per
    /// UTC day (the batch is refused whole, with [`StoreError::DailyLimit`], if its records
    /// would pass it). Rolls are not counted.
    pub cases_per_day: DailyLimit,
}

/// One record to store.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// The opaque reference (unique within the batch).
    pub record_ref: String,
    /// The hub-layer-transformed encoding in its stored form ([`pack`](super::pack)).
    pub encoding: String,
    /// Case metadata, for role `missing`.
    pub case: Option<CaseInfo>,
}

/// A batch already received under the same id.
#[derive(Debug, Clone)]
pub struct PriorSubmission {
    /// Hash of the first request.
    pub request_hash: String,
    /// The answer given to it.
    pub result: serde_json::Value,
    /// Whether its records are all stored and its candidates recorded, so that its answer is
    /// final (false while an accepted streamed batch is still being moved into `records`,
    /// [`super::Staging`], or while its matching is running or waits to be stored again).
    pub finished: bool,
}

/// What [`Store::ingest`] wrote.
#[derive(Debug, Clone)]
pub struct IngestOutcome {
    /// The submission's id.
    pub submission_id: i64,
    /// `(row id, ref)` of every record written, in no particular order (empty from
    /// [`IngestTx::finish`], whose caller collected them from [`IngestTx::write`]).
    pub records: Vec<(i64, String)>,
    /// Row ids withdrawn by a snapshot.
    pub withdrawn: Vec<i64>,
}

impl Store {
    /// The batch `batch_id` of `authority`, if one was received.
    pub async fn prior_submission(
        &self,
        authority: &str,
        batch_id: &str,
    ) -> Result<Option<PriorSubmission>, StoreError> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            // A submission from before batches were marked matched (migration 0004) has
            // `matched = 0` for ever; its records carry their own flags.
            "select request_hash, result, state, cast(case when s.matched = 1 then 1 \
             when not exists (select 1 from records r where r.submission_id = s.id \
             and r.matched = 0) then 1 else 0 end as bigint) \
             from submissions s where authority_code = $1 and batch_id = $2 \
             and state <> 'staging'",
        )
        .bind(authority)
        .bind(batch_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(request_hash, result, state, matched)| {
            Ok(PriorSubmission {
                finished: state == "stored" && matched != 0,
                request_hash,
                result: serde_json::from_str(&result)
                    .map_err(|e| StoreError::Corrupt(format!("submission result: {e}")))?,
            })
        })
        .transpose()
    }

    /// Writes a batch, all or nothing: the submission row, every record, the withdrawals of a
    /// snapshot and the audit event, in one transaction. A used batch id gives
    /// [`StoreError::Conflict`].
    pub async fn ingest(
        &self,
        submission: &NewSubmission,
        records: &[NewRecord],
        result: &serde_json::Value,
    ) -> Result<IngestOutcome, StoreError> {
        let mut ingest = self.begin_ingest(submission).await?;
        let mut written = Vec::with_capacity(records.len());
        written.extend(ingest.write(records).await?);
        crate::fault::reach(crate::fault::CrashPoint::Ingesting);
        let mut outcome = ingest.finish(&submission.request_hash, result).await?;
        outcome.records = written;
        Ok(outcome)
    }

    /// Starts a batch whose records arrive in chunks (a streamed upload): takes the writer
    /// lock, opens the transaction and inserts the submission row. Nothing is visible until
    /// [`IngestTx::finish`]; dropping the [`IngestTx`] rolls everything back. A used batch id
    /// gives [`StoreError::Conflict`].
    pub async fn begin_ingest(
        &self,
        submission: &NewSubmission,
    ) -> Result<IngestTx<'_>, StoreError> {
        let mut w = self.begin_write().await?;
        let rows = insert_submission(self.backend, &mut w, submission, "stored").await?;
        Ok(IngestTx {
            w,
            rows,
            upserting: false,
            n_records: 0,
        })
    }

    /// Replaces the stored answer of a submission (after matching added its counts).
    pub async fn set_submission_result(
        &self,
        submission_id: i64,
        result: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        sqlx::query("update submissions set result = $1 where id = $2")
            .bind(result.to_string())
            .bind(submission_id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await
    }
}

/// Inserts a batch's submission row in `state` (`stored` once its transaction commits, or
/// `staging`), answering what its rows will share. A used batch id gives
/// [`StoreError::Conflict`].
pub(super) async fn insert_submission(
    backend: Backend,
    w: &mut WriteTx<'_>,
    submission: &NewSubmission,
    state: &str,
) -> Result<RowBinder, StoreError> {
    let at = now();
    let (submission_id,): (i64,) = sqlx::query_as(
        "insert into submissions (authority_code, batch_id, agreement_id, epoch, role, mode, \
         n_records, request_hash, result, created_at, state) \
         values ($1, $2, $3, $4, $5, $6, 0, '', '{}', $7, $8) returning id",
    )
    .bind(&submission.authority)
    .bind(&submission.batch_id)
    .bind(&submission.agreement_id)
    .bind(i64::from(submission.epoch))
    .bind(submission.role.as_str())
    .bind(submission.mode.as_str())
    .bind(&at)
    .bind(state)
    .fetch_one(&mut *w.tx)
    .await
    .map_err(|e| StoreError::from(e).on_unique(format!("batch {}", submission.batch_id)))?;
    Ok(RowBinder {
        backend,
        submission: Arc::new(submission.clone()),
        submission_id,
        at: at.into(),
    })
}

/// What every row of a batch shares, and how a chunk's statement arguments are built. Cheap
/// to clone and `Send`: a streamed upload builds the arguments of its next chunks on the
/// blocking pool ([`IngestTx::binder`]) while the writer is sending the current one.
#[derive(Debug, Clone)]
pub struct RowBinder {
    pub(super) backend: Backend,
    pub(super) submission: Arc<NewSubmission>,
    pub(super) submission_id: i64,
    pub(super) at: Arc<str>,
}

/// The arguments of one chunk statement, built by [`RowBinder::bind`] for the rows of one
/// [`RowBinder::CHUNK`] of a batch, in order.
pub struct BoundChunk {
    pub(super) n_rows: usize,
    pub(super) arguments: AnyArguments<'static>,
}

impl RowBinder {
    /// Rows per statement: [`RowBinder::bind`] takes at most this many.
    pub const CHUNK: usize = CHUNK;

    /// The arguments of the statement inserting `chunk` (at most [`RowBinder::CHUNK`] rows).
    pub fn bind<'r>(
        &self,
        chunk: impl IntoIterator<Item = &'r NewRecord>,
    ) -> Result<BoundChunk, StoreError> {
        let mut n_rows = 0;
        let submission = &self.submission;
        let mut arguments = AnyArguments::default();
        let args = &mut arguments;
        add(args, submission.authority.clone())?;
        add(args, submission.agreement_id.clone())?;
        add(args, i64::from(submission.epoch))?;
        add(args, submission.role.as_str().to_string())?;
        add(args, self.submission_id)?;
        add(args, self.at.to_string())?;
        match self.backend {
            Backend::Postgres => {
                for record in chunk {
                    n_rows += 1;
                    let case = record.case.as_ref();
                    add(args, record.record_ref.clone())?;
                    add(args, record.encoding.clone())?;
                    add(args, case.map(|c| c.referral_reason.as_str().to_string()))?;
                    add(args, case.map(|c| c.referral_source.as_str().to_string()))?;
                    add(args, case.map(|c| c.referred_on.clone()))?;
                    add(args, case.map(|_| "open".to_string()))?;
                }
            }
            Backend::Sqlite => {
                let rows: Vec<RowColumns<'_>> = chunk
                    .into_iter()
                    .map(|record| {
                        let case = record.case.as_ref();
                        (
                            record.record_ref.as_str(),
                            record.encoding.as_str(),
                            case.map(|c| c.referral_reason.as_str()),
                            case.map(|c| c.referral_source.as_str()),
                            case.map(|c| c.referred_on.as_str()),
                            case.map(|_| "open"),
                        )
                    })
                    .collect();
                n_rows = rows.len();
                let rows = serde_json::to_string(&rows)
                    .map_err(|e| StoreError::Corrupt(format!("records to JSON: {e}")))?;
                add(args, rows)?;
            }
        }
        Ok(BoundChunk { n_rows, arguments })
    }
}

/// Appends one owned value to a chunk statement's arguments.
fn add<T>(arguments: &mut AnyArguments<'static>, value: T) -> Result<(), StoreError>
where
    T: 'static + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    arguments
        .add(value)
        .map_err(|e| StoreError::Corrupt(format!("binding a record: {e}")))
}

/// Runs one bound chunk statement of `kind` (not [`InsertKind::Staged`]) through `conn`.
async fn run_chunk(
    backend: Backend,
    conn: &mut sqlx::AnyConnection,
    kind: InsertKind,
    bound: BoundChunk,
) -> Result<Vec<(i64, String)>, StoreError> {
    let sql = chunk_sql(backend, kind, bound.n_rows);
    Ok(
        sqlx::query_as_with::<_, (i64, String), _>(&sql, bound.arguments)
            .fetch_all(conn)
            .await?,
    )
}

/// [`insert_sql`], kept for full chunks: on PostgreSQL the text of a full chunk is 49,152
/// placeholders, which the writer would otherwise format again for every chunk.
pub(super) fn chunk_sql(
    backend: Backend,
    kind: InsertKind,
    rows: usize,
) -> std::borrow::Cow<'static, str> {
    use std::sync::OnceLock;
    static FULL: [[OnceLock<String>; 3]; 2] = [
        [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        [OnceLock::new(), OnceLock::new(), OnceLock::new()],
    ];
    if rows != CHUNK {
        return insert_sql(backend, kind, rows).into();
    }
    let slot = &FULL[usize::from(backend == Backend::Postgres)][kind.slot()];
    slot.get_or_init(|| insert_sql(backend, kind, rows))
        .as_str()
        .into()
}

/// A batch being written chunk by chunk inside one transaction (see [`Store::begin_ingest`]).
pub struct IngestTx<'a> {
    w: WriteTx<'a>,
    rows: RowBinder,
    /// Set once a plain insert met an existing row: the rest of the batch is upserted.
    upserting: bool,
    n_records: usize,
}

impl IngestTx<'_> {
    /// The submission's row id.
    pub fn submission_id(&self) -> i64 {
        self.rows.submission_id
    }

    /// What the statements of this batch's chunks are built from, to build them elsewhere
    /// (see [`IngestTx::write_bound`]).
    pub fn binder(&self) -> RowBinder {
        self.rows.clone()
    }

    /// Stores records, new ones inserted and stored ones (same ref) updated in their rows,
    /// returning `(row id, ref)` of each. References must be unique across the whole batch
    /// (the caller checks).
    ///
    /// Rows go in statements of up to [`CHUNK`]: on PostgreSQL a multi-row `values` list; on
    /// SQLite one JSON array bound as a single parameter and expanded by `json_each` (a
    /// `values` list measured 4× slower there). The columns every row shares are bound once.
    ///
    /// Each statement is first tried as a plain insert inside a savepoint, and only if a row
    /// already exists is it rolled back and run as an upsert; after that the batch upserts
    /// throughout (it is a re-upload). On PostgreSQL an upsert probes the unique index before
    /// inserting each row as well as while inserting it: 250,000 new rows took 5.4–5.8 s as an
    /// upsert and 3.3–3.5 s as a plain insert, and new rows are what rolls and cases mostly
    /// bring.
    pub async fn write(&mut self, records: &[NewRecord]) -> Result<Vec<(i64, String)>, StoreError> {
        self.write_bound(records, Vec::new()).await
    }

    /// [`IngestTx::write`], with the plain-insert arguments of `records`' chunks already
    /// built by this batch's [`RowBinder`] (one per [`RowBinder::CHUNK`] of `records`, in order; chunks
    /// without one are bound here). Building them takes the writer a few milliseconds per
    /// chunk, which a streamed upload spends on the blocking pool instead, while the previous
    /// chunk is being written.
    pub async fn write_bound(
        &mut self,
        records: &[NewRecord],
        bound: Vec<BoundChunk>,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let backend = self.rows.backend;
        let mut bound = bound.into_iter();
        let mut written = Vec::with_capacity(records.len());
        for chunk in records.chunks(CHUNK) {
            let prebound = bound.next().filter(|b| b.n_rows == chunk.len());
            if !self.upserting {
                let arguments = match prebound {
                    Some(arguments) => arguments,
                    None => self.rows.bind(chunk)?,
                };
                let mut savepoint = sqlx::Acquire::begin(&mut self.w.tx).await?;
                match run_chunk(backend, &mut savepoint, InsertKind::Plain, arguments).await {
                    Ok(rows) => {
                        savepoint.commit().await?;
                        written.extend(rows);
                        continue;
                    }
                    Err(e) if e.is_unique_violation() => {
                        savepoint.rollback().await?;
                        self.upserting = true;
                    }
                    Err(e) => return Err(e),
                }
            }
            let arguments = self.rows.bind(chunk)?;
            let rows = run_chunk(backend, &mut self.w.tx, InsertKind::Upsert, arguments);
            written.extend(rows.await?);
        }
        self.n_records += records.len();
        Ok(written)
    }

    /// Withdraws what a snapshot no longer contains, stores the request hash and the answer,
    /// appends the audit event and commits.
    pub async fn finish(
        mut self,
        request_hash: &str,
        result: &serde_json::Value,
    ) -> Result<IngestOutcome, StoreError> {
        // A record's authority, agreement, epoch and role are those of the submission that
        // last wrote it, so the records to withdraw are found through the earlier submissions'
        // ids (indexed on PostgreSQL); the key columns are checked as well, so a record
        // outside the key is never withdrawn whatever its submission.
        let withdrawn = withdraw_for_snapshot(
            &mut self.w.tx,
            "update records set status = 'withdrawn', updated_at = $1 \
             where submission_id in (select id from submissions where authority_code = $2 \
             and agreement_id = $3 and epoch = $4 and role = $5 and id <> $6) \
             and authority_code = $2 and agreement_id = $3 and epoch = $4 and role = $5 \
             and status = 'active' returning id",
            &self.rows,
        )
        .await?;
        let (submission, submission_id) = (&self.rows.submission, self.rows.submission_id);
        let accepted = Accepted {
            submission,
            submission_id,
            n_records: self.n_records,
            n_withdrawn: withdrawn.len(),
            request_hash,
            result,
            state: "stored",
        };
        accepted.record(&mut self.w).await?;
        self.w.commit().await?;
        Ok(IngestOutcome {
            submission_id,
            records: Vec::new(),
            withdrawn,
        })
    }
}

/// For a snapshot, withdraws the records of its key that it does not hold, by `sql` (bound:
/// time, authority, agreement, epoch, role, submission id; returning the withdrawn ids);
/// nothing for an incremental batch.
pub(super) async fn withdraw_for_snapshot(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    rows: &RowBinder,
) -> Result<Vec<i64>, StoreError> {
    let submission = &rows.submission;
    if submission.mode != SubmitMode::Snapshot {
        return Ok(Vec::new());
    }
    let withdrawn: Vec<(i64,)> = sqlx::query_as(sql)
        .bind(&*rows.at)
        .bind(&submission.authority)
        .bind(&submission.agreement_id)
        .bind(i64::from(submission.epoch))
        .bind(submission.role.as_str())
        .bind(rows.submission_id)
        .fetch_all(conn)
        .await?;
    Ok(withdrawn.into_iter().map(|(id,)| id).collect())
}

/// What accepting a batch writes, in the transaction that accepts it: the daily count (binding
/// for open cases), the request hash, the answer and the submission's new state, and the
/// `submission.accept` audit event.
pub(super) struct Accepted<'a> {
    pub submission: &'a NewSubmission,
    pub submission_id: i64,
    pub n_records: usize,
    pub n_withdrawn: usize,
    pub request_hash: &'a str,
    pub result: &'a serde_json::Value,
    /// `stored`, or `accepted` for a staged batch whose rows are still to be moved.
    pub state: &'static str,
}

impl Accepted<'_> {
    pub(super) async fn record(&self, w: &mut WriteTx<'_>) -> Result<(), StoreError> {
        let submission = self.submission;
        // Counted in this transaction, under the writer lock: two batches cannot both pass
        // the limit, and a refused batch leaves nothing behind (dropping the transaction
        // rolls back).
        let cases_today = if submission.role == Role::Missing {
            let counted = charge_cases(
                &mut w.tx,
                &submission.agreement_id,
                &submission.authority,
                self.n_records,
                submission.cases_per_day,
            )
            .await?;
            Some(counted.map_err(|hit| StoreError::DailyLimit(Box::new(hit)))?)
        } else {
            let (agreement, authority) = (&submission.agreement_id, &submission.authority);
            count_roll(&mut w.tx, agreement, authority, self.n_records).await?;
            None
        };
        sqlx::query(
            "update submissions set n_records = $1, request_hash = $2, result = $3, state = $4 \
             where id = $5",
        )
        .bind(self.n_records as i64)
        .bind(self.request_hash)
        .bind(self.result.to_string())
        .bind(self.state)
        .bind(self.submission_id)
        .execute(&mut *w.tx)
        .await?;
        let event = AuditEvent::new(
            &format!("authority:{}", submission.authority),
            "submission.accept",
            &submission.batch_id,
        )
        .with_detail(serde_json::json!({
            "submission_id": self.submission_id,
            "agreement_id": submission.agreement_id, "epoch": submission.epoch,
            "role": submission.role, "mode": submission.mode,
            "n_records": self.n_records, "n_withdrawn": self.n_withdrawn,
            "n_cases": cases_today.map(|_| self.n_records),
            "cases_today": cases_today,
            "cases_per_day": cases_today.and(submission.cases_per_day.per_day()),
        }));
        w.append(event).await
    }
}
