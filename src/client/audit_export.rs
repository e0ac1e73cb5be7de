//! `GET /v1/audit/events`: this authority's own audit events, for its data-protection officer
//! (each export is itself audited by the hub). Events are kept as the hub wrote them, so an
//! export written to a file carries every field, chain hashes included.

use reqwest::Method;
use serde::Deserialize;

use super::{ClientError, HubClient};

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
