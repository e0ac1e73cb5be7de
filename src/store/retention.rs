//! Retention and erasure (protocol.md §14): the scheduled purge, an authority's immediate
//! erasure of its records, the follow-ups of cases closed as found, and key epoch rotation.
//!
//! Purging a record empties its encoding and sets `purged_at`; the row keeps its opaque
//! reference and case codes so decisions, follow-ups and labels still have something to point
//! at. Purging a sealed record empties `enc` and `ct`. Purges are audited with counts only,
//! never with what was purged.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::AnyConnection;

use super::audit::AuditEvent;
use super::workflow::state::Action;
use super::workflow::{purge_disclosures, retire_candidates_of};
use super::{now, Store, StoreError};

/// Days after a found case is closed at which its follow-ups fall due (domain notes §10).
pub const FOLLOW_UP_DAYS: [(i64, &str); 2] = [(42, "6_weeks"), (126, "18_weeks")];

/// What the purge keeps, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgePolicy {
    /// Undecided candidates older than this expire.
    pub confirm_within_days: i64,
    /// Closed cases' and withdrawn records' encodings are kept this long.
    pub purge_after_days: i64,
    /// Released sealed records are kept this long after their first download.
    pub sealed_ttl_days: i64,
}

/// What one purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PurgeReport {
    /// Candidates expired.
    pub n_candidates_expired: u64,
    /// Encodings purged of closed cases and withdrawn records.
    pub n_closed_purged: u64,
    /// Active records past their agreement's retention period, withdrawn and purged.
    pub n_retention_purged: u64,
    /// Records of retired key epochs, withdrawn and purged.
    pub n_epoch_purged: u64,
    /// Sealed records purged.
    pub n_sealed_purged: u64,
    /// Row ids the matching index must drop.
    #[serde(skip)]
    pub unindex: Vec<i64>,
}

/// A follow-up of a found case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Id.
    pub id: i64,
    /// The case's reference.
    pub record_ref: String,
    /// `6_weeks` or `18_weeks`.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// When it was done, if it was.
    pub done_at: Option<String>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Schedules the 6- and 18-week follow-ups of the cases `record_ids` closed at `at`.
pub(crate) async fn schedule_follow_ups(
    conn: &mut AnyConnection,
    authority: &str,
    record_ids: &[i64],
    at: &str,
) -> Result<u64, StoreError> {
    let closed = DateTime::parse_from_rfc3339(at)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {at}: {e}")))?
        .date_naive();
    let mut n = 0;
    for id in record_ids {
        for (days, kind) in FOLLOW_UP_DAYS {
            let due = (closed + Duration::days(days))
                .format("%Y-%m-%d")
                .to_string();
            n += sqlx::query(
                "insert into case_follow_ups (record_id, authority_code, kind, due_on, created_at) \
                 values ($1, $2, $3, $4, $5) on conflict (record_id, kind) do update set \
                 due_on = excluded.due_on, done_at = null",
            )
            .bind(id)
            .bind(authority)
            .bind(kind)
            .bind(due)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
    }
    Ok(n)
}

/// Withdraws and purges the records `ids`, retiring their open candidates.
async fn purge_records(conn: &mut AnyConnection, ids: &[i64], at: &str) -> Result<u64, StoreError> {
    let mut n = 0;
    for id in ids {
        n += sqlx::query(
            "update records set status = 'withdrawn', encoding = '', purged_at = $1, updated_at = $1 \
             where id = $2 and purged_at is null",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    retire_candidates_of(conn, ids, Action::Withdraw, at).await?;
    Ok(n)
}

async fn ids(conn: &mut AnyConnection, sql: &str, bind: &str) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = sqlx::query_as(sql).bind(bind).fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

impl Store {
    /// Runs the retention rules as of `at` in one transaction and audits the counts.
    pub async fn purge(
        &self,
        policy: PurgePolicy,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<PurgeReport, StoreError> {
        let now_text = stamp(at);
        let days_ago = |d: i64| stamp(at - Duration::days(d));
        let mut w = self.begin_write().await?;
        let conn: &mut AnyConnection = &mut w.tx;
        let mut report = PurgeReport::default();

        // Undecided candidates past the confirmation window.
        let stale = ids(
            conn,
            "select id from candidates where state in ('proposed', 'confirmed_one') and created_at < $1",
            &days_ago(policy.confirm_within_days),
        )
        .await?;
        for id in &stale {
            sqlx::query(
                "update candidates set state = 'expired', version = version + 1, updated_at = $1 \
                 where id = $2 and state in ('proposed', 'confirmed_one')",
            )
            .bind(&now_text)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            report.n_sealed_purged += purge_disclosures(conn, *id, &now_text).await?;
        }
        report.n_candidates_expired = stale.len() as u64;

        // Closed cases and withdrawn records after the grace period (already out of the index).
        let closed = ids(
            conn,
            "select id from records where purged_at is null and \
             ((status = 'withdrawn' and updated_at < $1) or (case_status = 'closed' and closed_at < $1))",
            &days_ago(policy.purge_after_days),
        )
        .await?;
        report.n_closed_purged = purge_records(conn, &closed, &now_text).await?;

        // Active records not refreshed within their agreement's retention period.
        let agreements: Vec<(String, i64)> =
            sqlx::query_as("select id, retention_days from agreements")
                .fetch_all(&mut *conn)
                .await?;
        let mut expired = Vec::new();
        for (agreement_id, retention_days) in agreements {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "select id from records where agreement_id = $1 and status = 'active' \
                 and purged_at is null and updated_at < $2",
            )
            .bind(agreement_id)
            .bind(days_ago(retention_days))
            .fetch_all(&mut *conn)
            .await?;
            expired.extend(rows.into_iter().map(|(id,)| id));
        }
        report.n_retention_purged = purge_records(conn, &expired, &now_text).await?;
        report.unindex.extend(expired);

        // Records of epochs whose rollover window has ended.
        let retired = ids(
            conn,
            "select r.id from records r join agreement_epochs e \
             on e.agreement_id = r.agreement_id and e.epoch = r.epoch \
             where r.purged_at is null and e.retire_after is not null and e.retire_after <= $1",
            &now_text,
        )
        .await?;
        report.n_epoch_purged = purge_records(conn, &retired, &now_text).await?;
        report.unindex.extend(retired);

        // Released sealed records past their time to live.
        report.n_sealed_purged += sqlx::query(
            "update disclosures set enc = '', ct = '', purged_at = $1 \
             where purged_at is null and released_at is not null and released_at < $2",
        )
        .bind(&now_text)
        .bind(days_ago(policy.sealed_ttl_days))
        .execute(&mut *conn)
        .await?
        .rows_affected();

        let detail = serde_json::to_value(&report).unwrap_or_default();
        w.append(AuditEvent::new(actor, "retention.purge", "hub").with_detail(detail))
            .await?;
        w.commit().await?;
        Ok(report)
    }

    /// Erases the caller's records with these references at once, in every agreement and
    /// epoch: encodings emptied, open candidates withdrawn, their sealed records purged.
    /// Returns the row ids erased (for the index). Unknown references are ignored.
    pub async fn erase(&self, authority: &str, refs: &[String]) -> Result<Vec<i64>, StoreError> {
        let at = now();
        let mut w = self.begin_write().await?;
        let mut ids = Vec::new();
        let sql = format!(
            "select id from records where id in ({}) and purged_at is null",
            super::records::ids_by_ref("$1", "$2")
        );
        for record_ref in refs {
            let rows: Vec<(i64,)> = sqlx::query_as(&sql)
                .bind(authority)
                .bind(record_ref)
                .fetch_all(&mut *w.tx)
                .await?;
            ids.extend(rows.into_iter().map(|(id,)| id));
        }
        let n = purge_records(&mut w.tx, &ids, &at).await?;
        let event = AuditEvent::new(
            &format!("authority:{authority}"),
            "records.erase",
            authority,
        )
        .with_detail(serde_json::json!({"n_requested": refs.len(), "n_erased": n}));
        w.append(event).await?;
        w.commit().await?;
        Ok(ids)
    }

    /// The caller's follow-ups due on or before `due_by` (`YYYY-MM-DD`) and not yet done.
    pub async fn follow_ups_due(
        &self,
        authority: &str,
        due_by: &str,
    ) -> Result<Vec<FollowUp>, StoreError> {
        let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
            "select f.id, r.ref, f.kind, f.due_on, f.done_at from case_follow_ups f \
             join records r on r.id = f.record_id \
             where f.authority_code = $1 and f.due_on <= $2 and f.done_at is null \
             order by f.due_on, f.id",
        )
        .bind(authority)
        .bind(due_by)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, record_ref, kind, due_on, done_at)| FollowUp {
                id,
                record_ref,
                kind,
                due_on,
                done_at,
            })
            .collect())
    }

    /// Marks the caller's follow-up `id` done; `false` when it has no such open follow-up.
    pub async fn complete_follow_up(&self, authority: &str, id: i64) -> Result<bool, StoreError> {
        let at = now();
        let mut w = self.begin_write().await?;
        let n = sqlx::query(
            "update case_follow_ups set done_at = $1 where id = $2 and authority_code = $3 \
             and done_at is null",
        )
        .bind(&at)
        .bind(id)
        .bind(authority)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if n > 0 {
            let event = AuditEvent::new(
                &format!("authority:{authority}"),
                "case.follow_up",
                &format!("follow_up:{id}"),
            );
            w.append(event).await?;
        }
        w.commit().await?;
        Ok(n > 0)
    }

    /// Starts key epoch `epoch` of `agreement_id` (protocol.md §15): it is accepted at once,
    /// and every older epoch still accepted is accepted for at most `window_days` more (an
    /// earlier end already set is kept), then refused and its records purged. Returns the
    /// older epochs that were still accepted.
    pub async fn rotate_epoch(
        &self,
        agreement_id: &str,
        epoch: u32,
        window_days: i64,
    ) -> Result<Vec<u32>, StoreError> {
        let at = now();
        let until = stamp(Utc::now() + Duration::days(window_days));
        let mut w = self.begin_write().await?;
        let existing: Vec<(i64,)> = sqlx::query_as(
            "select epoch from agreement_epochs where agreement_id = $1 \
             and (retire_after is null or retire_after > $2) order by epoch",
        )
        .bind(agreement_id)
        .bind(&at)
        .fetch_all(&mut *w.tx)
        .await?;
        if existing.is_empty() {
            return Err(StoreError::NotFound(format!("agreement {agreement_id}")));
        }
        let older: Vec<u32> = existing
            .iter()
            .map(|(e,)| *e as u32)
            .filter(|e| *e < epoch)
            .collect();
        if existing.iter().any(|(e,)| *e as u32 >= epoch) {
            return Err(StoreError::Conflict(format!(
                "epoch {epoch} or a later one of agreement {agreement_id}"
            )));
        }
        sqlx::query(
            "insert into agreement_epochs (agreement_id, epoch, created_at) values ($1, $2, $3)",
        )
        .bind(agreement_id)
        .bind(i64::from(epoch))
        .bind(&at)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| StoreError::from(e).on_unique(format!("epoch {epoch}")))?;
        sqlx::query(
            "update agreement_epochs set retire_after = $1 where agreement_id = $2 \
             and epoch < $3 and (retire_after is null or retire_after > $1)",
        )
        .bind(&until)
        .bind(agreement_id)
        .bind(i64::from(epoch))
        .execute(&mut *w.tx)
        .await?;
        let event = AuditEvent::new("admin", "agreement.rotate", agreement_id).with_detail(
            serde_json::json!({"epoch": epoch, "retiring": older, "retire_after": until}),
        );
        w.append(event).await?;
        w.commit().await?;
        Ok(older)
    }
}
