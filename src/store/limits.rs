//! Daily limits and volumes per member authority and agreement: the hub is not an oracle.
//!
//! A member authority holds the agreement secret and an API key, so without limits it could
//! submit thousands of fabricated open cases, or fire national searches, and learn from the
//! candidates and results which children other members hold. The operator sets per agreement
//! how many open cases and searches each member may submit per UTC day
//! ([`AgreementLimits`], `agreement_limits`); the hub's defaults apply otherwise. What each
//! member ran is counted in `daily_usage` per agreement, member and UTC day, in the
//! transaction of the work it counts, so the counts are the limits' durable state (a restart
//! changes nothing) and what every member's data-protection officer reads
//! ([`ActivityReport`]). A refusal is itself counted, audited with every member of the
//! agreement as a party, and logged by the hub.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::audit::AuditEvent;
use super::{now, Metered, Store, StoreError};

/// A daily limit: at most a number per UTC day, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyLimit {
    /// No limit.
    Unlimited,
    /// At most this many per UTC day (0 allows none).
    PerDay(u32),
}

impl DailyLimit {
    /// The number per day, or `None` when unlimited.
    pub fn per_day(self) -> Option<u32> {
        match self {
            DailyLimit::Unlimited => None,
            DailyLimit::PerDay(n) => Some(n),
        }
    }

    /// Whether `requested` more fit beside `used` already today.
    pub fn allows(self, used: u64, requested: u64) -> bool {
        match self {
            DailyLimit::Unlimited => true,
            DailyLimit::PerDay(n) => used.saturating_add(requested) <= u64::from(n),
        }
    }
}

impl fmt::Display for DailyLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DailyLimit::Unlimited => f.write_str("unlimited"),
            DailyLimit::PerDay(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for DailyLimit {
    type Err = String;

    /// A number per day, or `unlimited`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "unlimited" => Ok(DailyLimit::Unlimited),
            n => n.parse().map(DailyLimit::PerDay).map_err(|_| {
                format!(
                    "`{}` is neither a number per day nor `unlimited`",
                    n.chars().take(40).collect::<String>()
                )
            }),
        }
    }
}

/// On the wire a number per day, or `null` when unlimited.
impl Serialize for DailyLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.per_day().serialize(s)
    }
}

impl<'de> Deserialize<'de> for DailyLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<u32>::deserialize(d)?.map_or(DailyLimit::Unlimited, DailyLimit::PerDay))
    }
}

/// The limits in force for every member of one agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLimits {
    /// Open cases (records of role `missing`) each member may submit per UTC day.
    pub cases_per_day: DailyLimit,
    /// National searches each member may run per UTC day.
    pub searches_per_day: DailyLimit,
}

impl DailyLimits {
    /// The limit on `metered`.
    pub fn of(&self, metered: Metered) -> DailyLimit {
        match metered {
            Metered::Cases => self.cases_per_day,
            Metered::Searches => self.searches_per_day,
        }
    }
}

/// What the operator set for one agreement; `None` leaves the hub's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgreementLimits {
    /// Open cases per member and UTC day.
    pub cases_per_day: Option<u32>,
    /// National searches per member and UTC day.
    pub searches_per_day: Option<u32>,
}

impl AgreementLimits {
    /// The limits in force: these, and `defaults` where none was set.
    pub fn resolve(self, defaults: DailyLimits) -> DailyLimits {
        DailyLimits {
            cases_per_day: self
                .cases_per_day
                .map_or(defaults.cases_per_day, DailyLimit::PerDay),
            searches_per_day: self
                .searches_per_day
                .map_or(defaults.searches_per_day, DailyLimit::PerDay),
        }
    }
}

/// A request refused whole because it would take a member past a daily limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error(
    "authority {authority} reached its daily limit of {per_day} {metered} under agreement \
     {agreement_id}: {used} already on {day} (UTC), {requested} more refused, nothing was \
     stored; the limit resets at 00:00 UTC"
)]
pub struct DailyLimitHit {
    /// The agreement whose limit it is.
    pub agreement_id: String,
    /// The member refused.
    pub authority: String,
    /// What the limit counts.
    pub metered: Metered,
    /// The limit.
    pub per_day: u32,
    /// Already counted on `day`.
    pub used: u64,
    /// What the refused request asked for.
    pub requested: u64,
    /// The UTC day.
    pub day: NaiveDate,
}

impl DailyLimitHit {
    /// Whole seconds from `now` until the next UTC day after [`DailyLimitHit::day`] begins (at
    /// least 1).
    pub fn retry_after_secs(&self, now: DateTime<Utc>) -> u64 {
        let next = self
            .day
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        next.map_or(86_400, |next| {
            u64::try_from((next - now).num_seconds())
                .unwrap_or(0)
                .max(1)
        })
    }

    /// The audit event of the refusal, filed under every member of the agreement.
    fn audit_event(&self, members: &[String]) -> AuditEvent {
        let members: Vec<&str> = members.iter().map(String::as_str).collect();
        AuditEvent::new(
            &format!("authority:{}", self.authority),
            "limit.reached",
            &self.agreement_id,
        )
        .with_detail(serde_json::json!({
            "metered": self.metered, "per_day": self.per_day, "used": self.used,
            "requested": self.requested, "day": self.day,
        }))
        .with_parties(&members)
    }
}

/// The current UTC day, which the daily counters are kept by.
pub fn utc_today() -> NaiveDate {
    Utc::now().date_naive()
}

/// One member's volumes on one UTC day under one agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDay {
    /// The UTC day.
    pub day: NaiveDate,
    /// The member authority.
    pub authority: String,
    /// Open cases it submitted (uploaded or opened by a search).
    pub cases_submitted: u64,
    /// Roll records it submitted (never limited; a roll far larger than the member's real
    /// one probes other members' open cases).
    pub roll_records_submitted: u64,
    /// National searches it ran.
    pub searches_run: u64,
    /// Of those, searches that returned at least one result.
    pub searches_with_results: u64,
    /// Candidates continuous matching proposed for the records it submitted.
    pub candidates_proposed: u64,
    /// Requests of its refused at a daily limit.
    pub limit_hits: u64,
}

/// One agreement's limits, members and daily volumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementActivity {
    /// The agreement.
    pub agreement_id: String,
    /// The limits in force (`null`: unlimited).
    pub limits: DailyLimits,
    /// Every member authority's code.
    pub members: Vec<String>,
    /// Each member's volumes per day with any activity, newest day first, then by authority.
    pub days: Vec<MemberDay>,
}

/// `GET /v1/agreements/activity`: what every member of the caller's agreements ran per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityReport {
    /// The first UTC day covered.
    pub from: NaiveDate,
    /// The last UTC day covered (today).
    pub to: NaiveDate,
    /// Each agreement the caller is a member of.
    pub agreements: Vec<AgreementActivity>,
}

/// A national search to count, under the limit in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchCharge {
    /// The agreement searched.
    pub agreement_id: String,
    /// The searching member.
    pub authority: String,
    /// Whether it returned a result.
    pub with_results: bool,
    /// Its searches-per-day limit.
    pub limit: DailyLimit,
}

/// Increments of one member's counters on one day.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    cases: i64,
    roll_records: i64,
    searches: i64,
    searches_with_results: i64,
    candidates: i64,
    limit_hits: i64,
}

/// Adds `counts` to the counters of (`agreement`, `day`, `authority`), only if `metered`'s
/// counter stays within `limit`. Returns the new counter of `metered`, or `None` (nothing
/// added) when it would pass the limit.
async fn add_counts(
    conn: &mut AnyConnection,
    agreement: &str,
    authority: &str,
    day: NaiveDate,
    counts: Counts,
    metered: Metered,
    limit: DailyLimit,
) -> Result<Option<u64>, StoreError> {
    let column = metered.as_str();
    let added = match metered {
        Metered::Cases => counts.cases,
        Metered::Searches => counts.searches,
    };
    if let DailyLimit::PerDay(n) = limit {
        // The conditional update below guards an existing row; a first row must fit too.
        if added > i64::from(n) {
            return Ok(None);
        }
    }
    let condition = match limit {
        DailyLimit::Unlimited => String::new(),
        DailyLimit::PerDay(_) => {
            format!(" where daily_usage.{column} + excluded.{column} <= $10")
        }
    };
    let sql = format!(
        "insert into daily_usage (agreement_id, day, authority_code, cases, searches, \
         searches_with_results, candidates, limit_hits, roll_records) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         on conflict (agreement_id, day, authority_code) do update set \
         cases = daily_usage.cases + excluded.cases, \
         roll_records = daily_usage.roll_records + excluded.roll_records, \
         searches = daily_usage.searches + excluded.searches, \
         searches_with_results = daily_usage.searches_with_results + excluded.searches_with_results, \
         candidates = daily_usage.candidates + excluded.candidates, \
         limit_hits = daily_usage.limit_hits + excluded.limit_hits{condition} returning {column}"
    );
    let mut query = sqlx::query_as::<_, (i64,)>(&sql)
        .bind(agreement)
        .bind(day.to_string())
        .bind(authority)
        .bind(counts.cases)
        .bind(counts.searches)
        .bind(counts.searches_with_results)
        .bind(counts.candidates)
        .bind(counts.limit_hits)
        .bind(counts.roll_records);
    if let DailyLimit::PerDay(n) = limit {
        query = query.bind(i64::from(n));
    }
    let row = query.fetch_optional(&mut *conn).await?;
    Ok(row.map(|(n,)| u64::try_from(n).unwrap_or(0)))
}

/// The counter of `metered` for (`agreement`, `day`, `authority`).
async fn used_on(
    conn: &mut AnyConnection,
    agreement: &str,
    authority: &str,
    day: NaiveDate,
    metered: Metered,
) -> Result<u64, StoreError> {
    let sql = format!(
        "select {} from daily_usage where agreement_id = $1 and day = $2 and authority_code = $3",
        metered.as_str()
    );
    let row: Option<(i64,)> = sqlx::query_as(&sql)
        .bind(agreement)
        .bind(day.to_string())
        .bind(authority)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
}

/// Counts `n` of `metered` for `authority` under `agreement` today, or refuses them (counting
/// nothing) when they would pass `limit`.
async fn charge(
    conn: &mut AnyConnection,
    agreement: &str,
    authority: &str,
    metered: Metered,
    counts: Counts,
    limit: DailyLimit,
) -> Result<Result<u64, DailyLimitHit>, StoreError> {
    let day = utc_today();
    if let Some(total) = add_counts(conn, agreement, authority, day, counts, metered, limit).await?
    {
        return Ok(Ok(total));
    }
    let used = used_on(conn, agreement, authority, day, metered).await?;
    let requested = match metered {
        Metered::Cases => counts.cases,
        Metered::Searches => counts.searches,
    };
    Ok(Err(DailyLimitHit {
        agreement_id: agreement.to_string(),
        authority: authority.to_string(),
        metered,
        per_day: limit.per_day().unwrap_or(u32::MAX),
        used,
        requested: u64::try_from(requested).unwrap_or(0),
        day,
    }))
}

/// Counts `n` open cases submitted by `authority` under `agreement` today, inside the
/// submission's transaction, or refuses them when they would pass `limit`.
pub(crate) async fn charge_cases(
    conn: &mut AnyConnection,
    agreement: &str,
    authority: &str,
    n: usize,
    limit: DailyLimit,
) -> Result<Result<u64, DailyLimitHit>, StoreError> {
    let counts = Counts {
        cases: i64::try_from(n).unwrap_or(i64::MAX),
        ..Counts::default()
    };
    charge(conn, agreement, authority, Metered::Cases, counts, limit).await
}

/// Counts `n` roll records submitted by `authority` under `agreement` today, inside the
/// submission's transaction (never limited: shown to every member).
pub(crate) async fn count_roll(
    conn: &mut AnyConnection,
    agreement: &str,
    authority: &str,
    n: usize,
) -> Result<(), StoreError> {
    let counts = Counts {
        roll_records: i64::try_from(n).unwrap_or(i64::MAX),
        ..Counts::default()
    };
    let (day, unlimited) = (utc_today(), DailyLimit::Unlimited);
    add_counts(
        conn,
        agreement,
        authority,
        day,
        counts,
        Metered::Cases,
        unlimited,
    )
    .await?;
    Ok(())
}

/// Credits `n` new candidates to the member whose submission `submission_id` proposed them.
pub(crate) async fn credit_candidates(
    conn: &mut AnyConnection,
    submission_id: i64,
    n: u64,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into daily_usage (agreement_id, day, authority_code, candidates) \
         select agreement_id, $1, authority_code, $2 from submissions where id = $3 \
         on conflict (agreement_id, day, authority_code) do update set \
         candidates = daily_usage.candidates + excluded.candidates",
    )
    .bind(utc_today().to_string())
    .bind(i64::try_from(n).unwrap_or(i64::MAX))
    .bind(submission_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts a refusal and returns its audit event (filed under every member of the agreement).
async fn note_hit(conn: &mut AnyConnection, hit: &DailyLimitHit) -> Result<AuditEvent, StoreError> {
    let counts = Counts {
        limit_hits: 1,
        ..Counts::default()
    };
    add_counts(
        conn,
        &hit.agreement_id,
        &hit.authority,
        hit.day,
        counts,
        hit.metered,
        DailyLimit::Unlimited,
    )
    .await?;
    let members: Vec<(String,)> = sqlx::query_as(
        "select authority_code from agreement_members where agreement_id = $1 order by authority_code",
    )
    .bind(&hit.agreement_id)
    .fetch_all(&mut *conn)
    .await?;
    let members: Vec<String> = members.into_iter().map(|(m,)| m).collect();
    Ok(hit.audit_event(&members))
}

type ActivityRow = (String, String, String, i64, i64, i64, i64, i64, i64);

impl Store {
    /// The limits the operator set for agreement `id` (`None`: no such agreement).
    pub async fn agreement_limits(&self, id: &str) -> Result<Option<AgreementLimits>, StoreError> {
        let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "select l.cases_per_day, l.searches_per_day from agreements a \
             left join agreement_limits l on l.agreement_id = a.id where a.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(cases, searches)| limits_from_columns(cases, searches)))
    }

    /// Sets agreement `id`'s limits (`None` restores the hub's default); audited. The hub
    /// reads them on every request, so they apply from the next one.
    pub async fn set_agreement_limits(
        &self,
        id: &str,
        limits: AgreementLimits,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let exists: Option<(String,)> = sqlx::query_as("select id from agreements where id = $1")
            .bind(id)
            .fetch_optional(&mut *w.tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("agreement {id}")));
        }
        sqlx::query(
            "insert into agreement_limits (agreement_id, cases_per_day, searches_per_day, updated_at) \
             values ($1, $2, $3, $4) on conflict (agreement_id) do update set \
             cases_per_day = excluded.cases_per_day, searches_per_day = excluded.searches_per_day, \
             updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(limits.cases_per_day.map(i64::from))
        .bind(limits.searches_per_day.map(i64::from))
        .bind(now())
        .execute(&mut *w.tx)
        .await?;
        let event = AuditEvent::new("admin", "agreement.limits", id)
            .with_detail(serde_json::json!({"cases_per_day": limits.cases_per_day,
                "searches_per_day": limits.searches_per_day}));
        w.append(event).await?;
        w.commit().await
    }

    /// How many of `metered` `authority` has used under `agreement` today (a quick check
    /// before work the limit would refuse anyway; the count that binds is taken with the
    /// write).
    pub async fn used_today(
        &self,
        agreement: &str,
        authority: &str,
        metered: Metered,
    ) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        used_on(&mut conn, agreement, authority, utc_today(), metered).await
    }

    /// Counts a refusal at a daily limit and audits it, in its own transaction (the refused
    /// request's own transaction was rolled back, or never began).
    pub async fn record_limit_hit(&self, hit: &DailyLimitHit) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let event = note_hit(&mut w.tx, hit).await?;
        w.append(event).await?;
        w.commit().await
    }

    /// Appends search audit events in one transaction, counting each search with a charge
    /// first: a search that would pass its member's daily limit is not counted, its event is
    /// replaced by the refusal's (`limit.reached`), and its place in the answer holds the
    /// refusal. The group commit of the hub's audit queue.
    pub async fn audit_searches(
        &self,
        items: Vec<(AuditEvent, Option<SearchCharge>)>,
    ) -> Result<Vec<Option<DailyLimitHit>>, StoreError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut w = self.begin_write().await?;
        let mut events = Vec::with_capacity(items.len());
        let mut refusals = Vec::with_capacity(items.len());
        for (event, search) in items {
            let refusal = match search {
                Some(s) => {
                    let counts = Counts {
                        searches: 1,
                        searches_with_results: i64::from(s.with_results),
                        ..Counts::default()
                    };
                    charge(
                        &mut w.tx,
                        &s.agreement_id,
                        &s.authority,
                        Metered::Searches,
                        counts,
                        s.limit,
                    )
                    .await?
                    .err()
                }
                None => None,
            };
            match refusal {
                Some(hit) => {
                    events.push(note_hit(&mut w.tx, &hit).await?);
                    refusals.push(Some(hit));
                }
                None => {
                    events.push(event);
                    refusals.push(None);
                }
            }
        }
        w.append_all(events).await?;
        w.commit().await?;
        Ok(refusals)
    }

    /// Every agreement `authority` is a member of, with its limits in force (`defaults` where
    /// the operator set none), its members and what each member ran per UTC day from `from`
    /// to `to`.
    pub async fn activity(
        &self,
        authority: &str,
        from: NaiveDate,
        to: NaiveDate,
        defaults: DailyLimits,
    ) -> Result<ActivityReport, StoreError> {
        let members: Vec<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "select m.agreement_id, o.authority_code, l.cases_per_day, l.searches_per_day \
             from agreement_members m \
             join agreement_members o on o.agreement_id = m.agreement_id \
             left join agreement_limits l on l.agreement_id = m.agreement_id \
             where m.authority_code = $1 order by m.agreement_id, o.authority_code",
        )
        .bind(authority)
        .fetch_all(&self.pool)
        .await?;
        let mut agreements: Vec<AgreementActivity> = Vec::new();
        for (agreement_id, member, cases, searches) in members {
            if agreements.last().map(|a| &a.agreement_id) != Some(&agreement_id) {
                agreements.push(AgreementActivity {
                    agreement_id,
                    limits: limits_from_columns(cases, searches).resolve(defaults),
                    members: Vec::new(),
                    days: Vec::new(),
                });
            }
            if let Some(agreement) = agreements.last_mut() {
                agreement.members.push(member);
            }
        }
        let rows: Vec<ActivityRow> = sqlx::query_as(
            "select u.agreement_id, u.day, u.authority_code, u.cases, u.roll_records, u.searches, \
             u.searches_with_results, u.candidates, u.limit_hits \
             from daily_usage u join agreement_members m \
             on m.agreement_id = u.agreement_id and m.authority_code = $1 \
             where u.day >= $2 and u.day <= $3 \
             order by u.agreement_id, u.day desc, u.authority_code",
        )
        .bind(authority)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        for (agreement_id, day, member, cases, roll, searches, with_results, candidates, hits) in
            rows
        {
            let day = day
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("daily_usage day `{day}`: {e}")))?;
            if let Some(agreement) = agreements
                .iter_mut()
                .find(|a| a.agreement_id == agreement_id)
            {
                agreement.days.push(MemberDay {
                    day,
                    authority: member,
                    cases_submitted: count(cases),
                    roll_records_submitted: count(roll),
                    searches_run: count(searches),
                    searches_with_results: count(with_results),
                    candidates_proposed: count(candidates),
                    limit_hits: count(hits),
                });
            }
        }
        Ok(ActivityReport {
            from,
            to,
            agreements,
        })
    }
}

/// An agreement's limits from its nullable columns (negative values are refused by the
/// schema's checks; one read back would be a tampered database, taken as no limit set).
pub(crate) fn limits_from_columns(cases: Option<i64>, searches: Option<i64>) -> AgreementLimits {
    AgreementLimits {
        cases_per_day: cases.and_then(|n| u32::try_from(n).ok()),
        searches_per_day: searches.and_then(|n| u32::try_from(n).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_a_number_per_day_or_unlimited() {
        assert_eq!("50".parse(), Ok(DailyLimit::PerDay(50)));
        assert_eq!("unlimited".parse(), Ok(DailyLimit::Unlimited));
        assert!("-1".parse::<DailyLimit>().is_err());
        assert!("fifty".parse::<DailyLimit>().is_err());
        assert_eq!(DailyLimit::PerDay(0).to_string(), "0");
        assert!(DailyLimit::PerDay(50).allows(49, 1));
        assert!(!DailyLimit::PerDay(50).allows(49, 2));
        assert!(!DailyLimit::PerDay(0).allows(0, 1));
        assert!(DailyLimit::Unlimited.allows(u64::MAX, 1));
    }

    #[test]
    fn an_agreement_s_limits_fall_back_to_the_hub_s_defaults() {
        let defaults = DailyLimits {
            cases_per_day: DailyLimit::PerDay(50),
            searches_per_day: DailyLimit::Unlimited,
        };
        let set = AgreementLimits {
            cases_per_day: None,
            searches_per_day: Some(10),
        };
        assert_eq!(
            set.resolve(defaults),
            DailyLimits {
                cases_per_day: DailyLimit::PerDay(50),
                searches_per_day: DailyLimit::PerDay(10),
            }
        );
        assert_eq!(AgreementLimits::default().resolve(defaults), defaults);
    }

    #[test]
    fn a_refusal_may_be_retried_when_the_next_utc_day_begins() {
        let hit = DailyLimitHit {
            agreement_id: "eng-scot-cme".into(),
            authority: "383".into(),
            metered: Metered::Cases,
            per_day: 50,
            used: 50,
            requested: 1,
            day: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        };
        let at = |h, m, s| {
            NaiveDate::from_ymd_opt(2026, 12, 7)
                .unwrap()
                .and_hms_opt(h, m, s)
                .unwrap()
                .and_utc()
        };
        assert_eq!(hit.retry_after_secs(at(0, 0, 0)), 86_400);
        assert_eq!(hit.retry_after_secs(at(23, 59, 30)), 30);
        assert_eq!(hit.retry_after_secs(at(23, 59, 59)), 1);
        assert_eq!(
            hit.to_string(),
            "authority 383 reached its daily limit of 50 cases under agreement eng-scot-cme: \
             50 already on 2026-12-07 (UTC), 1 more refused, nothing was stored; the limit \
             resets at 00:00 UTC"
        );
    }

    #[test]
    fn limits_travel_as_a_number_or_null() {
        let limits = DailyLimits {
            cases_per_day: DailyLimit::PerDay(50),
            searches_per_day: DailyLimit::Unlimited,
        };
        let json = serde_json::to_value(limits).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"cases_per_day": 50, "searches_per_day": null})
        );
        assert_eq!(serde_json::from_value::<DailyLimits>(json).unwrap(), limits);
    }
}
