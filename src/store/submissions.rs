//! Submissions: one client batch of encoded records, written in one transaction.
//!
//! A batch is identified by `(authority, batch_id)`; the request's canonical hash and the
//! answer are kept so that a retry gets the first answer and a different batch under a used
//! id is refused. Records are upserted on `(authority, agreement, epoch, role, ref)`, so a
//! resubmitted record keeps its row id (and therefore never duplicates a candidate).

use super::audit::{append, AuditEvent};
use super::records::CaseInfo;
use super::{now, Backend, Role, Store, StoreError, SubmitMode, WriteTx};

/// Rows per insert statement (on SQLite one JSON parameter holds them; on PostgreSQL six
/// parameters a row, 24,582 in all, under its limit of 65,535). 4096 rather than 2048 measured
/// ×1.08 on SQLite ingest: half the statements for SQLite's writer thread to run.
const CHUNK: usize = 4096;

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
         updated_at = excluded.updated_at returning id, ref"
    };
}

/// The chunk insert on SQLite: parameters authority, agreement, epoch, role, submission, time,
/// rows (`where true` lets the upsert clause follow a `select`).
const SQLITE_INSERT: &str = concat!(
    "insert into records (authority_code, agreement_id, epoch, ref, role, status, \
     encoding, referral_reason, referral_source, referred_on, case_status, \
     submission_id, matched, created_at, updated_at) \
     select ?1, ?2, ?3, j.value ->> 0, ?4, 'active', j.value ->> 1, j.value ->> 2, \
     j.value ->> 3, j.value ->> 4, j.value ->> 5, ?5, 0, ?6, ?6 \
     from json_each(?7) j where true",
    upsert_tail!()
);

/// The chunk insert on PostgreSQL, with the same parameters.
const POSTGRES_INSERT: &str = concat!(
    "insert into records (authority_code, agreement_id, epoch, ref, role, status, \
     encoding, referral_reason, referral_source, referred_on, case_status, \
     submission_id, matched, created_at, updated_at) \
     select $1, $2, $3, j.value ->> 0, $4, 'active', j.value ->> 1, j.value ->> 2, \
     j.value ->> 3, j.value ->> 4, j.value ->> 5, $5, 0, $6, $6 \
     from json_array_elements($7::json) j",
    upsert_tail!()
);

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
        let row: Option<(String, String)> = sqlx::query_as(
            "select request_hash, result from submissions where authority_code = $1 and batch_id = $2",
        )
        .bind(authority)
        .bind(batch_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(request_hash, result)| {
            Ok(PriorSubmission {
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
        let at = now();
        let mut w = self.begin_write().await?;
        let (submission_id,): (i64,) = sqlx::query_as(
            "insert into submissions (authority_code, batch_id, agreement_id, epoch, role, mode, \
             n_records, request_hash, result, created_at) \
             values ($1, $2, $3, $4, $5, $6, 0, '', '{}', $7) returning id",
        )
        .bind(&submission.authority)
        .bind(&submission.batch_id)
        .bind(&submission.agreement_id)
        .bind(i64::from(submission.epoch))
        .bind(submission.role.as_str())
        .bind(submission.mode.as_str())
        .bind(&at)
        .fetch_one(&mut *w.tx)
        .await
        .map_err(|e| StoreError::from(e).on_unique(format!("batch {}", submission.batch_id)))?;
        Ok(IngestTx {
            store: self,
            w,
            submission: submission.clone(),
            submission_id,
            at,
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

/// A batch being written chunk by chunk inside one transaction (see [`Store::begin_ingest`]).
pub struct IngestTx<'a> {
    store: &'a Store,
    w: WriteTx<'a>,
    submission: NewSubmission,
    submission_id: i64,
    at: String,
    n_records: usize,
}

impl IngestTx<'_> {
    /// The submission's row id.
    pub fn submission_id(&self) -> i64 {
        self.submission_id
    }

    /// Upserts a chunk of records, returning `(row id, ref)` of each. References must be
    /// unique across the whole batch (the caller checks).
    ///
    /// The varying columns of up to [`CHUNK`] rows travel as one JSON array bound as a single
    /// parameter and expanded by the database (`json_each` in SQLite, `json_to_recordset` in
    /// PostgreSQL); the columns every row shares are bound once. One statement per chunk,
    /// without the per-parameter cost of a multi-row `values` list.
    pub async fn write(&mut self, records: &[NewRecord]) -> Result<Vec<(i64, String)>, StoreError> {
        let submission = &self.submission;
        let mut written = Vec::with_capacity(records.len());
        let sql = match self.store.backend {
            Backend::Sqlite => SQLITE_INSERT,
            Backend::Postgres => POSTGRES_INSERT,
        };
        if self.store.backend == Backend::Postgres {
            for chunk in records.chunks(CHUNK) {
                let mut sql = String::with_capacity(64 * chunk.len() + 1024);
                sql.push_str(
                    "insert into records (authority_code, agreement_id, epoch, ref, role, status, \
                     encoding, referral_reason, referral_source, referred_on, case_status, \
                     submission_id, matched, created_at, updated_at) values ",
                );
                for i in 0..chunk.len() {
                    let p = 6 + i * 6;
                    if i > 0 {
                        sql.push(',');
                    }
                    use std::fmt::Write;
                    let _ = write!(
                        sql,
                        "($1, $2, $3, ${}, $4, 'active', ${}, ${}, ${}, ${}, ${}, $5, 0, $6, $6)",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 6
                    );
                }
                sql.push_str(upsert_tail!());
                let mut query = sqlx::query_as::<_, (i64, String)>(&sql)
                    .bind(&submission.authority)
                    .bind(&submission.agreement_id)
                    .bind(i64::from(submission.epoch))
                    .bind(submission.role.as_str())
                    .bind(self.submission_id)
                    .bind(&self.at);
                for record in chunk {
                    let case = record.case.as_ref();
                    query = query
                        .bind(&record.record_ref)
                        .bind(&record.encoding)
                        .bind(case.map(|c| c.referral_reason.as_str()))
                        .bind(case.map(|c| c.referral_source.as_str()))
                        .bind(case.map(|c| c.referred_on.clone()))
                        .bind(case.map(|_| "open"));
                }
                written.extend(query.fetch_all(&mut *self.w.tx).await?);
            }
            self.n_records += records.len();
            return Ok(written);
        }
        for chunk in records.chunks(CHUNK) {
            let rows: Vec<RowColumns<'_>> = chunk
                .iter()
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
            let rows = serde_json::to_string(&rows)
                .map_err(|e| StoreError::Corrupt(format!("records to JSON: {e}")))?;
            let query = sqlx::query_as::<_, (i64, String)>(sql)
                .bind(&submission.authority)
                .bind(&submission.agreement_id)
                .bind(i64::from(submission.epoch))
                .bind(submission.role.as_str())
                .bind(self.submission_id)
                .bind(&self.at)
                .bind(rows);
            written.extend(query.fetch_all(&mut *self.w.tx).await?);
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
        let submission = &self.submission;
        let withdrawn: Vec<i64> = if submission.mode == SubmitMode::Snapshot {
            sqlx::query_as::<_, (i64,)>(
                "update records set status = 'withdrawn', updated_at = $1 \
                 where authority_code = $2 and agreement_id = $3 and epoch = $4 and role = $5 \
                 and status = 'active' and submission_id <> $6 returning id",
            )
            .bind(&self.at)
            .bind(&submission.authority)
            .bind(&submission.agreement_id)
            .bind(i64::from(submission.epoch))
            .bind(submission.role.as_str())
            .bind(self.submission_id)
            .fetch_all(&mut *self.w.tx)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect()
        } else {
            Vec::new()
        };
        sqlx::query(
            "update submissions set n_records = $1, request_hash = $2, result = $3 where id = $4",
        )
        .bind(self.n_records as i64)
        .bind(request_hash)
        .bind(result.to_string())
        .bind(self.submission_id)
        .execute(&mut *self.w.tx)
        .await?;
        let event = AuditEvent::new(
            &format!("authority:{}", submission.authority),
            "submission.accept",
            &submission.batch_id,
        )
        .with_detail(serde_json::json!({
            "agreement_id": submission.agreement_id, "epoch": submission.epoch,
            "role": submission.role, "mode": submission.mode,
            "n_records": self.n_records, "n_withdrawn": withdrawn.len(),
        }));
        append(&mut self.w.tx, event).await?;
        self.w.commit().await?;
        Ok(IngestOutcome {
            submission_id: self.submission_id,
            records: Vec::new(),
            withdrawn,
        })
    }
}
