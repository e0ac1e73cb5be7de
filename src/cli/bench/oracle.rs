//! The hub as an oracle (issue #18): a member authority holding the agreement secret and its
//! API key, but no database, guesses children by name, date of birth and sex (every other
//! guess a real child of another member's roll, the rest made up) and submits them as open
//! CME cases, 25 at a time, for one day. Every candidate the hub proposes for a guess locates
//! that child at the other authority (counted in the hub's database). Measured against a real hub on SQLite, once without
//! daily limits (as protocol v3's hub ran) and once with the default limits.

use std::net::SocketAddr;

use anyhow::Context;
use chrono::NaiveDate;
use sqlx::Connection;

use super::hub::{encoder, one_agreement, secret, start, wait_ready, BenchAuthority};
use super::population;
use crate::client::{CaseFields, ClientError, SubmissionHeader, SubmittedRecord, UploadOptions};
use crate::hub::{HubConfig, Policy};
use crate::store::{DailyLimit, Jurisdiction, ReferralReason, ReferralSource, Role, SubmitMode};

const AGREEMENT: &str = "oracle-cme";
const ATTACKER: BenchAuthority = ("383", "Leeds City Council", Jurisdiction::England);
const HOLDER: BenchAuthority = ("S12000049", "Glasgow City Council", Jurisdiction::Scotland);
/// Guessed cases per submission.
pub const PER_SUBMISSION: usize = 25;

/// What one day of fabricated cases achieved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OracleDay {
    /// Guessed cases the hub accepted.
    pub accepted: usize,
    /// Children of the other authority's roll located.
    pub located: usize,
    /// Children on that roll.
    pub roll: usize,
}

impl OracleDay {
    /// The share of the roll located.
    pub fn share(&self) -> f64 {
        self.located as f64 / self.roll.max(1) as f64
    }
}

/// The attack without daily limits and with the default ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OracleReport {
    /// No daily limits (protocol v3's hub).
    pub unlimited: OracleDay,
    /// The default daily limits.
    pub limited: OracleDay,
}

/// Runs the attack twice on fresh hubs: `roll` children at the holder, `guesses` cases.
pub async fn measure(roll: usize, guesses: usize, seed: u64) -> anyhow::Result<OracleReport> {
    let unlimited = Policy {
        cases_per_day: DailyLimit::Unlimited,
        searches_per_day: DailyLimit::Unlimited,
        ..Policy::default()
    };
    Ok(OracleReport {
        unlimited: one_day(roll, guesses, seed, unlimited).await?,
        limited: one_day(roll, guesses, seed, Policy::default()).await?,
    })
}

async fn one_day(
    roll_size: usize,
    guesses: usize,
    seed: u64,
    policy: Policy,
) -> anyhow::Result<OracleDay> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let config = HubConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: format!("sqlite://{}?mode=rwc", dir.path().join("hub.db").display()),
        hub_key: dir.path().join("keys").join("hub.key"),
        policy,
        ..HubConfig::default()
    };
    let (running, store) = start(&config).await?;
    wait_ready(running.addr).await?;
    let clients = one_agreement(&store, running.addr, AGREEMENT, &[ATTACKER, HOLDER]).await?;
    let (attacker, holder) = (&clients[0], &clients[1]);
    let secret = secret(seed);
    let today = chrono::Utc::now().date_naive();
    let roll = population::pupils(seed + 1, roll_size, "GLA");
    let header = |batch: String, role| {
        SubmissionHeader::new(batch, AGREEMENT, 1, role, SubmitMode::Incremental)
    };
    holder
        .submit_stream(
            &header("roll".into(), Role::Roll),
            population::encode(&encoder(HOLDER.0, &secret), &roll, today)
                .into_iter()
                .map(Ok),
            UploadOptions::default(),
        )
        .await
        .context("uploading the roll")?;

    // Every other guess is a real child of the roll, as the attacker would type it.
    let made_up = population::pupils(seed + 2, guesses, "MADE-UP");
    let guessed: Vec<_> = (0..guesses)
        .map(|i| {
            let who = if i % 2 == 0 {
                &roll[i / 2 % roll.len()]
            } else {
                &made_up[i]
            };
            population::elsewhere(who, format!("GUESS-{i}"), false)
        })
        .collect();
    let case = CaseFields {
        referral_reason: ReferralReason::Rtl,
        referral_source: ReferralSource::Sch,
        referred_on: NaiveDate::from_ymd_opt(2026, 9, 14).expect("a date"),
    };
    let cases: Vec<SubmittedRecord> =
        population::encode(&encoder(ATTACKER.0, &secret), &guessed, today)
            .into_iter()
            .map(|r| SubmittedRecord {
                case: Some(case.clone()),
                ..r
            })
            .collect();
    let mut accepted = 0;
    for (i, batch) in cases.chunks(PER_SUBMISSION).enumerate() {
        match attacker
            .submit(&header(format!("guess-{i}"), Role::Missing), batch)
            .await
        {
            Ok(_) => accepted += batch.len(),
            Err(ClientError::Problem(problem)) if problem.status == 429 => break,
            Err(e) => return Err(e).context("submitting guessed cases"),
        }
    }
    // Counted in the database: the candidate listing stops at 1,000.
    let mut db = sqlx::AnyConnection::connect(&config.database_url).await?;
    let (located,): (i64,) = sqlx::query_as(
        "select count(distinct r.id) from candidates c \
         join records r on r.id = c.record_lo or r.id = c.record_hi \
         where r.authority_code = $1 and r.role = 'roll'",
    )
    .bind(HOLDER.0)
    .fetch_one(&mut db)
    .await?;
    let day = OracleDay {
        accepted,
        located: located as usize,
        roll: roll_size,
    };
    let _ = running.stop.send(());
    let _ = running.task.await;
    Ok(day)
}
