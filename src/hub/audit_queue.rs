//! Group commit for audit events written on hot paths (every national search is audited, and
//! counted against its member's daily limit): the events of concurrent requests are appended
//! in one transaction, and each request still waits until its own event is committed before it
//! answers, so no answered search goes unaudited or uncounted. With one commit (and one disk
//! sync) per group instead of per search, fifty coordinators searching at once cost a handful
//! of commits, not fifty.

use tokio::sync::{mpsc, oneshot};

use super::problem::ApiError;
use crate::store::{AuditEvent, DailyLimitHit, SearchCharge, Store};

/// Events gathered into one transaction at most.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<Option<DailyLimitHit>, GroupFailure>>;

/// Why a group of events was not committed, as each of its requests answers it.
#[derive(Debug, Clone)]
struct GroupFailure {
    /// The database could not be reached (503), rather than refusing the write (500).
    unavailable: bool,
    message: String,
}

impl From<GroupFailure> for ApiError {
    fn from(failure: GroupFailure) -> Self {
        if failure.unavailable {
            ApiError::DatabaseUnavailable
        } else {
            ApiError::Internal(format!("audit: {}", failure.message))
        }
    }
}

type Entry = (AuditEvent, Option<SearchCharge>, Reply);

/// The sending side; cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditQueue {
    sender: mpsc::Sender<Entry>,
}

impl AuditQueue {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> Self {
        let (sender, mut receiver) = mpsc::channel::<Entry>(4 * MAX_GROUP);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<_>, Vec<Reply>) = group
                    .into_iter()
                    .map(|(event, charge, reply)| ((event, charge), reply))
                    .unzip();
                match store.audit_searches(items).await {
                    Ok(refusals) => {
                        for (reply, refusal) in replies.into_iter().zip(refusals) {
                            let _ = reply.send(Ok(refusal));
                        }
                    }
                    Err(e) => {
                        let failure = GroupFailure {
                            unavailable: e.is_unavailable(),
                            message: e.to_string(),
                        };
                        for reply in replies {
                            let _ = reply.send(Err(failure.clone()));
                        }
                    }
                }
            }
        });
        AuditQueue { sender }
    }

    /// Counts a search against its member's daily limit and appends its `event`, waiting
    /// until both are committed; or, at the limit, counts and audits the refusal instead and
    /// returns it.
    pub async fn record_search(
        &self,
        event: AuditEvent,
        charge: SearchCharge,
    ) -> Result<Result<(), DailyLimitHit>, ApiError> {
        Ok(match self.send(event, Some(charge)).await? {
            None => Ok(()),
            Some(hit) => Err(hit),
        })
    }

    async fn send(
        &self,
        event: AuditEvent,
        charge: Option<SearchCharge>,
    ) -> Result<Option<DailyLimitHit>, ApiError> {
        let (reply, committed) = oneshot::channel();
        self.sender
            .send((event, charge, reply))
            .await
            .map_err(|_| ApiError::Internal("the audit writer stopped".into()))?;
        committed
            .await
            .map_err(|_| ApiError::Internal("the audit writer stopped".into()))?
            .map_err(ApiError::from)
    }
}
