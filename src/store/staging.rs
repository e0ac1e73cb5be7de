//! Staged uploads: a streamed batch is received into `staged_records` chunk by chunk, each
//! chunk in its own short transaction, so that nothing searches, candidate views or audit
//! appends need (the writer lock, and on SQLite the database's one write lock) is held while
//! the body arrives, however slowly it comes.
//!
//! A submission moves through three states (migrations `0009`/`0011_staged_uploads.sql`):
//!
//! - `staging`: its rows are being received. Nothing outside this module reads them; an
//!   upload that fails, is refused or is abandoned leaves nothing behind
//!   ([`Staging::abandon`], on drop, and [`Store::discard_staging`] at start).
//! - `accepted`: every line was received and checked, and one brief transaction counted the
//!   batch against the daily limits, withdrew what a snapshot no longer holds, stored the
//!   request hash and answer and appended the `submission.accept` audit event. This is the
//!   commit point: from here the batch is the client's, whatever happens next.
//! - `stored`: every staged row has been moved into `records`, a chunk per short transaction
//!   ([`Store::store_accepted`]); a hub that stopped half way finishes at start.

use super::submissions::{
    chunk_sql, insert_submission, withdraw_for_snapshot, Accepted, InsertKind, UPSERT_TAIL,
};
use super::{now, BoundChunk, NewRecord, NewSubmission, RowBinder, Store, StoreError};

/// Staged rows moved into `records` per transaction: small, so that each transaction holds
/// the writer for a few tens of milliseconds and searches' audit appends pass between them.
const MOVE_CHUNK: i64 = 2048;

/// A streamed batch being received (see the module documentation). Dropped before
/// [`Staging::accept`], it deletes what it staged, in the background.
pub struct Staging {
    store: Store,
    rows: RowBinder,
    n_records: usize,
    /// Set once accepted or abandoned: nothing is left to clean up on drop.
    settled: bool,
}

/// A batch at its commit point: accepted, with its rows still to move into `records`.
#[derive(Debug, Clone, Copy)]
pub struct AcceptedBatch {
    /// The submission's id.
    pub submission_id: i64,
}

impl Store {
    /// Starts receiving a streamed batch: inserts its submission row, in state `staging`, in a
    /// short transaction of its own. A batch id in use (received, or being received) gives
    /// [`StoreError::Conflict`].
    pub async fn begin_staging(&self, submission: &NewSubmission) -> Result<Staging, StoreError> {
        let mut w = self.begin_write().await?;
        let rows = insert_submission(self.backend, &mut w, submission, "staging").await?;
        w.commit().await?;
        Ok(Staging {
            store: self.clone(),
            rows,
            n_records: 0,
            settled: false,
        })
    }

    /// Deletes every batch still `staging` (a hub stopped while receiving it: never accepted,
    /// never answered) with its staged rows. Run at start; returns how many there were.
    pub async fn discard_staging(&self) -> Result<usize, StoreError> {
        let ids: Vec<(i64,)> =
            sqlx::query_as("select id from submissions where state = 'staging' order by id")
                .fetch_all(&self.pool)
                .await?;
        for (id,) in &ids {
            self.delete_staging(*id).await?;
        }
        Ok(ids.len())
    }

    /// The accepted batches whose rows have not all been moved into `records` (a hub stopped
    /// half way), in the order they were accepted.
    pub async fn accepted_batches(&self) -> Result<Vec<AcceptedBatch>, StoreError> {
        let ids: Vec<(i64,)> =
            sqlx::query_as("select id from submissions where state = 'accepted' order by id")
                .fetch_all(&self.pool)
                .await?;
        Ok(ids
            .into_iter()
            .map(|(submission_id,)| AcceptedBatch { submission_id })
            .collect())
    }

    /// Moves an accepted batch's staged rows into `records`, [`MOVE_CHUNK`] per short
    /// transaction (new rows inserted, a stored reference's row updated in place, as
    /// [`super::IngestTx::write`] does), then marks it `stored`. Returns `(row id, ref)` of
    /// every row it moved. Run again after a stop, it moves what is left.
    pub async fn store_accepted(
        &self,
        batch: AcceptedBatch,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let id = batch.submission_id;
        let at = now();
        let mut moved = Vec::new();
        let mut upserting = false;
        loop {
            let mut w = self.begin_write().await?;
            let rows = if upserting {
                move_chunk(&mut w.tx, id, &at, true).await?
            } else {
                let mut savepoint = sqlx::Acquire::begin(&mut w.tx).await?;
                match move_chunk(&mut savepoint, id, &at, false).await {
                    Ok(rows) => {
                        savepoint.commit().await?;
                        rows
                    }
                    Err(e) if e.is_unique_violation() => {
                        // A re-upload: this and every later chunk update stored rows.
                        savepoint.rollback().await?;
                        upserting = true;
                        move_chunk(&mut w.tx, id, &at, true).await?
                    }
                    Err(e) => return Err(e),
                }
            };
            if rows.is_empty() {
                sqlx::query("update submissions set state = 'stored' where id = $1")
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await?;
                w.commit().await?;
                return Ok(moved);
            }
            sqlx::query(
                "delete from staged_records where id in (select id from staged_records \
                 where submission_id = $1 order by id limit $2)",
            )
            .bind(id)
            .bind(MOVE_CHUNK)
            .execute(&mut *w.tx)
            .await?;
            w.commit().await?;
            crate::fault::reach(crate::fault::CrashPoint::Moving);
            moved.extend(rows);
        }
    }

    /// Deletes a batch that was never accepted: its staged rows, then its submission row (in
    /// short transactions, so a large abandoned upload holds no lock for long).
    async fn delete_staging(&self, submission_id: i64) -> Result<(), StoreError> {
        loop {
            let mut w = self.begin_write().await?;
            let deleted = sqlx::query(
                "delete from staged_records where id in (select id from staged_records \
                 where submission_id = $1 order by id limit $2)",
            )
            .bind(submission_id)
            .bind(4 * MOVE_CHUNK)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
            if deleted == 0 {
                sqlx::query("delete from submissions where id = $1 and state = 'staging'")
                    .bind(submission_id)
                    .execute(&mut *w.tx)
                    .await?;
                w.commit().await?;
                return Ok(());
            }
            w.commit().await?;
        }
    }
}

/// Moves the next [`MOVE_CHUNK`] staged rows of submission `id` into `records` (as an upsert
/// when `upsert`), returning `(row id, ref)` of each. The columns every row of the batch
/// shares come from its submission row.
async fn move_chunk(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    at: &str,
    upsert: bool,
) -> Result<Vec<(i64, String)>, StoreError> {
    let sql = format!(
        "insert into records (authority_code, agreement_id, epoch, ref, role, status, encoding, \
         referral_reason, referral_source, referred_on, case_status, submission_id, matched, \
         created_at, updated_at) \
         select b.authority_code, b.agreement_id, b.epoch, s.ref, b.role, 'active', s.encoding, \
         s.referral_reason, s.referral_source, s.referred_on, s.case_status, b.id, 0, $1, $1 \
         from staged_records s join submissions b on b.id = s.submission_id \
         where s.id in (select id from staged_records where submission_id = $2 \
         order by id limit $3){} returning id, ref",
        if upsert { UPSERT_TAIL } else { "" }
    );
    Ok(sqlx::query_as::<_, (i64, String)>(&sql)
        .bind(at)
        .bind(id)
        .bind(MOVE_CHUNK)
        .fetch_all(conn)
        .await?)
}

impl Staging {
    /// The submission's row id.
    pub fn submission_id(&self) -> i64 {
        self.rows.submission_id
    }

    /// What the statements of this batch's chunks are built from, to build them elsewhere
    /// (see [`Staging::write_bound`]).
    pub fn binder(&self) -> RowBinder {
        self.rows.clone()
    }

    /// Stages records (references unique across the batch: the caller checks), one short
    /// transaction per call, with the staging statements' arguments already built by this
    /// batch's [`RowBinder`] where given (one per [`RowBinder::CHUNK`] of `records`).
    pub async fn write_bound(
        &mut self,
        records: &[NewRecord],
        bound: Vec<BoundChunk>,
    ) -> Result<(), StoreError> {
        let backend = self.rows.backend;
        let mut bound = bound.into_iter();
        let mut w = self.store.begin_write().await?;
        for chunk in records.chunks(RowBinder::CHUNK) {
            let arguments = match bound.next().filter(|b| b.n_rows == chunk.len()) {
                Some(arguments) => arguments,
                None => self.rows.bind(chunk)?,
            };
            let sql = chunk_sql(backend, InsertKind::Staged, arguments.n_rows);
            sqlx::query_with(&sql, arguments.arguments)
                .execute(&mut *w.tx)
                .await?;
        }
        w.commit().await?;
        self.n_records += records.len();
        Ok(())
    }

    /// The commit point, in one brief transaction: counts the batch against the daily limits
    /// (refusing it whole with [`StoreError::DailyLimit`], after which it is abandoned),
    /// withdraws the records a snapshot no longer holds, stores the request hash and the
    /// answer and appends the audit event. Returns the accepted batch and the withdrawn row
    /// ids; its rows are then moved by [`Store::store_accepted`]. After an error nothing was
    /// accepted: [`Staging::abandon`] it.
    pub async fn accept(
        &mut self,
        request_hash: &str,
        result: &serde_json::Value,
    ) -> Result<(AcceptedBatch, Vec<i64>), StoreError> {
        let submission = self.rows.submission.clone();
        let submission_id = self.rows.submission_id;
        let mut w = self.store.begin_write().await?;
        // The records of the key that this snapshot does not list: none of this batch's rows
        // is in `records` yet, so every active row of the key is an earlier one.
        let withdrawn = withdraw_for_snapshot(
            &mut w.tx,
            "update records set status = 'withdrawn', updated_at = $1 \
             where authority_code = $2 and agreement_id = $3 and epoch = $4 and role = $5 \
             and status = 'active' \
             and ref not in (select ref from staged_records where submission_id = $6) \
             returning id",
            &self.rows,
        )
        .await?;
        let accepted = Accepted {
            submission: &submission,
            submission_id,
            n_records: self.n_records,
            n_withdrawn: withdrawn.len(),
            request_hash,
            result,
            state: "accepted",
        };
        accepted.record(&mut w).await?;
        w.commit().await?;
        self.settled = true;
        Ok((AcceptedBatch { submission_id }, withdrawn))
    }

    /// Deletes what was staged (a refused or failed upload), waiting until it is gone (if
    /// the database refuses, dropping the handle tries again in the background).
    pub async fn abandon(mut self) -> Result<(), StoreError> {
        let deleted = self.store.delete_staging(self.rows.submission_id).await;
        self.settled = deleted.is_ok();
        deleted
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // An upload that stopped half way (the client went away, a read failed): delete what
        // it staged in the background; the start-up sweep catches what this misses.
        let (store, id) = (self.store.clone(), self.rows.submission_id);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.delete_staging(id).await {
                    tracing::warn!(submission_id = id, error = %e, "an abandoned upload's staged rows stay until the next start");
                }
            });
        }
    }
}
