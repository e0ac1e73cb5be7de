//! The two-sided confirmation workflow (protocol.md §11): decisions, sealed disclosures and
//! their release, enforced in transactions.
//!
//! Every transition reads the candidate, asks [`state::next`] whether the action is allowed,
//! writes the decision (unique per side and kind) and then moves the candidate with a
//! conditional update on the state and version it read. Within one hub process the store's
//! writer lock already serialises transitions; the conditional update and the unique decision
//! keep them consistent across processes too, so two concurrent confirmations can never both
//! win and a rejection can never be lost behind a confirmation.

pub mod state;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use self::state::{next, Action, Sides, TransitionError};
use super::audit::AuditEvent;
use super::{now, CandidateState, Role, Store, StoreError, VerifiedOutcome, WriteTx};

/// Why a workflow action failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// No such candidate visible to the caller.
    #[error("candidate {0} not found")]
    NotFound(i64),
    /// The state machine refuses the action.
    #[error("candidate {id}: {error}")]
    Transition {
        /// The candidate.
        id: i64,
        /// Why.
        error: TransitionError,
    },
    /// The other side has no disclosure key to seal to.
    #[error("authority {0} has not registered a disclosure key yet; nothing can be sealed to it")]
    NoCounterpartKey(String),
    /// The record was sealed to a key that is not the other side's current key.
    #[error("the record was sealed to key {given}, but the other side's current key is {current}; fetch the candidate again and re-seal")]
    StaleKey {
        /// The fingerprint sealed to.
        given: String,
        /// The current fingerprint.
        current: String,
    },
    /// Another transition changed the candidate first; read it again.
    #[error("candidate {0} changed while this request ran; read it again")]
    Concurrent(i64),
    /// The sealed record was purged (retention).
    #[error("the sealed record of candidate {0} has been purged")]
    Purged(i64),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for WorkflowError {
    fn from(e: sqlx::Error) -> Self {
        WorkflowError::Store(e.into())
    }
}

/// Why and by whom a decision was taken.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The reason code.
    pub reason: String,
    /// Free text (a coordinator's reasons; never personal data).
    pub note: String,
    /// Who decided (a staff identifier given by the client).
    pub decided_by: String,
}

/// A sealed record uploaded with a confirmation.
#[derive(Debug, Clone)]
pub struct NewSealed {
    /// The fingerprint of the key it was sealed to.
    pub recipient_key: String,
    /// The encapsulated key, base64url.
    pub enc: String,
    /// The ciphertext, base64url.
    pub ct: String,
}

/// One side of a candidate.
#[derive(Debug, Clone)]
pub struct Party {
    /// The record's row id.
    pub record_id: i64,
    /// The authority.
    pub authority: String,
    /// The record's opaque reference (shown only to its own authority).
    pub record_ref: String,
    /// Missing or roll.
    pub role: Role,
}

/// A candidate with both parties, as the workflow reads it.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    /// Id.
    pub id: i64,
    /// Agreement.
    pub agreement_id: String,
    /// Key epoch of both records.
    pub epoch: u32,
    /// State.
    pub state: CandidateState,
    /// Transition counter.
    pub version: i64,
    /// Match probability.
    pub probability: f64,
    /// Match weight.
    pub match_weight: f64,
    /// The matcher's evidence.
    pub evidence: serde_json::Value,
    /// When proposed.
    pub created_at: String,
    /// Last transition.
    pub updated_at: String,
    /// The lower record's side.
    pub lo: Party,
    /// The higher record's side.
    pub hi: Party,
}

impl CandidateRow {
    /// `(own side, other side)` for `authority`, if it is a party.
    pub fn sides(&self, authority: &str) -> Option<(&Party, &Party)> {
        if self.lo.authority == authority {
            Some((&self.lo, &self.hi))
        } else if self.hi.authority == authority {
            Some((&self.hi, &self.lo))
        } else {
            None
        }
    }
}

/// One decision as recorded.
#[derive(Debug, Clone)]
pub struct RecordedDecision {
    /// The deciding authority.
    pub authority: String,
    /// `confirm`, `reject` or `outcome`.
    pub kind: String,
    /// `confirm`, `reject`, `same_child` or `different_child`.
    pub decision: String,
    /// Reason code.
    pub reason: String,
    /// Free text.
    pub note: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub at: String,
}

/// A candidate as one party sees it in detail.
#[derive(Debug, Clone)]
pub struct CandidateDetail {
    /// The candidate.
    pub candidate: CandidateRow,
    /// Every decision, oldest first.
    pub decisions: Vec<RecordedDecision>,
    /// The other side's current disclosure key (`(base64 key, fingerprint)`), if registered.
    pub counterpart_key: Option<(String, String)>,
    /// Whether the caller's own sealed record is at the hub.
    pub own_sealed: bool,
    /// Whether the other side's sealed record is waiting for the caller (released or not).
    pub counterpart_sealed: bool,
}

/// A transition that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The candidate.
    pub id: i64,
    /// Before.
    pub from: CandidateState,
    /// After.
    pub to: CandidateState,
}

/// A sealed record released to its recipient.
#[derive(Debug, Clone)]
pub struct ReleasedDisclosure {
    /// The transition the release caused (`disclosed` on the first release).
    pub transition: Transition,
    /// The agreement.
    pub agreement_id: String,
    /// The sender.
    pub sender: String,
    /// The recipient (the caller).
    pub recipient: String,
    /// The recipient key's fingerprint.
    pub recipient_key: String,
    /// Encapsulated key.
    pub enc: String,
    /// Ciphertext.
    pub ct: String,
}

const CANDIDATE_SQL: &str = "select c.id, c.agreement_id, lo.epoch, c.state, c.version, \
     c.probability, c.match_weight, c.evidence, c.created_at, c.updated_at, \
     c.record_lo, lo.authority_code, lo.ref, lo.role, c.record_hi, hi.authority_code, hi.ref, hi.role \
     from candidates c join records lo on lo.id = c.record_lo join records hi on hi.id = c.record_hi \
     where c.id = $1";

fn corrupt(what: &str) -> impl Fn(String) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn candidate_from(row: &AnyRow) -> Result<CandidateRow, StoreError> {
    let party = |i: usize| -> Result<Party, StoreError> {
        Ok(Party {
            record_id: row.try_get(i)?,
            authority: row.try_get(i + 1)?,
            record_ref: row.try_get(i + 2)?,
            role: row
                .try_get::<String, _>(i + 3)?
                .parse()
                .map_err(corrupt("record role"))?,
        })
    };
    let evidence: String = row.try_get(7)?;
    Ok(CandidateRow {
        id: row.try_get(0)?,
        agreement_id: row.try_get(1)?,
        epoch: row.try_get::<i64, _>(2)? as u32,
        state: row
            .try_get::<String, _>(3)?
            .parse()
            .map_err(corrupt("candidate state"))?,
        version: row.try_get(4)?,
        probability: row.try_get(5)?,
        match_weight: row.try_get(6)?,
        evidence: serde_json::from_str(&evidence)
            .map_err(|e| StoreError::Corrupt(format!("candidate evidence: {e}")))?,
        created_at: row.try_get(8)?,
        updated_at: row.try_get(9)?,
        lo: party(10)?,
        hi: party(14)?,
    })
}

/// The candidate `id` if `authority` is one of its parties.
async fn load_for(
    conn: &mut AnyConnection,
    id: i64,
    authority: &str,
) -> Result<CandidateRow, WorkflowError> {
    let row = sqlx::query(CANDIDATE_SQL)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(WorkflowError::NotFound(id))?;
    let candidate = candidate_from(&row)?;
    if candidate.sides(authority).is_none() {
        // Another authority's candidate is indistinguishable from a missing one.
        return Err(WorkflowError::NotFound(id));
    }
    Ok(candidate)
}

async fn decisions(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<RecordedDecision>, WorkflowError> {
    let rows: Vec<(String, String, String, String, String, String, String)> = sqlx::query_as(
        "select authority_code, kind, decision, reason, note, decided_by, created_at \
         from candidate_decisions where candidate_id = $1 order by id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(authority, kind, decision, reason, note, decided_by, at)| RecordedDecision {
                authority,
                kind,
                decision,
                reason,
                note,
                decided_by,
                at,
            },
        )
        .collect())
}

async fn sides_of(conn: &mut AnyConnection, id: i64, caller: &str) -> Result<Sides, WorkflowError> {
    let mut sides = Sides::default();
    for d in decisions(conn, id).await? {
        let mine = d.authority == caller;
        let outcome = d.decision.parse::<VerifiedOutcome>().ok();
        match (d.kind.as_str(), mine) {
            ("confirm", true) => sides.caller_confirmed = true,
            ("reject", true) => sides.caller_rejected = true,
            ("outcome", true) => sides.caller_outcome = outcome,
            ("outcome", false) => sides.other_outcome = outcome,
            _ => {}
        }
    }
    let downloaded: Option<(i64,)> = sqlx::query_as(
        "select n_downloads from disclosures where candidate_id = $1 and recipient = $2",
    )
    .bind(id)
    .bind(caller)
    .fetch_optional(&mut *conn)
    .await?;
    sides.caller_downloaded = downloaded.is_some_and(|(n,)| n > 0);
    Ok(sides)
}

/// Moves `candidate` from the state it was read in to `to`, failing if anything else moved it
/// in between.
async fn move_to(
    conn: &mut AnyConnection,
    candidate: &CandidateRow,
    to: CandidateState,
    at: &str,
) -> Result<Transition, WorkflowError> {
    let moved = sqlx::query(
        "update candidates set state = $1, version = version + 1, updated_at = $2 \
         where id = $3 and state = $4 and version = $5",
    )
    .bind(to.as_str())
    .bind(at)
    .bind(candidate.id)
    .bind(candidate.state.as_str())
    .bind(candidate.version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(WorkflowError::Concurrent(candidate.id));
    }
    Ok(Transition {
        id: candidate.id,
        from: candidate.state,
        to,
    })
}

async fn insert_decision(
    conn: &mut AnyConnection,
    id: i64,
    authority: &str,
    kind: &str,
    value: &str,
    decision: &Decision,
    at: &str,
) -> Result<(), WorkflowError> {
    let inserted = sqlx::query(
        "insert into candidate_decisions (candidate_id, authority_code, kind, decision, reason, \
         note, decided_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(authority)
    .bind(kind)
    .bind(value)
    .bind(&decision.reason)
    .bind(&decision.note)
    .bind(&decision.decided_by)
    .bind(at)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                // Another process recorded the same decision first.
                Err(WorkflowError::Concurrent(id))
            } else {
                Err(e.into())
            }
        }
    }
}

/// Empties the sealed records of `candidate_id` (a rejection, withdrawal or purge).
pub(crate) async fn purge_disclosures(
    conn: &mut AnyConnection,
    candidate_id: i64,
    at: &str,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "update disclosures set enc = '', ct = '', purged_at = $1 \
         where candidate_id = $2 and purged_at is null",
    )
    .bind(at)
    .bind(candidate_id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// The current disclosure key of `authority`: `(id, base64 key, fingerprint)`.
pub(crate) async fn current_key(
    conn: &mut AnyConnection,
    authority: &str,
) -> Result<Option<(i64, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "select id, public_key, fingerprint from disclosure_keys \
         where authority_code = $1 and retired_at is null",
    )
    .bind(authority)
    .fetch_optional(&mut *conn)
    .await?)
}

fn audit_event(
    actor: &str,
    action: &str,
    candidate: &CandidateRow,
    detail: serde_json::Value,
) -> AuditEvent {
    AuditEvent::new(actor, action, &format!("candidate:{}", candidate.id))
        .with_detail(detail)
        .with_parties(&[&candidate.lo.authority, &candidate.hi.authority])
}

/// A transition under way: the write transaction, the candidate as read and its next state.
struct Step<'a> {
    w: WriteTx<'a>,
    candidate: CandidateRow,
    to: CandidateState,
    at: String,
}

impl Step<'_> {
    /// Moves the candidate, appends the audit event `action` with `detail` and commits.
    async fn finish(
        mut self,
        authority: &str,
        action: &str,
        mut detail: serde_json::Value,
    ) -> Result<Transition, WorkflowError> {
        let transition = move_to(&mut self.w.tx, &self.candidate, self.to, &self.at).await?;
        detail["from"] = serde_json::json!(transition.from);
        detail["to"] = serde_json::json!(transition.to);
        let actor = format!("authority:{authority}");
        let event = audit_event(&actor, action, &self.candidate, detail);
        self.w.append(event).await?;
        self.w.commit().await?;
        Ok(transition)
    }
}

impl Store {
    /// Opens a write transaction, reads candidate `id` as `authority` sees it and checks that
    /// `action` is allowed.
    async fn step(
        &self,
        id: i64,
        authority: &str,
        action: Action,
    ) -> Result<Step<'_>, WorkflowError> {
        let mut w = self.begin_write().await?;
        let candidate = load_for(&mut w.tx, id, authority).await?;
        let sides = sides_of(&mut w.tx, id, authority).await?;
        let to = next(candidate.state, action, sides)
            .map_err(|error| WorkflowError::Transition { id, error })?;
        Ok(Step {
            w,
            candidate,
            to,
            at: now(),
        })
    }

    /// Confirms candidate `id` for `authority`, storing its record sealed to the other side.
    pub async fn confirm_candidate(
        &self,
        id: i64,
        authority: &str,
        decision: &Decision,
        sealed: &NewSealed,
    ) -> Result<Transition, WorkflowError> {
        let mut step = self.step(id, authority, Action::Confirm).await?;
        let (at, conn) = (step.at.clone(), &mut *step.w.tx);
        let (_, other) = step.candidate.sides(authority).expect("a party");
        let (key_id, _, fingerprint) = current_key(conn, &other.authority)
            .await?
            .ok_or_else(|| WorkflowError::NoCounterpartKey(other.authority.clone()))?;
        if fingerprint != sealed.recipient_key {
            return Err(WorkflowError::StaleKey {
                given: sealed.recipient_key.clone(),
                current: fingerprint,
            });
        }
        insert_decision(conn, id, authority, "confirm", "confirm", decision, &at).await?;
        sqlx::query(
            "insert into disclosures (candidate_id, sender, recipient, recipient_key_id, enc, ct, \
             created_at) values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(authority)
        .bind(&other.authority)
        .bind(key_id)
        .bind(&sealed.enc)
        .bind(&sealed.ct)
        .bind(&at)
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            e if e.is_unique_violation() => WorkflowError::Concurrent(id),
            e => e.into(),
        })?;
        let detail = serde_json::json!({"reason": decision.reason, "sealed_to": fingerprint});
        step.finish(authority, "candidate.confirm", detail).await
    }

    /// Rejects candidate `id` for `authority`: nothing is released, and any sealed record
    /// already uploaded is purged at once.
    pub async fn reject_candidate(
        &self,
        id: i64,
        authority: &str,
        decision: &Decision,
    ) -> Result<Transition, WorkflowError> {
        let mut step = self.step(id, authority, Action::Reject).await?;
        let (at, conn) = (step.at.clone(), &mut *step.w.tx);
        insert_decision(conn, id, authority, "reject", "reject", decision, &at).await?;
        let n_purged = purge_disclosures(conn, id, &at).await?;
        let detail = serde_json::json!({"reason": decision.reason, "n_sealed_purged": n_purged});
        step.finish(authority, "candidate.reject", detail).await
    }

    /// Records `authority`'s verdict on candidate `id` after it opened the other record.
    pub async fn verify_candidate(
        &self,
        id: i64,
        authority: &str,
        outcome: VerifiedOutcome,
        decision: &Decision,
    ) -> Result<Transition, WorkflowError> {
        let mut step = self.step(id, authority, Action::Verify(outcome)).await?;
        let (at, conn) = (step.at.clone(), &mut *step.w.tx);
        let value = outcome.as_str();
        insert_decision(conn, id, authority, "outcome", value, decision, &at).await?;
        let detail = serde_json::json!({"outcome": outcome, "reason": decision.reason});
        step.finish(authority, "candidate.verify", detail).await
    }

    /// Releases the other side's sealed record of candidate `id` to `authority`, once both
    /// sides have confirmed. The first release moves the candidate to `disclosed`.
    pub async fn release_disclosure(
        &self,
        id: i64,
        authority: &str,
    ) -> Result<ReleasedDisclosure, WorkflowError> {
        let mut step = self.step(id, authority, Action::Release).await?;
        let (at, conn) = (step.at.clone(), &mut *step.w.tx);
        let row: Option<(String, String, String, i64, Option<String>, String)> = sqlx::query_as(
            "select d.sender, d.enc, d.ct, d.n_downloads, d.purged_at, k.fingerprint \
             from disclosures d join disclosure_keys k on k.id = d.recipient_key_id \
             where d.candidate_id = $1 and d.recipient = $2",
        )
        .bind(id)
        .bind(authority)
        .fetch_optional(&mut *conn)
        .await?;
        let (sender, enc, ct, n_downloads, purged_at, recipient_key) =
            row.ok_or(WorkflowError::Purged(id))?;
        if purged_at.is_some() {
            return Err(WorkflowError::Purged(id));
        }
        sqlx::query(
            "update disclosures set n_downloads = n_downloads + 1, \
             released_at = coalesce(released_at, $1) where candidate_id = $2 and recipient = $3",
        )
        .bind(&at)
        .bind(id)
        .bind(authority)
        .execute(&mut *conn)
        .await?;
        // The first download is the release; later ones are re-downloads of the same record.
        let action = if n_downloads == 0 {
            "disclosure.release"
        } else {
            "disclosure.download"
        };
        let agreement_id = step.candidate.agreement_id.clone();
        let detail = serde_json::json!({"sender": sender, "download": n_downloads + 1});
        let transition = step.finish(authority, action, detail).await?;
        Ok(ReleasedDisclosure {
            transition,
            agreement_id,
            sender,
            recipient: authority.to_string(),
            recipient_key,
            enc,
            ct,
        })
    }

    /// Candidate `id` in detail for `authority` (a party); the view is audited.
    pub async fn candidate_detail(
        &self,
        id: i64,
        authority: &str,
    ) -> Result<CandidateDetail, WorkflowError> {
        let mut conn = self.pool.acquire().await?;
        let conn: &mut AnyConnection = &mut conn;
        let candidate = load_for(conn, id, authority).await?;
        let decisions = decisions(conn, id).await?;
        let (_, other) = candidate.sides(authority).expect("a party");
        let counterpart_key = current_key(conn, &other.authority)
            .await?
            .map(|(_, key, fingerprint)| (key, fingerprint));
        let sealed: Vec<(String,)> = sqlx::query_as(
            "select sender from disclosures where candidate_id = $1 and purged_at is null",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let own_sealed = sealed.iter().any(|(s,)| s == authority);
        let counterpart_sealed = sealed.iter().any(|(s,)| *s == other.authority);
        let event = audit_event(
            &format!("authority:{authority}"),
            "candidate.view",
            &candidate,
            serde_json::json!({"state": candidate.state}),
        );
        self.audit(event).await?;
        Ok(CandidateDetail {
            candidate,
            decisions,
            counterpart_key,
            own_sealed,
            counterpart_sealed,
        })
    }
}

/// Moves every open candidate of the records `record_ids` with `action` (withdrawal, case
/// closure), purging their sealed records; returns how many moved.
pub(crate) async fn retire_candidates_of(
    conn: &mut AnyConnection,
    record_ids: &[i64],
    action: Action,
    at: &str,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for record_id in record_ids {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "select id, state from candidates where record_lo = $1 or record_hi = $1",
        )
        .bind(record_id)
        .fetch_all(&mut *conn)
        .await?;
        for (id, state) in rows {
            let state: CandidateState = state.parse().map_err(corrupt("candidate state"))?;
            let Ok(to) = next(state, action, Sides::default()) else {
                continue;
            };
            sqlx::query(
                "update candidates set state = $1, version = version + 1, updated_at = $2 \
                 where id = $3 and state = $4",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(id)
            .bind(state.as_str())
            .execute(&mut *conn)
            .await?;
            purge_disclosures(conn, id, at).await?;
            n += 1;
        }
    }
    Ok(n)
}
