//! A TCP proxy between the consoles and the hub that records every byte the consoles send, so
//! a test can assert that no raw name or date of birth ever left them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The proxy and its recording.
pub struct RecordingProxy {
    addr: SocketAddr,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl RecordingProxy {
    /// Listens on a free loopback port and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let sent = Arc::new(Mutex::new(Vec::new()));
        let recording = sent.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let recording = recording.clone();
                tokio::spawn(async move {
                    if let Ok(upstream) = TcpStream::connect(target).await {
                        forward(client, upstream, recording).await;
                    }
                });
            }
        });
        RecordingProxy { addr, sent }
    }

    /// The URL to give the consoles as their hub.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything sent so far.
    pub fn sent(&self) -> Vec<u8> {
        self.sent.lock().expect("recording").clone()
    }
}

async fn forward(client: TcpStream, upstream: TcpStream, recording: Arc<Mutex<Vec<u8>>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let to_hub = async move {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    recording
                        .lock()
                        .expect("recording")
                        .extend_from_slice(&buffer[..n]);
                    if upstream_write.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = upstream_write.shutdown().await;
    };
    let to_console = async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(to_hub, to_console);
}
