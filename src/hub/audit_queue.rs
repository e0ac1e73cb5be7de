//! Group commit for audit events written on hot paths (every national search is audited): the
//! events of concurrent requests are appended in one transaction, and each request still waits
//! until its own event is committed before it answers, so no answered search goes unaudited.
//! With one commit (and one disk sync) per group instead of per search, fifty coordinators
//! searching at once cost a handful of commits, not fifty.

use tokio::sync::{mpsc, oneshot};

use super::problem::ApiError;
use crate::store::{AuditEvent, Store};

/// Events gathered into one transaction at most.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<(), String>>;

/// The sending side; cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditQueue {
    sender: mpsc::Sender<(AuditEvent, Reply)>,
}

impl AuditQueue {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> Self {
        let (sender, mut receiver) = mpsc::channel::<(AuditEvent, Reply)>(4 * MAX_GROUP);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (events, replies): (Vec<AuditEvent>, Vec<Reply>) = group.into_iter().unzip();
                let result = store.audit_all(events).await.map_err(|e| e.to_string());
                for reply in replies {
                    let _ = reply.send(result.clone());
                }
            }
        });
        AuditQueue { sender }
    }

    /// Appends `event` and waits until it is committed.
    pub async fn record(&self, event: AuditEvent) -> Result<(), ApiError> {
        let (reply, committed) = oneshot::channel();
        self.sender
            .send((event, reply))
            .await
            .map_err(|_| ApiError::Internal("the audit writer stopped".into()))?;
        committed
            .await
            .map_err(|_| ApiError::Internal("the audit writer stopped".into()))?
            .map_err(|e| ApiError::Internal(format!("audit: {e}")))
    }
}
