//! The append-only audit log with a SHA-256 hash chain.
//!
//! Each event's `hash` is `SHA-256(prev_hash ‖ 0x1F ‖ at ‖ 0x1F ‖ actor ‖ 0x1F ‖ action ‖ 0x1F ‖
//! subject ‖ 0x1F ‖ detail)` in hex, with `prev_hash` the previous event's hash (64 zeros for the
//! first), so removing or editing an event breaks every later hash. Triggers in the migrations
//! refuse updates and deletes. Events are appended inside the transaction of the change they
//! record, under the store's writer lock, which gives the chain its total order. Details carry
//! counts, codes and opaque references only.

use sha2::{Digest, Sha256};
use sqlx::{Any, AnyConnection, Transaction};

use super::{now, Store, StoreError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events checked.
    pub n_events: u64,
    /// The id of the first event whose hash does not match, if any.
    pub first_broken: Option<i64>,
}

fn chain_hash(
    prev: &str,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut hasher = Sha256::new();
    for (i, part) in [prev, at, actor, action, subject, detail]
        .iter()
        .enumerate()
    {
        if i > 0 {
            hasher.update([0x1F]);
        }
        hasher.update(part.as_bytes());
    }
    crate::encode::keys::hex(&hasher.finalize())
}

/// Appends `event` inside `tx` (the caller holds the writer lock).
pub(crate) async fn append(
    tx: &mut Transaction<'static, Any>,
    event: AuditEvent,
) -> Result<(), StoreError> {
    append_on(tx, event).await
}

async fn append_on(conn: &mut AnyConnection, event: AuditEvent) -> Result<(), StoreError> {
    let prev = last_hash(conn).await?;
    let parties = parties_of(&event);
    let row = ChainedEvent::after(&prev, event);
    let (id,): (i64,) = sqlx::query_as(
        "insert into audit_events (at, actor, action, subject, detail, prev_hash, hash) \
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(row.at)
    .bind(row.actor)
    .bind(row.action)
    .bind(row.subject)
    .bind(row.detail)
    .bind(row.prev_hash)
    .bind(row.hash)
    .fetch_one(&mut *conn)
    .await?;
    for party in parties {
        sqlx::query("insert into audit_parties (event_id, authority_code) values ($1, $2)")
            .bind(id)
            .bind(party)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The hash of the chain's last event, or the genesis hash.
async fn last_hash(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let prev: Option<(String,)> =
        sqlx::query_as("select hash from audit_events order by id desc limit 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(prev.map_or_else(|| GENESIS.to_string(), |(h,)| h))
}

/// The authorities an event is filed under: its parties and an authority actor, once each.
fn parties_of(event: &AuditEvent) -> Vec<String> {
    let mut parties = event.parties.clone();
    if let Some(code) = event.actor.strip_prefix("authority:") {
        parties.push(code.to_string());
    }
    parties.sort();
    parties.dedup();
    parties
}

/// An event's row, chained after `prev_hash`.
struct ChainedEvent {
    at: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl ChainedEvent {
    fn after(prev_hash: &str, event: AuditEvent) -> Self {
        let at = now();
        let detail = event.detail.to_string();
        let hash = chain_hash(
            prev_hash,
            &at,
            &event.actor,
            &event.action,
            &event.subject,
            &detail,
        );
        ChainedEvent {
            at,
            actor: event.actor,
            action: event.action,
            subject: event.subject,
            detail,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

impl Store {
    /// Appends one event in its own transaction.
    pub async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        append(&mut w.tx, event).await?;
        w.commit().await
    }

    /// Appends several events, in order, in one transaction (group commit for hot paths).
    pub async fn audit_all(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        self.append_all(&mut w.tx, events).await?;
        w.commit().await
    }

    /// Appends several events, in order, inside `tx` (the caller holds the writer lock).
    pub(crate) async fn append_all(
        &self,
        tx: &mut Transaction<'static, Any>,
        events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        // At most three statements whatever the group's size: the chain's last hash, every
        // event in one insert, every party in another.
        let mut prev = last_hash(tx).await?;
        let chained: Vec<(ChainedEvent, Vec<String>)> = events
            .into_iter()
            .map(|event| {
                let parties = parties_of(&event);
                let row = ChainedEvent::after(&prev, event);
                prev.clone_from(&row.hash);
                (row, parties)
            })
            .collect();
        let mut insert = String::from(
            "insert into audit_events (at, actor, action, subject, detail, prev_hash, hash) values ",
        );
        insert.push_str(&self.value_rows(chained.len(), 7));
        // Both backends number a multi-row insert's rows in `values` order, which is the
        // chain's order; verification walks the chain by id, so any other order would show.
        insert.push_str(" returning id, hash");
        let mut query = sqlx::query_as::<_, (i64, String)>(&insert);
        for (row, _) in &chained {
            query = query
                .bind(&row.at)
                .bind(&row.actor)
                .bind(&row.action)
                .bind(&row.subject)
                .bind(&row.detail)
                .bind(&row.prev_hash)
                .bind(&row.hash);
        }
        let ids: std::collections::HashMap<String, i64> = query
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, hash)| (hash, id))
            .collect();
        let mut parties = Vec::new();
        for (row, of_row) in &chained {
            let id = *ids.get(&row.hash).ok_or_else(|| {
                StoreError::Corrupt("an appended audit event returned no id".into())
            })?;
            parties.extend(of_row.iter().map(|party| (id, party)));
        }
        if !parties.is_empty() {
            let mut insert =
                String::from("insert into audit_parties (event_id, authority_code) values ");
            insert.push_str(&self.value_rows(parties.len(), 2));
            let mut query = sqlx::query(&insert);
            for (id, party) in parties {
                query = query.bind(id).bind(party);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
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

    /// Recomputes the whole chain and reports the first event that does not match.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        type Row = (i64, String, String, String, String, String, String, String);
        let rows: Vec<Row> = sqlx::query_as(
            "select id, at, actor, action, subject, detail, prev_hash, hash from audit_events order by id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut prev = GENESIS.to_string();
        let n_events = rows.len() as u64;
        for (id, at, actor, action, subject, detail, prev_hash, hash) in rows {
            let expected = chain_hash(&prev, &at, &actor, &action, &subject, &detail);
            if prev_hash != prev || hash != expected {
                return Ok(ChainReport {
                    n_events,
                    first_broken: Some(id),
                });
            }
            prev = hash;
        }
        Ok(ChainReport {
            n_events,
            first_broken: None,
        })
    }
}
