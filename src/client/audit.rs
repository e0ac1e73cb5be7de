//! The audit routes an authority uses: `GET /v1/audit/checkpoint`, the hub's audit chain
//! length and head signed with its checkpoint key, for the authority to check and keep
//! (`crate::checkpoint::CheckpointBook`); and `GET /v1/audit/events`, this authority's own
//! events for its data-protection officer (each export itself audited by the hub), kept as the
//! hub wrote them so that a file written from them carries every field, chain links included.

use reqwest::Method;
use serde::Deserialize;

use super::{ClientError, HubClient};
use crate::checkpoint::Checkpoint;

impl HubClient {
    /// The hub's latest signed audit checkpoint. Nothing is checked here: keep it through a
    /// [`CheckpointBook`](crate::checkpoint::CheckpointBook), which checks the signature and
    /// the pinned key.
    pub async fn audit_checkpoint(&self) -> Result<Checkpoint, ClientError> {
        let path = "/v1/audit/checkpoint";
        let request = self.request(Method::GET, path);
        Ok(self.send(path, request).await?.1)
    }
}

/// One page of events.
#[derive(Debug, Clone, Deserialize)]
pub struct AuditPage {
    /// The events, oldest first, as the hub sent them.
    pub events: Vec<serde_json::Value>,
    /// The id to ask `after` for the next page; `None` after the last.
    pub next_after: Option<i64>,
}

/// Events per page asked for (the hub's largest).
const PAGE: i64 = 10_000;

impl HubClient {
    /// Every audit event concerning this authority, oldest first, read page by page.
    pub async fn own_audit_events(&self) -> Result<Vec<serde_json::Value>, ClientError> {
        let path = "/v1/audit/events";
        let mut events = Vec::new();
        let mut after = 0i64;
        loop {
            let request = self
                .request(Method::GET, path)
                .query(&[("after", after), ("limit", PAGE)]);
            let page: AuditPage = self.send(path, request).await?.1;
            let full = page.events.len() as i64 == PAGE;
            events.extend(page.events);
            match page.next_after {
                Some(next) if full => after = next,
                _ => return Ok(events),
            }
        }
    }
}
