//! Checking the chain: every link recomputed (keyed links under the store's chain key), legacy
//! links accepted only before the first keyed one, and the chain held to anchors kept outside
//! the database (the lengths and heads of signed checkpoints).

use std::collections::HashMap;

use super::link::{link, LinkInput, LinkScheme, GENESIS};
use crate::store::{Store, StoreError};

/// A point of the chain known from outside the database (a checkpoint an authority kept): after
/// `n_events` events, the last link was `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The chain's length then.
    pub n_events: u64,
    /// The link of its last event then (hex; [`GENESIS`] for an empty chain).
    pub head: String,
}

/// The chain's length and last link now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Events in the chain.
    pub n_events: u64,
    /// The link of the last one (hex; [`GENESIS`] for an empty chain).
    pub head: String,
}

/// Why an event's link does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The stored link (or previous link) is not the one recomputed: the event, its parties or
    /// one before it was edited or removed, or the chain was re-hashed without the hub key.
    Link,
    /// An unkeyed (legacy) link after a keyed one: legacy links may only open the chain.
    LegacyAfterKeyed,
    /// A link scheme this hub does not know.
    UnknownScheme(i64),
    /// More legacy links than the chain held when it was first keyed (recorded outside the
    /// database): keyed links were re-hashed and passed off as legacy ones.
    LegacyBeyondRecord(u64),
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Link => {
                f.write_str("its link does not match the event, its parties and the link before")
            }
            ChainBreak::LegacyAfterKeyed => f.write_str("an unkeyed legacy link after keyed links"),
            ChainBreak::UnknownScheme(code) => write!(f, "unknown link scheme {code}"),
            ChainBreak::LegacyBeyondRecord(recorded) => write!(
                f,
                "an unkeyed legacy link beyond the {recorded} recorded beside the hub key when \
                 links were first keyed: the chain was re-hashed and passed off as legacy"
            ),
        }
    }
}

/// How the chain disagrees with an anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorMismatch {
    /// The chain is shorter than the anchor: events were removed from its end.
    Shorter {
        /// The anchor.
        anchor: Anchor,
        /// The chain's length now.
        n_events: u64,
    },
    /// The link at the anchor's length is not the anchor's head: the chain was rewritten.
    Differs {
        /// The anchor.
        anchor: Anchor,
        /// The id of the event at the anchor's length.
        id: i64,
        /// Its stored link.
        link: String,
    },
}

impl std::fmt::Display for AnchorMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorMismatch::Shorter { anchor, n_events } => write!(
                f,
                "the chain holds {n_events} events, fewer than the {} of a checkpoint: events were removed from its end",
                anchor.n_events
            ),
            AnchorMismatch::Differs { anchor, id, link } => write!(
                f,
                "event {id} (the {}th) has link {link}, not the checkpoint's {}: the chain was rewritten",
                anchor.n_events, anchor.head
            ),
        }
    }
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events checked.
    pub n_events: u64,
    /// Of which unkeyed legacy links opening the chain (written before links were keyed).
    pub n_legacy: u64,
    /// The last stored link.
    pub head: String,
    /// The id of the first event whose link does not hold, if any.
    pub first_broken: Option<i64>,
    /// Why it does not.
    pub why: Option<ChainBreak>,
    /// The anchors the chain disagrees with.
    pub anchor_mismatches: Vec<AnchorMismatch>,
}

impl ChainReport {
    /// Whether every link holds and every anchor agrees.
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.anchor_mismatches.is_empty()
    }
}

type EventRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

impl Store {
    /// The chain's length and last link (what a checkpoint signs), read in one statement.
    pub async fn audit_chain_head(&self) -> Result<ChainHead, StoreError> {
        let (n_events, head): (i64, Option<String>) = sqlx::query_as(
            "select count(*), (select hash from audit_events order by id desc limit 1) from audit_events",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(ChainHead {
            n_events: u64::try_from(n_events).unwrap_or_default(),
            head: head.unwrap_or_else(|| GENESIS.to_string()),
        })
    }

    /// How many events carry unkeyed (legacy) links.
    pub async fn count_legacy_audit_links(&self) -> Result<u64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("select count(*) from audit_events where scheme = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    /// Recomputes the whole chain and reports the first event whose link does not hold.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport, StoreError> {
        self.verify_audit_chain_with(&[]).await
    }

    /// Recomputes the whole chain, as [`Store::verify_audit_chain`], and checks it against
    /// `anchors`. Keyed links need the store's chain key ([`StoreError::NoAuditKey`] without
    /// it).
    pub async fn verify_audit_chain_with(
        &self,
        anchors: &[Anchor],
    ) -> Result<ChainReport, StoreError> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "select id, at, actor, action, subject, detail, prev_hash, hash, scheme \
             from audit_events order by id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut parties = self.audit_parties_by_event().await?;
        let key = self.audit_key.as_deref();
        let at_length = |n: u64| anchors.iter().filter(move |a| a.n_events == n);
        let mut report = ChainReport {
            n_events: rows.len() as u64,
            n_legacy: 0,
            head: GENESIS.to_string(),
            first_broken: None,
            why: None,
            anchor_mismatches: Vec::new(),
        };
        for anchor in at_length(0) {
            if anchor.head != GENESIS {
                report.anchor_mismatches.push(AnchorMismatch::Differs {
                    anchor: anchor.clone(),
                    id: 0,
                    link: GENESIS.to_string(),
                });
            }
        }
        let mut prev = GENESIS.to_string();
        let mut keyed_seen = false;
        for (position, row) in rows.into_iter().enumerate() {
            let (id, at, actor, action, subject, detail, prev_hash, hash, scheme) = row;
            let of_event = parties.remove(&id).unwrap_or_default();
            if report.first_broken.is_none() {
                let input = LinkInput {
                    at: &at,
                    actor: &actor,
                    action: &action,
                    subject: &subject,
                    detail: &detail,
                    parties: &of_event,
                };
                let broken = match LinkScheme::from_code(scheme) {
                    None => Some(ChainBreak::UnknownScheme(scheme)),
                    Some(LinkScheme::Legacy) if keyed_seen => Some(ChainBreak::LegacyAfterKeyed),
                    Some(LinkScheme::Legacy)
                        if self.legacy_limit.is_some_and(|l| report.n_legacy >= l) =>
                    {
                        Some(ChainBreak::LegacyBeyondRecord(report.n_legacy))
                    }
                    Some(scheme) => {
                        keyed_seen |= scheme == LinkScheme::Keyed;
                        if scheme == LinkScheme::Legacy {
                            report.n_legacy += 1;
                        }
                        let expected =
                            link(scheme, key, &prev, &input).ok_or(StoreError::NoAuditKey)?;
                        (prev_hash != prev || hash != expected).then_some(ChainBreak::Link)
                    }
                };
                if let Some(why) = broken {
                    report.first_broken = Some(id);
                    report.why = Some(why);
                }
            }
            let n = position as u64 + 1;
            for anchor in at_length(n) {
                if anchor.head != hash {
                    report.anchor_mismatches.push(AnchorMismatch::Differs {
                        anchor: anchor.clone(),
                        id,
                        link: hash.clone(),
                    });
                }
            }
            prev = hash;
        }
        report.head = prev;
        for anchor in anchors.iter().filter(|a| a.n_events > report.n_events) {
            report.anchor_mismatches.push(AnchorMismatch::Shorter {
                anchor: anchor.clone(),
                n_events: report.n_events,
            });
        }
        Ok(report)
    }

    /// Every event's parties, each list in the link's canonical order.
    async fn audit_parties_by_event(&self) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("select event_id, authority_code from audit_parties")
                .fetch_all(&self.pool)
                .await?;
        let mut by_event: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, party) in rows {
            by_event.entry(id).or_default().push(party);
        }
        for parties in by_event.values_mut() {
            parties.sort();
        }
        Ok(by_event)
    }
}
