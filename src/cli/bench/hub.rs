//! `pupilmatch bench hub`: the hub measured end to end over HTTP on loopback, against a fresh
//! SQLite file and/or a fresh PostgreSQL database.
//!
//! 1. **Ingest**: open CME cases at one English authority, then the rolls of four other
//!    authorities (one per nation) streamed in batches; timed from the first byte uploaded to
//!    the last answer, so each record counted is stored *and* matched. Issue 4 target:
//!    ≥ 50,000 records/s.
//! 2. **National search**: `--clients` concurrent coordinators each searching for children
//!    (half of them on some roll, with a typo) over HTTP; latency percentiles and errors.
//!    Target: p50 ≤ 20 ms, p99 ≤ 100 ms, no errors, with 1M records loaded.
//! 3. **Restart**: the hub stopped and started on the same database; time until `/readyz`.
//!    Target: ≤ 30 s with 1M records stored.
//! 4. **Searches beside an upload** (issue #20 item 1): the searches of 2 again, in a loop,
//!    while another authority streams a roll of `--beside` records (1M by default) as fast as
//!    the hub takes it. Target: p99 ≤ 100 ms and throughput ≥ 80% of the idle figure of 2.
//!
//! Fixture generation and local encoding are not timed (they happen at the authorities).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use sqlx::{Connection, Executor};

use super::population;
use crate::client::{
    CaseFields, HubClient, HubClientConfig, SearchQuery, SubmissionHeader, SubmittedRecord,
    UploadOptions,
};
use crate::encode::{AgreementSecret, Encoder, LocalKey};
use crate::hub::{Hub, HubConfig, Policy};
use crate::store::{
    Authority, DailyLimit, Jurisdiction, NewAgreement, ReferralReason, ReferralSource, Role, Store,
    SubmitMode,
};

const AGREEMENT: &str = "bench-cme";

/// References the withdrawal figure sends in one request.
const WITHDRAWN: usize = 1000;

/// Which databases to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchBackend {
    /// An SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `--postgres`.
    Postgres,
    /// SQLite, then PostgreSQL.
    Both,
}

/// Arguments of `pupilmatch bench hub`.
#[derive(Debug, Clone, Args)]
pub struct HubBenchArgs {
    /// Database(s) to run against.
    #[arg(long, value_enum, default_value = "both")]
    pub backend: BenchBackend,
    /// Roll records to load (spread over four authorities).
    #[arg(long, default_value_t = 1_000_000)]
    pub records: usize,
    /// Records per uploaded batch.
    #[arg(long, default_value_t = 100_000)]
    pub batch: usize,
    /// Open CME cases at the searching authority (half of these children are on a roll).
    #[arg(long, default_value_t = 2_000)]
    pub cases: usize,
    /// Concurrent search clients.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// National searches in total.
    #[arg(long, default_value_t = 10_000)]
    pub searches: usize,
    /// Skip the restart measurement.
    #[arg(long)]
    pub no_restart: bool,
    /// Records of the roll streamed in while searches run (0 skips the measurement).
    #[arg(long, default_value_t = 1_000_000)]
    pub beside: usize,
    /// PostgreSQL server (a database per run is created on it and dropped afterwards).
    #[arg(
        long,
        env = "PUPILMATCH_BENCH_POSTGRES",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres: String,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// Runs the hub benchmark.
pub fn run(args: HubBenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.records > 0 && args.batch > 0,
        "--records and --batch must be positive"
    );
    anyhow::ensure!(args.clients > 0, "--clients must be positive");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let fixture = Fixture::generate(&args);
    let backends = match args.backend {
        BenchBackend::Sqlite => vec![BenchBackend::Sqlite],
        BenchBackend::Postgres => vec![BenchBackend::Postgres],
        BenchBackend::Both => vec![BenchBackend::Sqlite, BenchBackend::Postgres],
    };
    let mut all_met = true;
    for backend in backends {
        let report = runtime.block_on(run_backend(&args, &fixture, backend))?;
        report.print(backend, &args);
        all_met &= report.targets_met(&args);
    }
    Ok(if all_met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// The four authorities holding rolls, one per nation besides England's searcher.
const ROLL_AUTHORITIES: [(&str, &str, Jurisdiction); 4] = [
    ("S12000049", "Glasgow City Council", Jurisdiction::Scotland),
    ("W06000015", "Cardiff Council", Jurisdiction::Wales),
    (
        "NI-EA",
        "Education Authority (NI)",
        Jurisdiction::NorthernIreland,
    ),
    (
        "IE-TUSLA",
        "Tusla Education Support Service",
        Jurisdiction::Ireland,
    ),
];
const SEARCHER: (&str, &str, Jurisdiction) = ("383", "Leeds City Council", Jurisdiction::England);
/// The authority whose roll streams in beside the searches.
const BESIDE: (&str, &str, Jurisdiction) = ("W06000011", "Swansea Council", Jurisdiction::Wales);

/// Everything encoded before the clock starts.
struct Fixture {
    /// Leeds's open cases.
    cases: Vec<SubmittedRecord>,
    /// Each roll authority's batches.
    rolls: Vec<Vec<Vec<SubmittedRecord>>>,
    /// Search queries encoded by Leeds.
    queries: Vec<SubmittedRecord>,
    n_rolls: usize,
}

pub(super) fn encoder(code: &str, secret: &AgreementSecret) -> Encoder {
    let mut local = [0u8; 32];
    for (slot, byte) in local.iter_mut().zip(code.bytes().cycle()) {
        *slot = byte;
    }
    Encoder::new(secret, LocalKey::from_bytes(local))
}

pub(super) fn secret(seed: u64) -> AgreementSecret {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_be_bytes());
    AgreementSecret::from_bytes(AGREEMENT, 1, bytes).expect("a valid agreement id")
}

impl Fixture {
    fn generate(args: &HubBenchArgs) -> Fixture {
        let started = Instant::now();
        let today = chrono::Utc::now().date_naive();
        let secret = secret(args.seed);
        let per_authority = args.records.div_ceil(ROLL_AUTHORITIES.len());
        let mut rolls = Vec::new();
        let mut roll_pupils = Vec::new();
        let mut remaining = args.records;
        for (i, (code, _, _)) in ROLL_AUTHORITIES.iter().enumerate() {
            let n = per_authority.min(remaining);
            remaining -= n;
            let pupils = population::pupils(args.seed + 1 + i as u64, n, code);
            let encoded = population::encode(&encoder(code, &secret), &pupils, today);
            rolls.push(
                encoded
                    .chunks(args.batch)
                    .map(<[SubmittedRecord]>::to_vec)
                    .collect(),
            );
            roll_pupils.extend(pupils.into_iter().step_by(997).take(args.cases));
        }
        let leeds = encoder(SEARCHER.0, &secret);
        // Half the cases are children on some roll (as Leeds writes them), half are unknown.
        let mut case_pupils: Vec<_> = roll_pupils
            .iter()
            .take(args.cases / 2)
            .enumerate()
            .map(|(i, p)| population::elsewhere(p, format!("LDS-CASE-{i}"), i % 3 == 0))
            .collect();
        let n_unknown = args.cases - case_pupils.len();
        case_pupils.extend(population::pupils(
            args.seed + 100,
            n_unknown,
            "LDS-UNKNOWN",
        ));
        let case = CaseFields {
            referral_reason: ReferralReason::Rtl,
            referral_source: ReferralSource::Sch,
            referred_on: NaiveDate::from_ymd_opt(2026, 9, 14).expect("date"),
        };
        let cases = population::encode(&leeds, &case_pupils, today)
            .into_iter()
            .map(|r| SubmittedRecord {
                case: Some(case.clone()),
                ..r
            })
            .collect();
        let mut query_pupils: Vec<_> = roll_pupils
            .iter()
            .cycle()
            .take(args.searches.div_ceil(2))
            .enumerate()
            .map(|(i, p)| population::elsewhere(p, format!("LDS-Q-{i}"), i % 2 == 0))
            .collect();
        query_pupils.extend(population::pupils(
            args.seed + 200,
            args.searches - query_pupils.len().min(args.searches),
            "LDS-Q-UNKNOWN",
        ));
        let queries = population::encode(&leeds, &query_pupils, today);
        eprintln!(
            "fixture: {} roll records, {} cases, {} queries encoded in {:.1}s",
            args.records,
            args.cases,
            queries.len(),
            started.elapsed().as_secs_f64()
        );
        Fixture {
            cases,
            rolls,
            queries,
            n_rolls: args.records,
        }
    }
}

/// The figures of one backend.
#[derive(Debug, Default)]
struct Report {
    ingest_seconds: f64,
    n_ingested: usize,
    n_candidates: u64,
    search: Option<Latencies>,
    restart_seconds: Option<f64>,
    index_records: u64,
    /// References withdrawn in one request, and how long it took.
    withdraw: Option<(u64, Duration)>,
    /// Searches while a roll streamed in: the roll's records and seconds, and the latencies.
    beside: Option<(u64, f64, Latencies)>,
}

#[derive(Debug, Default)]
struct Latencies {
    /// Every request's latency, sorted.
    samples: Vec<Duration>,
    /// Seconds the requests took from the first sent to the last answered.
    seconds: f64,
    n: usize,
    errors: u64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
    per_second: f64,
}

impl Report {
    fn ingest_rate(&self) -> f64 {
        self.n_ingested as f64 / self.ingest_seconds.max(1e-9)
    }

    fn targets_met(&self, args: &HubBenchArgs) -> bool {
        let full_size = args.records >= 1_000_000;
        let ingest = self.ingest_rate() >= 50_000.0;
        let search = self.search.as_ref().is_none_or(|s| {
            s.errors == 0
                && s.p50 <= Duration::from_millis(20)
                && s.p99 <= Duration::from_millis(100)
        });
        let restart = self.restart_seconds.is_none_or(|s| !full_size || s <= 30.0);
        ingest && search && restart && self.beside_met() != Some(false)
    }

    /// Whether searches beside the streamed roll met their target: p99 ≤ 100 ms, no errors,
    /// and at least 80% of the idle throughput.
    fn beside_met(&self) -> Option<bool> {
        let (idle, (_, _, beside)) = (self.search.as_ref()?, self.beside.as_ref()?);
        Some(
            beside.errors == 0
                && beside.p99 <= Duration::from_millis(100)
                && beside.per_second >= 0.8 * idle.per_second,
        )
    }

    fn print(&self, backend: BenchBackend, args: &HubBenchArgs) {
        let name = format!("{backend:?}").to_lowercase();
        println!(
            "== bench hub on {name} ({} roll records, {} cases)",
            args.records, args.cases
        );
        println!(
            "ingest   {:>10.0} records/s  ({} records in {:.2}s, stored and matched; {} candidates)  target >= 50000: {}",
            self.ingest_rate(),
            self.n_ingested,
            self.ingest_seconds,
            self.n_candidates,
            verdict(self.ingest_rate() >= 50_000.0)
        );
        if let Some(s) = &self.search {
            println!(
                "search   p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms  ({} searches, {} clients, {:.0}/s, {} errors, {} records indexed)  target p50 <= 20, p99 <= 100, 0 errors: {}",
                ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), s.n, args.clients, s.per_second, s.errors,
                self.index_records,
                verdict(s.errors == 0 && s.p50 <= Duration::from_millis(20) && s.p99 <= Duration::from_millis(100))
            );
        }
        if let Some((n, took)) = self.withdraw {
            println!(
                "withdraw {n} records of a {}-record roll in one request: {:.0} ms",
                args.records / ROLL_AUTHORITIES.len(),
                ms(took)
            );
        }
        if let (Some((n, seconds, s)), Some(idle)) = (&self.beside, &self.search) {
            println!(
                "beside   p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms  ({} searches, {:.0}/s = x{:.2} of idle, {} errors) while a {n}-record roll streamed in ({:.0} records/s)  target p99 <= 100, >= x0.80: {}",
                ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), s.n, s.per_second,
                s.per_second / idle.per_second.max(1e-9), s.errors,
                *n as f64 / seconds.max(1e-9),
                verdict(self.beside_met() == Some(true))
            );
        }
        if let Some(seconds) = self.restart_seconds {
            println!(
                "restart  ready in {seconds:.2}s with {} records stored  target <= 30s: {}",
                self.n_ingested + args.cases,
                verdict(seconds <= 30.0)
            );
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// A database for one run, dropped afterwards.
struct BenchDatabase {
    url: String,
    postgres: Option<(String, String)>,
}

impl BenchDatabase {
    async fn create(backend: BenchBackend, dir: &Path, admin: &str) -> anyhow::Result<Self> {
        if backend == BenchBackend::Sqlite {
            return Ok(BenchDatabase {
                url: format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
                postgres: None,
            });
        }
        sqlx::any::install_default_drivers();
        let name = format!("pupilmatch_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::AnyConnection::connect(admin).await.with_context(|| {
            format!("connecting to {admin} (scripts/ensure-postgres.sh starts it)")
        })?;
        conn.execute(format!("create database {name}").as_str())
            .await?;
        let (base, query) = admin
            .split_once('?')
            .map_or((admin, None), |(b, q)| (b, Some(q)));
        let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
        let url = match query {
            Some(q) => format!("{prefix}/{name}?{q}"),
            None => format!("{prefix}/{name}"),
        };
        Ok(BenchDatabase {
            url,
            postgres: Some((admin.to_string(), name)),
        })
    }

    async fn drop_database(self) {
        if let Some((admin, name)) = self.postgres {
            if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                let _ = conn
                    .execute(format!("drop database if exists {name} with (force)").as_str())
                    .await;
            }
        }
    }
}

/// A hub serving on a task of the benchmark's runtime.
pub(super) struct Running {
    pub(super) addr: SocketAddr,
    pub(super) stop: tokio::sync::oneshot::Sender<()>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

/// Builds a hub and serves it until told to stop.
pub(super) async fn start(config: &HubConfig) -> anyhow::Result<(Running, Store)> {
    let hub = Hub::build(config.clone()).await?;
    let addr = hub.local_addr();
    let store = hub.state().store.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = hub
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((Running { addr, stop, task }, store))
}

/// An authority of a benchmark: code, name, nation.
pub(super) type BenchAuthority = (&'static str, &'static str, Jurisdiction);

/// Registers `members` at the hub at `addr`, each with an API key, as the members of one
/// agreement `id` accepting epoch 1; returns a client per member, in order.
pub(super) async fn one_agreement(
    store: &Store,
    addr: SocketAddr,
    id: &str,
    members: &[BenchAuthority],
) -> anyhow::Result<Vec<HubClient>> {
    let base = format!("http://{addr}");
    let mut clients = Vec::new();
    for (code, name, jurisdiction) in members {
        store
            .add_authority(&Authority {
                code: (*code).into(),
                name: (*name).into(),
                jurisdiction: *jurisdiction,
            })
            .await?;
        let key = store.issue_key(Some(code), code).await?;
        let mut config = HubClientConfig::new(base.clone(), key);
        config.timeout = Duration::from_secs(3600);
        clients.push(HubClient::new(config)?);
    }
    store
        .add_agreement(&NewAgreement {
            id: id.into(),
            name: format!("{id} (benchmark)"),
            purpose: "Finding children missing from education".into(),
            lawful_basis: "public task".into(),
            retention_days: 365,
            epochs: vec![1],
            members: members
                .iter()
                .map(|(code, _, _)| (*code).to_string())
                .collect(),
        })
        .await?;
    Ok(clients)
}

/// Waits until the hub at `addr` reports ready.
pub(super) async fn wait_ready(addr: SocketAddr) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        let ready = http.get(format!("http://{addr}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("the hub did not become ready within 10 minutes")
}

async fn run_backend(
    args: &HubBenchArgs,
    fixture: &Fixture,
    backend: BenchBackend,
) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let database = BenchDatabase::create(backend, dir.path(), &args.postgres).await?;
    let config = HubConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: database.url.clone(),
        hub_key: dir.path().join("keys").join("hub.key"),
        request_timeout: Duration::from_secs(3600),
        // Capacity, not policy, is measured: no per-authority search rate or daily limits.
        policy: Policy {
            searches_per_minute: 0,
            cases_per_day: DailyLimit::Unlimited,
            searches_per_day: DailyLimit::Unlimited,
            ..Policy::default()
        },
        ..HubConfig::default()
    };
    let result = measure(args, fixture, &config).await;
    database.drop_database().await;
    result
}

async fn measure(
    args: &HubBenchArgs,
    fixture: &Fixture,
    config: &HubConfig,
) -> anyhow::Result<Report> {
    let (running, store) = start(config).await?;
    wait_ready(running.addr).await?;
    let mut all = vec![SEARCHER];
    all.extend(ROLL_AUTHORITIES);
    all.push(BESIDE);
    let clients = one_agreement(&store, running.addr, AGREEMENT, &all).await?;
    let leeds = clients[0].clone();
    let header = |batch_id: String, role: Role, mode: SubmitMode| {
        SubmissionHeader::new(batch_id, AGREEMENT, 1, role, mode)
    };
    leeds
        .submit_stream(
            &header("bench-cases".into(), Role::Missing, SubmitMode::Incremental),
            fixture.cases.clone().into_iter().map(Ok),
            UploadOptions::default(),
        )
        .await
        .context("uploading the cases")?;

    let mut report = Report::default();
    // The authorities' files exist before the upload: copied out of the fixture untimed.
    let rolls = fixture.rolls.clone();
    let started = Instant::now();
    for (authority, batches) in rolls.into_iter().enumerate() {
        let client = &clients[authority + 1];
        for (i, records) in batches.into_iter().enumerate() {
            let result = client
                .submit_stream(
                    &header(format!("roll-{i}"), Role::Roll, SubmitMode::Incremental),
                    records.into_iter().map(Ok),
                    UploadOptions::default(),
                )
                .await
                .with_context(|| format!("uploading roll batch {i} of authority {authority}"))?;
            report.n_candidates += result.n_candidates;
            report.n_ingested += result.n_records as usize;
        }
    }
    report.ingest_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.n_ingested == fixture.n_rolls,
        "every roll record was stored"
    );

    report.index_records = leeds.ready().await?.index_records;
    report.search = Some(search_load(&leeds, &fixture.queries, args.clients).await);

    // An authority takes a thousand children off its roll (after the searches, which
    // would otherwise miss them).
    let last = ROLL_AUTHORITIES.len();
    let refs: Vec<String> = fixture.rolls[last - 1]
        .iter()
        .flatten()
        .take(WITHDRAWN)
        .map(|r| r.encoding.record_ref.clone())
        .collect();
    let withdrawing = Instant::now();
    let withdrawal = clients[last]
        .withdraw(&refs, Some(AGREEMENT))
        .await
        .context("withdrawing records")?;
    report.withdraw = Some((withdrawal.n_withdrawn, withdrawing.elapsed()));
    anyhow::ensure!(
        withdrawal.n_withdrawn == refs.len() as u64,
        "every reference sent was withdrawn"
    );

    let (running, leeds, beside) = if args.no_restart {
        (running, leeds, clients[all.len() - 1].clone())
    } else {
        let _ = running.stop.send(());
        running.task.await.context("the hub stopped")?;
        let started = Instant::now();
        let (running, store) = start(config).await?;
        wait_ready(running.addr).await?;
        report.restart_seconds = Some(started.elapsed().as_secs_f64());
        let leeds = client_of(&store, running.addr, SEARCHER.0).await?;
        let beside = client_of(&store, running.addr, BESIDE.0).await?;
        (running, leeds, beside)
    };
    if args.beside > 0 {
        // Records of the other authorities' files, sent as this authority's roll: new rows
        // the index has never held, which match the open cases as the rolls did.
        let roll: Vec<SubmittedRecord> = fixture
            .rolls
            .iter()
            .flatten()
            .flatten()
            .take(args.beside)
            .cloned()
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let load = tokio::spawn(search_until(
            leeds.clone(),
            fixture.queries.clone(),
            args.clients,
            stop.clone(),
        ));
        let started = Instant::now();
        let result = beside
            .submit_stream(
                &header("beside-roll".into(), Role::Roll, SubmitMode::Incremental),
                roll.into_iter().map(Ok),
                UploadOptions::default(),
            )
            .await
            .context("streaming the roll beside the searches");
        let seconds = started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        let latencies = load.await.context("the search load")?;
        report.beside = Some((result?.n_records, seconds, latencies));
    }
    let _ = running.stop.send(());
    let _ = running.task.await;
    Ok(report)
}

/// A client of the hub at `addr` for `authority`, with a new API key.
async fn client_of(store: &Store, addr: SocketAddr, authority: &str) -> anyhow::Result<HubClient> {
    let key = store.issue_key(Some(authority), authority).await?;
    let mut config = HubClientConfig::new(format!("http://{addr}"), key);
    config.timeout = Duration::from_secs(3600);
    Ok(HubClient::new(config)?)
}

/// [`search_load`] over and over (the queries in a loop) until `stop` is set.
async fn search_until(
    client: HubClient,
    queries: Vec<SubmittedRecord>,
    clients: usize,
    stop: Arc<AtomicBool>,
) -> Latencies {
    let mut rounds = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let upto = queries.len().min(clients.max(1) * 20);
        rounds.push(search_load(&client, &queries[..upto], clients).await);
    }
    Latencies::merge(rounds)
}

/// `clients` tasks share the queries; each measures every request it sends.
async fn search_load(client: &HubClient, queries: &[SubmittedRecord], clients: usize) -> Latencies {
    let queries: Arc<Vec<SearchQuery>> = Arc::new(
        queries
            .iter()
            .map(|q| SearchQuery::new(AGREEMENT, 1, q.encoding.clone()))
            .collect(),
    );
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, queries, next, errors) = (
                client.clone(),
                queries.clone(),
                next.clone(),
                errors.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(query) = queries.get(i) else { break };
                    let sent = Instant::now();
                    if client.search(query).await.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::with_capacity(queries.len());
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    Latencies::of(all, elapsed, errors.load(Ordering::Relaxed))
}

impl Latencies {
    fn of(mut samples: Vec<Duration>, seconds: f64, errors: u64) -> Latencies {
        samples.sort();
        let at = |q: f64| {
            samples
                .get(((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Latencies {
            n: samples.len(),
            errors,
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: samples.last().copied().unwrap_or_default(),
            per_second: samples.len() as f64 / seconds.max(1e-9),
            seconds,
            samples,
        }
    }

    /// The figures of several rounds of requests, as one.
    fn merge(rounds: Vec<Latencies>) -> Latencies {
        let seconds = rounds.iter().map(|r| r.seconds).sum();
        let errors = rounds.iter().map(|r| r.errors).sum();
        let samples = rounds.into_iter().flat_map(|r| r.samples).collect();
        Latencies::of(samples, seconds, errors)
    }
}
