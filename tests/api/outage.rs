//! The database going away under a running hub (issue #20 item 4): while PostgreSQL cannot be
//! reached the hub answers quickly with 503 and `Retry-After` and says it is not ready; once
//! the database is back it serves again at the first request, without a restart.
//!
//! The outage is a TCP proxy between the hub and the server that can be cut (every open
//! connection dropped, new ones refused) and restored, so the shared test server keeps running.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{
    assert_database_unavailable, spawn_hub_with, status_and_json, Backend, Pupil,
};

/// A TCP proxy to one address that can be cut and restored.
struct Severable {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every cut: each forwarded connection ends when it changes.
    cuts: watch::Sender<u64>,
}

impl Severable {
    /// Starts forwarding a local port to `target`.
    fn start(target: SocketAddr) -> Severable {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("proxy address");
        let listener = TcpListener::from_std(listener).expect("a tokio listener");
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let (accepting, cut) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue; // dropped: the server is "down"
                }
                let mut cut = cut.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Severable { addr, up, cuts }
    }

    /// Drops every open connection and refuses new ones.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Accepts connections again.
    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// The address a `postgres://` URL names.
fn database_address(url: &str) -> SocketAddr {
    let parsed = reqwest::Url::parse(url).expect("a database URL");
    let host = parsed.host_str().expect("a host");
    std::net::ToSocketAddrs::to_socket_addrs(&(host, parsed.port().unwrap_or(5432)))
        .expect("resolve the database host")
        .next()
        .expect("an address")
}

/// `url` pointed at `proxy`.
fn pointed_at(url: &str, proxy: SocketAddr) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("a database URL");
    parsed.set_host(Some("127.0.0.1")).expect("host");
    parsed.set_port(Some(proxy.port())).expect("port");
    parsed.to_string()
}

/// While PostgreSQL cannot be reached, a search is answered 503 with `Retry-After` within
/// seconds (not after the request timeout, and not 500), `/readyz` says not ready, and the
/// first search after the database returns is answered and audited.
#[tokio::test]
async fn while_postgres_is_down_the_hub_answers_503_quickly_and_recovers_at_the_first_request() {
    let mut proxy = None;
    let hub = spawn_hub_with(Backend::Postgres, |config| {
        let severable = Severable::start(database_address(&config.database_url));
        config.database_url = pointed_at(&config.database_url, severable.addr);
        proxy = Some(severable);
    })
    .await;
    let proxy = proxy.expect("the proxy started");
    let (leeds, glasgow) = hub.leeds_and_glasgow().await;
    glasgow
        .submit_roll("gla-roll-1", &[&Pupil::EILIDH_IN_GLASGOW])
        .await;
    let (status, body) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    proxy.cut();
    let asked = Instant::now();
    let response = leeds.search(&Pupil::EILIDH).await;
    let waited = asked.elapsed();
    assert_database_unavailable(response).await;
    // The pool's acquire timeout (3 s) bounds the wait, far below the request timeout (120 s).
    assert!(
        waited < Duration::from_secs(20),
        "answered after {waited:?}"
    );
    let ready = reqwest::get(hub.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    proxy.restore();
    let (status, body) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the first request after the outage: {body}"
    );
    let audited = hub.count("audit_events").await;
    let (status, _) = status_and_json(leeds.search(&Pupil::EILIDH).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        hub.count("audit_events").await,
        audited + 1,
        "every answered search is audited"
    );
}
