//! Candidates: probable matches between two records of different authorities, stored once per
//! unordered pair and visible to both parties.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::AuditEvent;
use super::{now, Jurisdiction, Role, Store, StoreError};
use crate::matcher::resolve::Standing;

/// Candidates per multi-row insert (8 parameters each).
const CANDIDATE_CHUNK: usize = 500;

/// A candidate proposed by the matcher.
#[derive(Debug, Clone)]
pub struct NewCandidate {
    /// The agreement both records belong to.
    pub agreement_id: String,
    /// One record's row id.
    pub record_a: i64,
    /// The other record's row id.
    pub record_b: i64,
    /// Match probability in `[0, 1]`.
    pub probability: f64,
    /// Fellegi–Sunter match weight (log2 likelihood ratio).
    pub match_weight: f64,
    /// The matcher's explanation as JSON.
    pub evidence: serde_json::Value,
}

/// The records a matching run covered, marked matched in the transaction that stores its
/// candidates (a crash before that leaves them unmatched, and the start-up rebuild matches
/// them again; candidates are unique per pair, so nothing is duplicated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchedRecords {
    /// These rows.
    Ids(Vec<i64>),
    /// Every row whose latest write was this submission: the submission is marked matched
    /// (one row for any batch size). With an answer, it becomes the submission's stored
    /// answer, with `n_candidates` set to the number of new candidates.
    Submission {
        /// The submission's id.
        id: i64,
        /// The answer to store for retries.
        answer: Option<serde_json::Value>,
    },
}

/// Filters for listing candidates.
#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    /// Only this state.
    pub state: Option<String>,
    /// Only at least this probability.
    pub min_probability: Option<f64>,
    /// Only when the other party is in this jurisdiction.
    pub counterpart_jurisdiction: Option<Jurisdiction>,
    /// Only candidates created at or after this RFC 3339 time.
    pub created_since: Option<String>,
    /// Only candidates created at or before this RFC 3339 time.
    pub created_before: Option<String>,
    /// At most this many (best first).
    pub limit: i64,
    /// Only candidates listed after this one (keyset paging: stable while candidates come
    /// and go, unlike an offset).
    pub after: Option<CandidateCursor>,
}

/// A candidate's place in a listing, which is ordered by match weight (highest first), then
/// by id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CandidateCursor {
    /// The candidate's match weight.
    pub match_weight: f64,
    /// The candidate's id.
    pub id: i64,
}

/// A candidate from one party's point of view: its own record's reference and the other
/// party's authority and jurisdiction, never the other party's reference.
#[derive(Debug, Clone)]
pub struct CandidateView {
    /// Candidate id.
    pub id: i64,
    /// Workflow state.
    pub state: String,
    /// Match probability.
    pub probability: f64,
    /// Match weight.
    pub match_weight: f64,
    /// The matcher's explanation.
    pub evidence: serde_json::Value,
    /// When it was proposed.
    pub created_at: String,
    /// The caller's record reference.
    pub own_ref: String,
    /// The caller's record role.
    pub own_role: Role,
    /// The other party.
    pub counterpart_authority: String,
    /// The other party's jurisdiction.
    pub counterpart_jurisdiction: Jurisdiction,
    /// The other record's role.
    pub counterpart_role: Role,
    /// Where it stands among the live candidates of the caller's record.
    pub standing: Standing,
}

impl Store {
    /// Stores new candidates (pairs already present are left as they are) and marks the
    /// `matched` records as matched, in one transaction. Returns how many candidates were new.
    pub async fn record_matches(
        &self,
        candidates: &[NewCandidate],
        matched: &MatchedRecords,
    ) -> Result<u64, StoreError> {
        let at = now();
        let mut w = self.begin_write().await?;
        let mut n_new = 0;
        let pairs: Vec<(i64, i64, &NewCandidate)> = candidates
            .iter()
            .map(|c| (c.record_a.min(c.record_b), c.record_a.max(c.record_b), c))
            .filter(|(lo, hi, _)| lo != hi)
            .collect();
        // Multi-row inserts; a pair met twice in one statement would make PostgreSQL refuse
        // the statement, so duplicates go to later statements (and are then left alone).
        let mut rest = pairs;
        while !rest.is_empty() {
            let mut seen = std::collections::HashSet::new();
            let (now_pairs, later): (Vec<_>, Vec<_>) = rest
                .into_iter()
                .partition(|(lo, hi, _)| seen.insert((*lo, *hi)));
            rest = later;
            for chunk in now_pairs.chunks(CANDIDATE_CHUNK) {
                let mut sql = String::from(
                    "insert into candidates (agreement_id, record_lo, record_hi, probability, \
                     match_weight, evidence, state, created_at, updated_at) values ",
                );
                for i in 0..chunk.len() {
                    let n: Vec<String> = (1..=8).map(|k| self.placeholder(i * 8 + k)).collect();
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!(
                        "({}, {}, {}, {}, {}, {}, 'proposed', {}, {})",
                        n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]
                    ));
                }
                sql.push_str(" on conflict (record_lo, record_hi) do nothing");
                let mut query = sqlx::query(&sql);
                for (lo, hi, c) in chunk {
                    query = query
                        .bind(&c.agreement_id)
                        .bind(*lo)
                        .bind(*hi)
                        .bind(c.probability)
                        .bind(c.match_weight)
                        .bind(c.evidence.to_string())
                        .bind(&at)
                        .bind(&at);
                }
                n_new += query.execute(&mut *w.tx).await?.rows_affected();
            }
        }
        let matched_ids: &[i64] = match matched {
            MatchedRecords::Ids(ids) => ids,
            MatchedRecords::Submission { id, answer } => {
                if n_new > 0 {
                    super::limits::credit_candidates(&mut w.tx, *id, n_new).await?;
                }
                let answer = answer.clone().map(|mut a| {
                    a["n_candidates"] = serde_json::json!(n_new);
                    a.to_string()
                });
                sqlx::query(
                    "update submissions set matched = 1, result = coalesce($1, result) \
                     where id = $2",
                )
                .bind(answer)
                .bind(*id)
                .execute(&mut *w.tx)
                .await?;
                &[]
            }
        };
        for chunk in matched_ids.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| self.placeholder(i)).collect();
            let sql = format!(
                "update records set matched = 1 where id in ({})",
                list.join(",")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *w.tx).await?;
        }
        if n_new > 0 {
            let submission_id = match matched {
                MatchedRecords::Submission { id, .. } => Some(*id),
                MatchedRecords::Ids(_) => None,
            };
            let event = AuditEvent::new("hub", "candidates.propose", "matcher")
                .with_detail(serde_json::json!({"n_new": n_new, "submission_id": submission_id}));
            w.append(event).await?;
        }
        w.commit().await?;
        Ok(n_new)
    }

    /// The candidates `authority` is party to, best first: by match weight, which keeps
    /// ordering strong candidates where their probabilities all round to 1. With
    /// `filter.after`, only those listed after that candidate.
    pub async fn candidates_for(
        &self,
        authority: &str,
        filter: &CandidateFilter,
    ) -> Result<Vec<CandidateView>, StoreError> {
        let after = filter.after.unwrap_or(CandidateCursor {
            match_weight: 0.0,
            id: 0,
        });
        let sql = format!(
            "select c.id, c.state, c.probability, c.match_weight, c.evidence, c.created_at, \
                 lo.authority_code, lo.ref, lo.role, alo.jurisdiction, \
                 hi.authority_code, hi.ref, hi.role, ahi.jurisdiction, {BEST_COMPETITOR} \
                 {LISTED} \
                 and ($7 = 0 or c.match_weight < $8 or (c.match_weight = $8 and c.id > $7)) \
                 order by c.match_weight desc, c.id limit $9"
        );
        let rows: Vec<AnyRow> = bind_filter(sqlx::query(&sql), authority, filter)
            .bind(after.id)
            .bind(after.match_weight)
            .bind(filter.limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| view(authority, row)).collect()
    }

    /// How many candidates `authority` is party to pass `filter`, whatever its `limit` and
    /// `after`: the "of N" of a listing.
    pub async fn count_candidates_for(
        &self,
        authority: &str,
        filter: &CandidateFilter,
    ) -> Result<u64, StoreError> {
        let sql = format!("select count(*) {LISTED}");
        let row = bind_filter(sqlx::query(&sql), authority, filter)
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Where candidate `id` stands in `authority`'s listing, if `authority` is party to it.
    pub async fn candidate_cursor(
        &self,
        authority: &str,
        id: i64,
    ) -> Result<Option<CandidateCursor>, StoreError> {
        let row: Option<AnyRow> = sqlx::query(
            "select c.match_weight from candidates c \
                 join records lo on lo.id = c.record_lo \
                 join records hi on hi.id = c.record_hi \
                 where c.id = $1 and (lo.authority_code = $2 or hi.authority_code = $2)",
        )
        .bind(id)
        .bind(authority)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(CandidateCursor {
                match_weight: row.try_get(0)?,
                id,
            })
        })
        .transpose()
    }
}

/// The tables and conditions of a listing: the candidates `$1` is party to that pass the
/// filter bound by [`bind_filter`] as `$2`..`$6`.
const LISTED: &str = "from candidates c \
     join records lo on lo.id = c.record_lo \
     join records hi on hi.id = c.record_hi \
     join authorities alo on alo.code = lo.authority_code \
     join authorities ahi on ahi.code = hi.authority_code \
     where (lo.authority_code = $1 or hi.authority_code = $1) \
     and ($2 = '' or c.state = $2) and c.probability >= $3 and c.created_at >= $4 \
     and ($6 = '' or c.created_at <= $6) \
     and ($5 = '' or (lo.authority_code = $1 and ahi.jurisdiction = $5) \
          or (hi.authority_code = $1 and alo.jurisdiction = $5))";

/// The best match weight among the other live candidates of the caller's (`$1`'s) record in
/// candidate `c`: what its [`Standing`] is measured against. Only the caller's own record, whose
/// candidates the caller is party to all of, so a standing reveals nothing of other tenants'
/// cases. Candidates no decision can revive, and those found to be different children, do not
/// compete. Two equalities joined by `or`, so that SQLite and PostgreSQL each read the two
/// indexes (`record_lo`, `record_hi`) instead of scanning the table once per row listed.
const BEST_COMPETITOR: &str = "(select max(o.match_weight) from candidates o \
     where o.id <> c.id \
     and o.state not in ('rejected', 'expired', 'withdrawn', 'case_closed', 'verified_different') \
     and (o.record_lo = (case when lo.authority_code = $1 then c.record_lo else c.record_hi end) \
          or o.record_hi = (case when lo.authority_code = $1 then c.record_lo else c.record_hi end)))";

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds `$1`..`$6` of [`LISTED`].
fn bind_filter<'q>(
    query: AnyQuery<'q>,
    authority: &'q str,
    filter: &'q CandidateFilter,
) -> AnyQuery<'q> {
    query
        .bind(authority)
        .bind(filter.state.clone().unwrap_or_default())
        .bind(filter.min_probability.unwrap_or(0.0))
        .bind(filter.created_since.clone().unwrap_or_default())
        .bind(filter.counterpart_jurisdiction.map_or("", |j| j.as_str()))
        .bind(filter.created_before.clone().unwrap_or_default())
}

fn view(authority: &str, row: &AnyRow) -> Result<CandidateView, StoreError> {
    let lo_authority: String = row.try_get(6)?;
    // Columns 6..10 describe the lower record, 10..14 the higher; pick the caller's side.
    let (own, other) = if lo_authority == authority {
        (6, 10)
    } else {
        (10, 6)
    };
    let text = |i: usize| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(i)?) };
    let evidence: String = row.try_get(4)?;
    Ok(CandidateView {
        id: row.try_get(0)?,
        state: row.try_get(1)?,
        probability: row.try_get(2)?,
        match_weight: row.try_get(3)?,
        evidence: serde_json::from_str(&evidence)
            .map_err(|e| StoreError::Corrupt(format!("candidate evidence: {e}")))?,
        created_at: row.try_get(5)?,
        own_ref: text(own + 1)?,
        own_role: text(own + 2)?.parse().map_err(StoreError::Corrupt)?,
        counterpart_authority: text(other)?,
        counterpart_jurisdiction: text(other + 3)?.parse().map_err(StoreError::Corrupt)?,
        counterpart_role: text(other + 2)?.parse().map_err(StoreError::Corrupt)?,
        standing: Standing::of(row.try_get(3)?, row.try_get::<Option<f64>, _>(14)?),
    })
}
