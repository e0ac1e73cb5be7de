//! The append-only audit log, each event linked to the one before (protocol.md §14.5, §14.6).
//!
//! Every event written now carries a keyed link (`link::keyed_link`): an HMAC under a chain key
//! derived from the hub key, over the previous link, the event and its parties, so a thief
//! with write access to the database alone can neither edit, re-hash nor re-file an event.
//! Events written before links were keyed keep their unkeyed SHA-256 links and verify only as a
//! prefix of the chain. What the database cannot show (its newest events removed, or the whole
//! chain rewritten by someone holding the hub key) is caught against signed checkpoints the
//! authorities keep (`crate::checkpoint`): [`Store::verify_audit_chain_with`] checks the chain
//! against them. Triggers in the migrations refuse updates and deletes. Events are appended
//! inside the transaction of the change they record, under the store's writer lock, which
//! gives the chain its total order. Details carry counts, codes and opaque references only.

pub mod link;
mod verify;

use sqlx::AnyConnection;

pub use link::{ChainKey, LinkScheme, GENESIS};
pub use verify::{Anchor, AnchorMismatch, ChainBreak, ChainHead, ChainReport};

use self::link::{keyed_link, LinkInput};
use super::{now, Store, StoreError, WriteTx};

/// One event to append.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Who acted (`authority:380`, `operator:…`, `admin`, `hub`).
    pub actor: String,
    /// What happened (`submission.accept`, `case.close`, …).
    pub action: String,
    /// What it happened to.
    pub subject: String,
    /// Details as JSON (never personal data).
    pub detail: serde_json::Value,
    /// The authorities the event concerns (for a data-protection officer's export). An
    /// authority actor is always one of them.
    pub parties: Vec<String>,
}

impl AuditEvent {
    /// An event with an empty detail object.
    pub fn new(actor: &str, action: &str, subject: &str) -> Self {
        AuditEvent {
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            detail: serde_json::json!({}),
            parties: Vec::new(),
        }
    }

    /// The same event concerning these authorities too.
    pub fn with_parties(mut self, parties: &[&str]) -> Self {
        self.parties.extend(parties.iter().map(|p| p.to_string()));
        self
    }

    /// The same event with `detail`.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// One stored event, as exported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredEvent {
    /// Position in the chain.
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// What happened.
    pub action: String,
    /// To what.
    pub subject: String,
    /// Details.
    pub detail: serde_json::Value,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The hash of the chain's last event, or the genesis hash.
async fn last_hash(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let prev: Option<(String,)> =
        sqlx::query_as("select hash from audit_events order by id desc limit 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(prev.map_or_else(|| GENESIS.to_string(), |(h,)| h))
}

/// The authorities an event is filed under: its parties and an authority actor, once each, in
/// the canonical order of the link (sorted by their UTF-8 bytes).
fn parties_of(event: &AuditEvent) -> Vec<String> {
    let mut parties = event.parties.clone();
    if let Some(code) = event.actor.strip_prefix("authority:") {
        parties.push(code.to_string());
    }
    parties.sort();
    parties.dedup();
    parties
}

/// An event's row, chained after `prev_hash` with a keyed link.
struct ChainedEvent {
    at: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
    parties: Vec<String>,
    prev_hash: String,
    hash: String,
}

impl ChainedEvent {
    fn after(key: &ChainKey, prev_hash: &str, event: AuditEvent) -> Self {
        let at = now();
        let detail = event.detail.to_string();
        let parties = parties_of(&event);
        let hash = keyed_link(
            key,
            prev_hash,
            &LinkInput {
                at: &at,
                actor: &event.actor,
                action: &event.action,
                subject: &event.subject,
                detail: &detail,
                parties: &parties,
            },
        );
        ChainedEvent {
            at,
            actor: event.actor,
            action: event.action,
            subject: event.subject,
            detail,
            parties,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

impl WriteTx<'_> {
    /// Appends `event` to the audit chain inside this transaction.
    pub(crate) async fn append(&mut self, event: AuditEvent) -> Result<(), StoreError> {
        self.append_all(vec![event]).await
    }

    /// Appends several events, in order, inside this transaction (group commit for hot paths).
    pub(crate) async fn append_all(&mut self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let key = self.store.audit_key.clone().ok_or(StoreError::NoAuditKey)?;
        let store = self.store;
        let tx = &mut self.tx;
        // At most three statements whatever the group's size: the chain's last hash, every
        // event in one insert, every party in another.
        let mut prev = last_hash(tx).await?;
        let chained: Vec<ChainedEvent> = events
            .into_iter()
            .map(|event| {
                let row = ChainedEvent::after(&key, &prev, event);
                prev.clone_from(&row.hash);
                row
            })
            .collect();
        let mut insert = String::from(
            "insert into audit_events (at, actor, action, subject, detail, prev_hash, hash, scheme) values ",
        );
        insert.push_str(&store.value_rows(chained.len(), 8));
        // Both backends number a multi-row insert's rows in `values` order, which is the
        // chain's order; verification walks the chain by id, so any other order would show.
        insert.push_str(" returning id, hash");
        let mut query = sqlx::query_as::<_, (i64, String)>(&insert);
        for row in &chained {
            query = query
                .bind(&row.at)
                .bind(&row.actor)
                .bind(&row.action)
                .bind(&row.subject)
                .bind(&row.detail)
                .bind(&row.prev_hash)
                .bind(&row.hash)
                .bind(LinkScheme::Keyed.code());
        }
        let ids: std::collections::HashMap<String, i64> = query
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, hash)| (hash, id))
            .collect();
        let mut parties = Vec::new();
        for row in &chained {
            let id = *ids.get(&row.hash).ok_or_else(|| {
                StoreError::Corrupt("an appended audit event returned no id".into())
            })?;
            parties.extend(row.parties.iter().map(|party| (id, party)));
        }
        if !parties.is_empty() {
            let mut insert =
                String::from("insert into audit_parties (event_id, authority_code) values ");
            insert.push_str(&store.value_rows(parties.len(), 2));
            let mut query = sqlx::query(&insert);
            for (id, party) in parties {
                query = query.bind(id).bind(party);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Appends one event in its own transaction.
    pub async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        w.append(event).await?;
        w.commit().await
    }

    /// Appends several events, in order, in one transaction (group commit for hot paths).
    pub async fn audit_all(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        w.append_all(events).await?;
        w.commit().await
    }

    /// The events concerning `authority` (as actor or party) with ids above `after`, oldest
    /// first, at most `limit`: a data-protection officer's export. Each carries its chain
    /// hashes, so it can be checked against the operator's chain verification.
    pub async fn audit_events_for(
        &self,
        authority: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        type Row = (i64, String, String, String, String, String, String, String);
        let rows: Vec<Row> = sqlx::query_as(
            "select e.id, e.at, e.actor, e.action, e.subject, e.detail, e.prev_hash, e.hash \
             from audit_events e join audit_parties p on p.event_id = e.id \
             where p.authority_code = $1 and e.id > $2 order by e.id limit $3",
        )
        .bind(authority)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(id, at, actor, action, subject, detail, prev_hash, hash)| {
                    Ok(StoredEvent {
                        id,
                        at,
                        actor,
                        action,
                        subject,
                        detail: serde_json::from_str(&detail)
                            .map_err(|e| StoreError::Corrupt(format!("audit detail {id}: {e}")))?,
                        prev_hash,
                        hash,
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests;
