//! The hub: `pupilmatch serve`, an HTTP service (axum on tokio) where authorities upload
//! encodings, the hub matches them continuously and answers national searches.
//!
//! [`Hub::build`] opens the store (running migrations), loads or creates the hub key, binds the
//! listener (port 0 in tests) and starts rebuilding the matching index in the background;
//! [`Hub::run_until_stopped`] serves until ctrl-c/SIGTERM with graceful shutdown. [`router`]
//! assembles the routes (one file per route group, each with its own `router()`) and the
//! middleware: request ids, tracing, problem responses for every error, a request timeout, gzip
//! request bodies and a body-size limit.
//!
//! The hub never sees raw personal data: only encodings, to which it applies its own key layer
//! (protocol.md §7) before storing or indexing anything.

mod activity;
mod audit;
mod audit_queue;
mod auth;
mod candidates;
mod cases;
mod disclosure_keys;
pub mod engine;
pub mod index;
pub mod key_custody;
pub mod layer;
mod limits;
mod matching;
mod me;
mod metrics;
mod ops;
pub mod problem;
mod rate_limit;
mod rebuild;
mod retention;
mod searches;
mod state;
mod submissions;
mod validate;
mod workflow;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use metrics::Metrics;
pub use ops::OPENAPI;
pub use state::{AppState, MatchSettings, Policy, UploadLimits};

use crate::hub::layer::HubLayer;
use crate::keyfile::KeyError;
use crate::matcher::Model;
use crate::store::{Store, StoreError};

/// Everything `pupilmatch serve` can be configured with.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// `sqlite://file.db?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// The hub key file, created if absent; never in the directory of an SQLite database
    /// ([`key_custody`]).
    pub hub_key: PathBuf,
    /// Largest JSON request body accepted, after gzip decompression (streamed NDJSON
    /// submissions are bounded by [`UploadLimits`] instead).
    pub max_body_bytes: usize,
    /// Upload limits.
    pub limits: UploadLimits,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// Matching thresholds.
    pub matching: MatchSettings,
    /// The Fellegi–Sunter model that scores every candidate and search (`serve --model`;
    /// by default the shipped model).
    pub model: Arc<Model>,
    /// Disclosure, audit and retention policy.
    pub policy: Policy,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://pupilmatch.db?mode=rwc".into(),
            hub_key: key_custody::default_hub_key_path()
                .unwrap_or_else(|_| PathBuf::from("hub.key")),
            max_body_bytes: 256 * 1024 * 1024,
            limits: UploadLimits::default(),
            request_timeout: Duration::from_secs(120),
            matching: MatchSettings::default(),
            model: Arc::new(Model::default_model().clone()),
            policy: Policy::default(),
        }
    }
}

/// Why the hub could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hub key could not be read or created.
    #[error("hub key: {0}")]
    Key(#[from] KeyError),
    /// The hub key is kept where it must not be.
    #[error(transparent)]
    Custody(#[from] key_custody::CustodyError),
    /// `PUPILMATCH_FAULT` names no crash point (see `crate::fault`).
    #[error(transparent)]
    Fault(#[from] crate::fault::UnknownCrashPoint),
    /// The listener could not be bound or the server failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Opens the hub key for the database at `database_url` as `serve` does: refused where
/// [`key_custody`] forbids it, created (mode 0600, in a 0700 directory) if absent.
pub fn open_hub_key(path: &std::path::Path, database_url: &str) -> Result<HubLayer, HubError> {
    key_custody::check_custody(path, database_url)?;
    key_custody::prepare_directory(path).map_err(|source| HubError::Io {
        context: format!("creating the directory of {}", path.display()),
        source,
    })?;
    let (layer, created) = HubLayer::load_or_create(path)?;
    if created {
        tracing::warn!(
            path = %path.display(),
            "created a new hub key (mode 0600): back it up apart from the database; \
             without it the stored records cannot be opened nor the audit chain verified"
        );
    }
    Ok(layer)
}

/// A bound, not yet serving hub.
pub struct Hub {
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    router: Router,
}

impl Hub {
    /// Opens the store, loads the hub key, binds the listener and starts the index rebuild.
    pub async fn build(config: HubConfig) -> Result<Hub, HubError> {
        survive_file_size_limit();
        if let Some(point) = crate::fault::armed()? {
            tracing::warn!(
                point = point.name(),
                "{} is set: the hub will kill itself at that point (a test only)",
                crate::fault::VARIABLE
            );
        }
        key_custody::check_custody(&config.hub_key, &config.database_url)?;
        let store = Store::connect(&config.database_url).await?;
        let layer = open_hub_key(&config.hub_key, &config.database_url)?;
        let legacy_links =
            key_custody::pin_legacy_links(&config.hub_key, store.count_legacy_audit_links().await?)
                .map_err(|source| HubError::Io {
                    context: format!(
                        "recording the audit chain's legacy links in {}",
                        key_custody::legacy_links_record(&config.hub_key).display()
                    ),
                    source,
                })?;
        let store = store
            .with_audit_key(layer.audit_chain_key())
            .with_legacy_limit(legacy_links);
        let state = AppState {
            store: store.clone(),
            layer: Arc::new(layer),
            index: Arc::new(RwLock::new(index::MatchIndex::new(config.model.clone()))),
            metrics: Arc::new(Metrics::default()),
            settings: config.matching,
            limits: config.limits,
            audit: audit_queue::AuditQueue::start(store.clone()),
            jurisdictions: Arc::default(),
            policy: config.policy,
            search_limiter: Arc::new(rate_limit::SearchLimiter::new(
                config.policy.searches_per_minute,
            )),
            match_turn: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| HubError::Io {
                context: format!("binding {}", config.listen),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| HubError::Io {
            context: "reading the bound address".into(),
            source,
        })?;
        let rebuild_state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = rebuild::rebuild(rebuild_state).await {
                tracing::error!(%error, "rebuilding the matching index failed; the hub stays unready");
            }
        });
        retention::spawn_scheduled_purge(state.clone());
        let router = router(state.clone(), &config);
        tracing::info!(
            %local_addr,
            backend = ?state.store.backend(),
            model = %config.model.fingerprint(),
            trained_on = %config.model.training.source,
            "hub listening"
        );
        Ok(Hub {
            listener,
            local_addr,
            state,
            router,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The shared state (tests read the store and metrics through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until ctrl-c or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> Result<(), HubError> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), HubError> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(signal)
            .await
            .map_err(|source| HubError::Io {
                context: "serving".into(),
                source,
            })?;
        self.state.store.close().await;
        tracing::info!("hub stopped");
        Ok(())
    }
}

/// Keeps a write past the process's file-size limit (`ulimit -f`, `LimitFSIZE=`) from killing
/// the hub (issue #20 item 2). The kernel answers such a write with SIGXFSZ, whose default
/// action ends the process, and with EFBIG. Once the signal is caught (tokio's handler, kept for
/// the life of the process) only EFBIG remains: SQLite fails the write with
/// `SQLITE_IOERR_WRITE` and rolls its transaction back, and the request is answered 503
/// `database-unavailable` (`StoreError::is_unavailable`) while the hub goes on serving. Each
/// time is logged, since only the operator can lift the limit.
/// Test: `tests/api/faults.rs` `a_write_past_the_file_size_limit_fails_the_request_not_the_hub`.
fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::from_raw(libc::SIGXFSZ)) {
            Ok(mut xfsz) => {
                tokio::spawn(async move {
                    while xfsz.recv().await.is_some() {
                        tracing::error!(
                            "a write went past the process's file-size limit (ulimit -f, \
                             SIGXFSZ); it failed and its request was refused; raise the limit"
                        );
                    }
                });
            }
            Err(error) => {
                tracing::warn!(%error, "cannot catch SIGXFSZ: a write past ulimit -f would end the hub");
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// The whole API with its middleware, for `axum::serve` or `tower::ServiceExt::oneshot`.
pub fn router(state: AppState, config: &HubConfig) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The path only: references in paths are opaque, and no query string is logged.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(),
            request_id = %id, caller = tracing::field::Empty)
        })
        .on_failure(
            |class: ServerErrorsFailureClass,
             latency: std::time::Duration,
             _span: &tracing::Span| {
                let latency_ms = latency.as_millis();
                match class {
                    // Not ready yet (the index is being rebuilt; `/readyz` is polled): expected.
                    ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
                        tracing::debug!(latency_ms, "service unavailable")
                    }
                    other => {
                        tracing::error!(classification = %other, latency_ms, "response failed")
                    }
                }
            },
        );
    Router::new()
        .merge(ops::router())
        .merge(submissions::router())
        .merge(searches::router())
        .merge(candidates::router())
        .merge(cases::router())
        .merge(workflow::router())
        .merge(audit::router())
        .merge(activity::router())
        .merge(me::router())
        .merge(retention::router())
        .merge(disclosure_keys::router())
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestDecompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(axum::middleware::from_fn(problem::problem_fallback))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::count_responses,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(trace)
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
