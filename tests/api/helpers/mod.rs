//! `spawn_hub`, the `TestHub` it returns and the `Actor` helpers that let tests speak the domain.

mod database;
mod disclosure;
mod logs;
mod pupils;
mod served;

use std::net::SocketAddr;

use pupilmatch::disclosure::DisclosureKeyPair;
use pupilmatch::encode::encoded::PROTOCOL_VERSION;
use pupilmatch::encode::{AgreementSecret, Encoder, LocalKey};
use pupilmatch::hub::{Hub, HubConfig};
use pupilmatch::store::{Authority, Jurisdiction, NewAgreement, Store};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use database::Backend;
use database::TestDatabase;
pub use logs::captured_logs;
pub use pupils::{Pupil, SYNTHETIC_NAMES};
pub use served::ServedBinary;

/// The agreement most scenarios use: England and Scotland (and Wales) on one CME agreement.
pub const AGREEMENT: &str = "eng-scot-cme";
/// The agreement secret every member holds (tests only).
pub const SECRET: [u8; 32] = [7; 32];

/// Runs each listed scenario twice, as `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(#[doc = $doc:literal])* async fn $name:ident($backend:ident: Backend) $body:block $($rest:tt)*) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn scenario($backend: $crate::helpers::Backend) $body
            #[tokio::test]
            async fn sqlite() {
                scenario($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                scenario($crate::helpers::Backend::Postgres).await
            }
        }
        $crate::both_backends! { $($rest)* }
    };
    () => {};
}

/// A running hub on a fresh database.
pub struct TestHub {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its configuration (for restarts).
    pub config: HubConfig,
    /// Direct access to its database, for arranging tenancy and counting rows.
    pub store: Store,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    database: TestDatabase,
    // Declared last so the hub key and SQLite files outlive everything above.
    _dir: tempfile::TempDir,
}

/// Starts a hub with the default test configuration.
pub async fn spawn_hub(backend: Backend) -> TestHub {
    spawn_hub_with(backend, |_| {}).await
}

/// Starts a hub after `configure` has adjusted its configuration.
pub async fn spawn_hub_with(backend: Backend, configure: impl FnOnce(&mut HubConfig)) -> TestHub {
    logs::init();
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = TestDatabase::create(backend, dir.path()).await;
    let mut config = HubConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: database.url.clone(),
        hub_key: dir.path().join("keys").join("hub.key"),
        ..HubConfig::default()
    };
    configure(&mut config);
    let (addr, store, stop, task) = start(&config).await;
    TestHub {
        addr,
        config,
        store,
        stop: Some(stop),
        task: Some(task),
        database,
        _dir: dir,
    }
}

async fn start(config: &HubConfig) -> (SocketAddr, Store, oneshot::Sender<()>, JoinHandle<()>) {
    let hub = Hub::build(config.clone()).await.expect("the hub starts");
    let addr = hub.local_addr();
    let store = hub.state().store.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        hub.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("the hub serves");
    });
    wait_until_ready(addr).await;
    (addr, store, stop, task)
}

async fn wait_until_ready(addr: SocketAddr) {
    let client = reqwest::Client::new();
    for _ in 0..500 {
        let ready = client.get(format!("http://{addr}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the hub did not become ready");
}

impl TestHub {
    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the hub gracefully and starts a new one on the same database and hub key.
    pub async fn restart(&mut self) {
        self.stop_hub().await;
        let (addr, store, stop, task) = start(&self.config).await;
        self.addr = addr;
        self.store = store;
        self.stop = Some(stop);
        self.task = Some(task);
    }

    /// Stops the hub gracefully, leaving its database and hub key to another process (the
    /// binary, in `faults.rs`).
    pub async fn stop(&mut self) {
        self.stop_hub().await;
    }

    async fn stop_hub(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the hub task ends");
        }
    }

    /// Registers an authority and issues it an API key.
    pub async fn authority(&self, code: &str, name: &str, jurisdiction: Jurisdiction) -> Actor {
        self.store
            .add_authority(&Authority {
                code: code.into(),
                name: name.into(),
                jurisdiction,
            })
            .await
            .expect("authority added");
        let key = self
            .store
            .issue_key(Some(code), code)
            .await
            .expect("key issued");
        let mut local = [0u8; 32];
        for (slot, byte) in local.iter_mut().zip(code.bytes().cycle()) {
            *slot = byte;
        }
        Actor {
            code: code.into(),
            key,
            base: self.url(""),
            client: reqwest::Client::new(),
            encoder: Encoder::new(
                &AgreementSecret::from_bytes(AGREEMENT, 1, SECRET).expect("valid agreement"),
                LocalKey::from_bytes(local),
            ),
            agreement: AGREEMENT.into(),
            epoch: 1,
            local,
            disclosure_key: std::sync::Arc::new(DisclosureKeyPair::derive(&local)),
        }
    }

    /// Registers an agreement accepting epoch 1 with these members.
    pub async fn agreement(&self, id: &str, members: &[&Actor]) {
        self.store
            .add_agreement(&NewAgreement {
                id: id.into(),
                name: format!("{id} agreement"),
                purpose: "Finding children missing from education".into(),
                lawful_basis: "public task; Education Act 1996 s436A".into(),
                retention_days: 365,
                epochs: vec![1],
                members: members.iter().map(|a| a.code.clone()).collect(),
            })
            .await
            .expect("agreement added");
    }

    /// Leeds (England) and Glasgow (Scotland) under [`AGREEMENT`].
    pub async fn leeds_and_glasgow(&self) -> (Actor, Actor) {
        let (leeds, glasgow) = (self.leeds().await, self.glasgow().await);
        self.agreement(AGREEMENT, &[&leeds, &glasgow]).await;
        (leeds, glasgow)
    }

    /// Leeds (England), Glasgow (Scotland) and Cardiff (Wales), all three under [`AGREEMENT`].
    pub async fn leeds_glasgow_and_cardiff(&self) -> (Actor, Actor, Actor) {
        let (leeds, glasgow) = (self.leeds().await, self.glasgow().await);
        let cardiff = self
            .authority("W06000015", "Cardiff Council", Jurisdiction::Wales)
            .await;
        self.agreement(AGREEMENT, &[&leeds, &glasgow, &cardiff])
            .await;
        (leeds, glasgow, cardiff)
    }

    async fn leeds(&self) -> Actor {
        self.authority("383", "Leeds City Council", Jurisdiction::England)
            .await
    }

    async fn glasgow(&self) -> Actor {
        self.authority("S12000049", "Glasgow City Council", Jurisdiction::Scotland)
            .await
    }

    /// Rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        self.store.count_rows(table).await.expect("count")
    }

    /// Row counts of the tables a request could write to.
    pub async fn written_rows(&self) -> [i64; 4] {
        [
            self.count("submissions").await,
            self.count("records").await,
            self.count("candidates").await,
            self.count("audit_events").await,
        ]
    }

    /// A connection of the test's own to the hub's database, with foreign keys enforced as on
    /// the hub's connections: for what only the database itself can be asked to refuse.
    pub async fn raw_connection(&self) -> sqlx::AnyConnection {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::AnyConnection::connect(&self.database.url)
            .await
            .expect("connect");
        if self.database.url.starts_with("sqlite:") {
            conn.execute("pragma foreign_keys = on")
                .await
                .expect("pragma");
        }
        conn
    }

    /// Everything the database holds, as text (the SQLite files, or every PostgreSQL row).
    pub async fn database_contents(&self) -> String {
        self.database.contents().await
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// An authority acting through the public API with its own API key and encoder.
pub struct Actor {
    /// Authority code.
    pub code: String,
    /// API key.
    pub key: String,
    base: String,
    client: reqwest::Client,
    encoder: Encoder,
    agreement: String,
    epoch: u32,
    local: [u8; 32],
    /// The authority's disclosure key pair (registered with `register_disclosure_key`).
    pub disclosure_key: std::sync::Arc<DisclosureKeyPair>,
}

impl Actor {
    /// Encodes a pupil locally, as the authority would before uploading.
    pub fn encode(&self, pupil: &Pupil) -> Value {
        serde_json::to_value(self.encoder.encode(&pupil.validated())).expect("encoded record")
    }

    /// The opaque reference of a pupil.
    pub fn record_ref(&self, pupil: &Pupil) -> String {
        self.encoder.record_ref(pupil.id)
    }

    /// Encodes a pupil as a CME case (with referral metadata).
    pub fn encode_case(&self, pupil: &Pupil) -> Value {
        as_case(self.encode(pupil))
    }

    /// Encodes a record of the authority's own file (`None` when the encoder's checks refuse
    /// it, as they would at the authority).
    pub fn encode_raw(&self, raw: &pupilmatch::input::RawRecord) -> Option<Value> {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        let validated = pupilmatch::encode::PupilRecord::from_raw(raw, today).ok()?;
        Some(serde_json::to_value(self.encoder.encode(&validated.record)).expect("encoded record"))
    }

    /// Uses another agreement id in requests (the encoder keeps its keys).
    pub fn with_agreement(mut self, agreement: &str) -> Self {
        self.agreement = agreement.into();
        self
    }

    /// Encodes under another key epoch of the agreement, with that epoch's secret.
    pub fn at_epoch(&self, epoch: u32, secret: [u8; 32]) -> Actor {
        Actor {
            code: self.code.clone(),
            key: self.key.clone(),
            base: self.base.clone(),
            client: self.client.clone(),
            encoder: Encoder::new(
                &AgreementSecret::from_bytes(&self.agreement, epoch, secret)
                    .expect("valid agreement"),
                LocalKey::from_bytes(self.local),
            ),
            agreement: self.agreement.clone(),
            epoch,
            local: self.local,
            disclosure_key: self.disclosure_key.clone(),
        }
    }

    /// Talks to a hub at another base URL (after a restart).
    pub fn at(mut self, base: &str) -> Self {
        self.base = base.into();
        self
    }

    /// Uses another API key.
    pub fn with_key(mut self, key: &str) -> Self {
        self.key = key.into();
        self
    }

    /// POSTs JSON with this authority's key.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs raw bytes as JSON, optionally with a content encoding.
    pub async fn post_raw(&self, path: &str, body: Vec<u8>, encoding: Option<&str>) -> Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/json")
            .body(body);
        if let Some(encoding) = encoding {
            request = request.header("content-encoding", encoding);
        }
        request.send().await.expect("request sent")
    }

    /// POSTs an NDJSON body (a streamed submission) with this authority's key.
    pub async fn post_ndjson(&self, path: &str, body: String) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// The crate's own typed client, acting as this authority.
    pub fn hub_client(&self) -> pupilmatch::client::HubClient {
        pupilmatch::client::HubClient::new(pupilmatch::client::HubClientConfig::new(
            self.base.clone(),
            self.key.clone(),
        ))
        .expect("a client")
    }

    /// A pupil's encoding in the client's typed form.
    pub fn encoded(&self, pupil: &Pupil) -> pupilmatch::encode::EncodedRecord {
        self.encoder.encode(&pupil.validated())
    }

    /// GETs with this authority's key.
    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("request sent")
    }

    /// The body of a submission.
    pub fn submission(&self, batch_id: &str, role: &str, records: Vec<Value>) -> Value {
        json!({"batch_id": batch_id, "agreement_id": self.agreement, "epoch": self.epoch, "protocol": PROTOCOL_VERSION,
            "role": role, "records": records})
    }

    /// Submits open cases.
    pub async fn report_missing(&self, batch_id: &str, pupils: &[&Pupil]) -> Response {
        let records = pupils.iter().map(|p| self.encode_case(p)).collect();
        self.post(
            "/v1/submissions",
            &self.submission(batch_id, "missing", records),
        )
        .await
    }

    /// Submits roll records (incremental).
    pub async fn submit_roll(&self, batch_id: &str, pupils: &[&Pupil]) -> Response {
        let records = pupils.iter().map(|p| self.encode(p)).collect();
        self.post(
            "/v1/submissions",
            &self.submission(batch_id, "roll", records),
        )
        .await
    }

    /// A national search for one pupil.
    pub async fn search(&self, pupil: &Pupil) -> Response {
        let body = json!({"agreement_id": self.agreement, "epoch": self.epoch, "protocol": PROTOCOL_VERSION,
            "record": self.encode(pupil)});
        self.post("/v1/searches", &body).await
    }

    /// The candidates this authority is party to, with a query string.
    pub async fn candidates(&self, query: &str) -> Vec<Value> {
        let response = self.get(&format!("/v1/candidates{query}")).await;
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, StatusCode::OK, "listing candidates: {body}");
        body["candidates"].as_array().expect("a list").clone()
    }
}

/// An encoded record with a CME case's referral metadata added.
pub fn as_case(mut record: Value) -> Value {
    record["referral_reason"] = json!("RTL");
    record["referral_source"] = json!("SCH");
    record["referred_on"] = json!("2026-09-14");
    record
}

/// Reads a response as (status, JSON body), asserting problem responses carry their media type.
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = response.json().await.expect("a JSON body");
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(
            content_type, "application/problem+json",
            "problem media type: {body}"
        );
    }
    (status, body)
}

/// Asserts a response is the problem `slug` with `status`, returning its body.
pub async fn assert_problem(response: Response, status: StatusCode, slug: &str) -> Value {
    let (actual, body) = status_and_json(response).await;
    assert_eq!(actual, status, "status of {body}");
    assert_eq!(
        body["type"],
        format!("urn:pupilmatch:problem:{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status.as_u16(), "{body}");
    body
}

/// Asserts a response is the 503 `database-unavailable` problem, with its fixed detail and
/// `Retry-After: 5`.
pub async fn assert_database_unavailable(response: Response) {
    let retry_after = response.headers().get("retry-after").cloned();
    let p = assert_problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "database-unavailable",
    )
    .await;
    assert_eq!(
        p["detail"],
        "the hub's database is unavailable; try again shortly"
    );
    assert_eq!(retry_after.expect("Retry-After"), "5");
}
