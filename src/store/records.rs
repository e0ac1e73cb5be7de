//! Stored records: loading them for the matching index, withdrawing them and closing cases.

use super::audit::AuditEvent;
use super::retention::schedule_follow_ups;
use super::workflow::retire_candidates_of;
use super::workflow::state::Action;
use super::{now, CaseOutcome, ReferralReason, ReferralSource, Role, Store, StoreError};

/// Case metadata of a `missing` record (domain notes §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInfo {
    /// Why the case was opened.
    pub referral_reason: ReferralReason,
    /// Who referred it.
    pub referral_source: ReferralSource,
    /// The referral date, `YYYY-MM-DD`.
    pub referred_on: String,
}

/// One of an authority's open CME cases, as `GET /v1/cases` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCase {
    /// The case's reference.
    pub record_ref: String,
    /// The agreement it was submitted under.
    pub agreement_id: String,
    /// Why, by whom and when it was referred.
    pub case: CaseInfo,
    /// When the hub stored it (RFC 3339).
    pub opened_at: String,
}

/// At most this many open cases are listed.
pub const MAX_OPEN_CASES: i64 = 5000;

/// A record as the matching index needs it.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// Row id.
    pub id: i64,
    /// The owning authority.
    pub authority_code: String,
    /// The agreement it was encoded under.
    pub agreement_id: String,
    /// The key epoch.
    pub epoch: u32,
    /// Missing or roll.
    pub role: Role,
    /// The opaque reference.
    pub record_ref: String,
    /// The hub-layer encoding in its stored form, sealed (open it with
    /// [`AtRestKey::open`](super::AtRestKey::open)).
    pub encoding: String,
    /// The submission that last wrote it.
    pub submission_id: i64,
    /// Whether the record itself is flagged matched. Matching has run for it since it was last
    /// written when this is set *or* its submission is not among
    /// [`Store::unmatched_submissions`].
    pub matched: bool,
}

impl StoredRecord {
    /// The row its sealed encoding is bound to.
    pub fn identity(&self) -> super::RowIdentity<'_> {
        super::RowIdentity {
            authority: &self.authority_code,
            agreement: &self.agreement_id,
            epoch: self.epoch,
            role: self.role,
            record_ref: &self.record_ref,
        }
    }
}

/// A subquery giving the ids of the records of authority `authority` with reference
/// `reference` (both placeholders), in every agreement, epoch and role.
///
/// It goes through the full unique key (authority, agreement, epoch, role, ref), taking the
/// authority's agreement, epoch and role combinations from its submissions (every record was
/// written by a submission of its own key). A plain `authority_code = … and ref = …` can use
/// only the authority prefix of that key in SQLite, and walked every index entry of the
/// authority: a quarter of a million for a large roll, for each reference withdrawn.
pub(crate) fn ids_by_ref(authority: &str, reference: &str) -> String {
    format!(
        "select r.id from (select distinct agreement_id, epoch, role from submissions \
         where authority_code = {authority}) k join records r on r.authority_code = {authority} \
         and r.agreement_id = k.agreement_id and r.epoch = k.epoch and r.role = k.role \
         and r.ref = {reference}"
    )
}

type RecordRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    i64,
    i64,
);
type SealedRow = (i64, String, String, i64, String, String, String, i64, i64);

/// `id, authority_code, agreement_id, epoch, role, ref, encoding, submission_id, matched`.
fn stored_record(row: SealedRow) -> Result<StoredRecord, StoreError> {
    let (
        id,
        authority_code,
        agreement_id,
        epoch,
        role,
        record_ref,
        encoding,
        submission_id,
        matched,
    ) = row;
    Ok(StoredRecord {
        id,
        authority_code,
        agreement_id,
        epoch: epoch as u32,
        role: role.parse().map_err(StoreError::Corrupt)?,
        record_ref,
        encoding,
        submission_id,
        matched: matched != 0,
    })
}

impl Store {
    /// The records the index holds (active rolls and open cases) with ids in
    /// `after < id <= through`, in id order: the start-up rebuild reads them window by window.
    ///
    /// The only predicate is the id range, so both databases read the primary key's range
    /// whatever their statistics say (a `limit` page filtered on status could be planned as a
    /// scan of every active row per page after a bulk load); rows the index does not hold come
    /// back without their encoding and are dropped here.
    pub async fn matchable_records(
        &self,
        after: i64,
        through: i64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let rows: Vec<RecordRow> = sqlx::query_as(
            "select id, authority_code, agreement_id, epoch, role, ref, \
             case when status = 'active' and (role = 'roll' or case_status = 'open') \
             then encoding end, submission_id, matched \
             from records where id > $1 and id <= $2 order by id",
        )
        .bind(after)
        .bind(through)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .filter_map(
                |(id, authority, agreement, epoch, role, r, encoding, submission, matched)| {
                    let encoding = encoding?;
                    Some(stored_record((
                        id, authority, agreement, epoch, role, r, encoding, submission, matched,
                    )))
                },
            )
            .collect()
    }

    /// Up to `limit` rows with an id above `after` whose encoding is still in a form written
    /// before encodings were sealed at rest (protocol.md §7.2), in id order: the hub seals
    /// them at start ([`Store::reseal`]). Purged rows (empty encodings) are not listed.
    pub async fn unsealed_records(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let rows: Vec<SealedRow> = sqlx::query_as(
            "select id, authority_code, agreement_id, epoch, role, ref, encoding, submission_id, \
             matched from records \
             where id > $1 and encoding <> '' and encoding not like 's1:%' order by id limit $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(stored_record).collect()
    }

    /// Replaces the encodings of rows listed by [`Store::unsealed_records`] with their sealed
    /// texts, in one transaction. A row sealed or purged meanwhile is left as it is.
    pub async fn reseal(&self, sealed: &[(i64, String)]) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        for (id, text) in sealed {
            sqlx::query(
                "update records set encoding = $1 \
                 where id = $2 and encoding <> '' and encoding not like 's1:%'",
            )
            .bind(text)
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        }
        w.commit().await
    }

    /// The highest record id (0 without records).
    pub async fn max_record_id(&self) -> Result<i64, StoreError> {
        let (max,): (Option<i64>,) = sqlx::query_as("select max(id) from records")
            .fetch_one(&self.pool)
            .await?;
        Ok(max.unwrap_or(0))
    }

    /// The submissions whose matching has not been recorded (crashed before it, or written
    /// before matching was tracked per submission), in the order they were accepted, each with
    /// its id and the answer stored when it was committed (`None` if that does not parse),
    /// which its matching completes.
    ///
    /// The order they were accepted in is that of their `submission.accept` audit events,
    /// appended in the transaction that accepted each (the audit chain is append-only, and a
    /// batch id is the authority's once accepted). It differs from the order of submission
    /// ids when a streamed batch, whose row is inserted when its upload begins, is accepted
    /// after a batch that began later. A batch without the event (accepted before the chain
    /// recorded acceptances) comes first, in id order.
    pub async fn unmatched_submissions(
        &self,
    ) -> Result<Vec<(i64, Option<serde_json::Value>)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "select s.id, s.result from submissions s where s.matched = 0 and s.state = 'stored' \
             order by coalesce((select min(e.id) from audit_events e \
             where e.action = 'submission.accept' and e.subject = s.batch_id \
             and e.actor = 'authority:' || s.authority_code), 0), s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, result)| (id, serde_json::from_str(&result).ok()))
            .collect())
    }

    /// The caller's open cases, oldest first (at most [`MAX_OPEN_CASES`]), through the partial
    /// index of open cases.
    pub async fn open_cases(&self, authority: &str) -> Result<Vec<OpenCase>, StoreError> {
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "select ref, agreement_id, referral_reason, referral_source, referred_on, created_at \
             from records where authority_code = $1 and case_status = 'open' \
             and status = 'active' order by created_at, id limit $2",
        )
        .bind(authority)
        .bind(MAX_OPEN_CASES)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(record_ref, agreement_id, reason, source, referred_on, opened_at)| {
                    let corrupt =
                        || StoreError::Corrupt(format!("case {record_ref} lacks its referral"));
                    let case = CaseInfo {
                        referral_reason: reason
                            .ok_or_else(corrupt)?
                            .parse()
                            .map_err(StoreError::Corrupt)?,
                        referral_source: source
                            .ok_or_else(corrupt)?
                            .parse()
                            .map_err(StoreError::Corrupt)?,
                        referred_on: referred_on.ok_or_else(corrupt)?,
                    };
                    Ok(OpenCase {
                        record_ref,
                        agreement_id,
                        case,
                        opened_at,
                    })
                },
            )
            .collect()
    }

    /// Withdraws the caller's active records with these references under `agreement_id`
    /// (or every agreement), returning the row ids withdrawn; their candidates not yet
    /// released become `withdrawn`. Unknown references are ignored.
    pub async fn withdraw(
        &self,
        authority: &str,
        agreement_id: Option<&str>,
        refs: &[String],
    ) -> Result<Vec<i64>, StoreError> {
        let at = now();
        let mut w = self.begin_write().await?;
        let mut ids = Vec::new();
        let sql = format!(
            "update records set status = 'withdrawn', updated_at = $1 \
             where id in ({}) and status = 'active' \
             and ($4 = '' or agreement_id = $4) returning id",
            ids_by_ref("$2", "$3")
        );
        for record_ref in refs {
            let rows: Vec<(i64,)> = sqlx::query_as(&sql)
                .bind(&at)
                .bind(authority)
                .bind(record_ref)
                .bind(agreement_id.unwrap_or(""))
                .fetch_all(&mut *w.tx)
                .await?;
            ids.extend(rows.into_iter().map(|(id,)| id));
        }
        let n_candidates = retire_candidates_of(&mut w.tx, &ids, Action::Withdraw, &at).await?;
        let event = AuditEvent::new(
            &format!("authority:{authority}"),
            "records.withdraw",
            authority,
        )
        .with_detail(
            serde_json::json!({"n_requested": refs.len(), "n_withdrawn": ids.len(),
            "n_candidates_withdrawn": n_candidates}),
        );
        w.append(event).await?;
        w.commit().await?;
        Ok(ids)
    }

    /// Closes the caller's open case `record_ref` with `outcome`, marking its undecided
    /// candidates `case_closed` (protocol.md §11.1). Returns the row ids closed; empty when the caller has no
    /// such open case, which is audited as `case.refused` (perhaps a probe of another
    /// authority's reference). [`StoreError::Conflict`] when it exists but is already closed.
    pub async fn close_case(
        &self,
        authority: &str,
        record_ref: &str,
        outcome: CaseOutcome,
    ) -> Result<Vec<i64>, StoreError> {
        let at = now();
        let mut w = self.begin_write().await?;
        let ids: Vec<(i64,)> = sqlx::query_as(&format!(
            "update records set case_status = 'closed', outcome = $1, closed_at = $2, updated_at = $2 \
             where id in ({}) and role = 'missing' and status = 'active' \
             and case_status = 'open' returning id",
            ids_by_ref("$3", "$4")
        ))
        .bind(outcome.as_str())
        .bind(&at)
        .bind(authority)
        .bind(record_ref)
        .fetch_all(&mut *w.tx)
        .await?;
        let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
        if ids.is_empty() {
            let closed: Option<(i64,)> = sqlx::query_as(&format!(
                "select id from records where id in ({}) \
                 and role = 'missing' and status = 'active' limit 1",
                ids_by_ref("$1", "$2")
            ))
            .bind(authority)
            .bind(record_ref)
            .fetch_optional(&mut *w.tx)
            .await?;
            if closed.is_some() {
                return Err(StoreError::Conflict(format!("closed case {record_ref}")));
            }
            // No such case of this authority's (perhaps another's): audited as a probe.
            let event =
                AuditEvent::new(&format!("authority:{authority}"), "case.refused", authority)
                    .with_detail(serde_json::json!({"ref": record_ref, "attempted": "close"}));
            w.append(event).await?;
            w.commit().await?;
            return Ok(Vec::new());
        }
        retire_candidates_of(&mut w.tx, &ids, Action::CloseCase, &at).await?;
        let n_follow_ups = if outcome.is_found() {
            schedule_follow_ups(&mut w.tx, authority, &ids, &at).await?
        } else {
            0
        };
        let event = AuditEvent::new(&format!("authority:{authority}"), "case.close", record_ref)
            .with_detail(serde_json::json!({"outcome": outcome, "n_follow_ups": n_follow_ups}));
        w.append(event).await?;
        w.commit().await?;
        Ok(ids)
    }
}
