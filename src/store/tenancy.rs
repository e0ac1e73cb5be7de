//! Authorities, data-sharing agreements and API keys: who may use the hub and with whom.
//!
//! API keys are 32 random bytes shown once (`pm_` + base64url); only their SHA-256 is stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::audit::AuditEvent;
use super::limits::limits_from_columns;
use super::{now, AgreementLimits, Jurisdiction, Store, StoreError};

/// An authority: a local authority, council, the NI Education Authority or Tusla.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// Short code (e.g. an LA code such as `380`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// The nation it belongs to.
    pub jurisdiction: Jurisdiction,
}

/// A data-sharing agreement's terms, as the operator registers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewAgreement {
    /// Identifier, as in the agreement secret file (protocol.md §2.1).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The purpose of processing.
    pub purpose: String,
    /// The lawful basis of processing.
    pub lawful_basis: String,
    /// How long records are kept, in days.
    pub retention_days: i64,
    /// Key epochs accepted.
    pub epochs: Vec<u32>,
    /// Codes of the member authorities.
    pub members: Vec<String>,
}

/// An agreement as seen by one of its members.
#[derive(Debug, Clone)]
pub struct Agreement {
    /// Identifier.
    pub id: String,
    /// Key epochs accepted.
    pub epochs: Vec<u32>,
    /// The daily limits the operator set for it (the hub's defaults apply where `None`).
    pub limits: AgreementLimits,
}

/// An agreement's terms as its members read them back (`GET /v1/me`): what the operator
/// registered, with the key epochs accepted now.
pub type AgreementTerms = NewAgreement;

/// Who a request acts as, from its API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An authority: sees only its own records and the candidates it is party to.
    Authority(Authority),
    /// A hub operator: administration and audit, never records.
    Operator {
        /// The key's label.
        label: String,
    },
}

impl Principal {
    /// The actor name written to the audit log.
    pub fn actor(&self) -> String {
        match self {
            Principal::Authority(a) => format!("authority:{}", a.code),
            Principal::Operator { label } => format!("operator:{label}"),
        }
    }
}

/// role, label, authority code, name and jurisdiction of an API key.
/// What identifies an API key, for listing and revocation (the key itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeySummary {
    /// The key's id, for `admin key revoke`.
    pub id: i64,
    /// `authority` or `operator`.
    pub role: String,
    /// The authority it acts for.
    pub authority: Option<String>,
    /// Its label.
    pub label: String,
    /// Whether it has been revoked.
    pub revoked: bool,
    /// When it was issued (RFC 3339).
    pub created_at: String,
}

type KeyRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl Store {
    /// Registers an authority.
    pub async fn add_authority(&self, authority: &Authority) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        sqlx::query(
            "insert into authorities (code, name, jurisdiction, created_at) values ($1, $2, $3, $4)",
        )
        .bind(&authority.code)
        .bind(&authority.name)
        .bind(authority.jurisdiction.as_str())
        .bind(now())
        .execute(&mut *w.tx)
        .await
        .map_err(|e| StoreError::from(e).on_unique(format!("authority {}", authority.code)))?;
        let event = AuditEvent::new("admin", "authority.add", &authority.code)
            .with_detail(serde_json::json!({"jurisdiction": authority.jurisdiction}));
        w.append(event).await?;
        w.commit().await
    }

    /// Registers an agreement with its epochs and members (who must exist).
    pub async fn add_agreement(&self, agreement: &NewAgreement) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        let at = now();
        sqlx::query(
            "insert into agreements (id, name, purpose, lawful_basis, retention_days, created_at) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&agreement.id)
        .bind(&agreement.name)
        .bind(&agreement.purpose)
        .bind(&agreement.lawful_basis)
        .bind(agreement.retention_days)
        .bind(&at)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| StoreError::from(e).on_unique(format!("agreement {}", agreement.id)))?;
        for epoch in &agreement.epochs {
            sqlx::query(
                "insert into agreement_epochs (agreement_id, epoch, created_at) values ($1, $2, $3) \
                 on conflict do nothing",
            )
            .bind(&agreement.id)
            .bind(i64::from(*epoch))
            .bind(&at)
            .execute(&mut *w.tx)
            .await?;
        }
        for member in &agreement.members {
            let exists: Option<(String,)> =
                sqlx::query_as("select code from authorities where code = $1")
                    .bind(member)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("authority {member}")));
            }
            sqlx::query(
                "insert into agreement_members (agreement_id, authority_code, created_at) \
                 values ($1, $2, $3) on conflict do nothing",
            )
            .bind(&agreement.id)
            .bind(member)
            .bind(&at)
            .execute(&mut *w.tx)
            .await?;
        }
        let event = AuditEvent::new("admin", "agreement.add", &agreement.id).with_detail(
            serde_json::json!({"epochs": agreement.epochs, "members": agreement.members,
                "retention_days": agreement.retention_days}),
        );
        w.append(event).await?;
        w.commit().await
    }

    /// Issues an API key for an authority (`Some(code)`) or an operator (`None`), returning the
    /// key itself: it is not stored and cannot be shown again.
    pub async fn issue_key(
        &self,
        authority: Option<&str>,
        label: &str,
    ) -> Result<String, StoreError> {
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| StoreError::Corrupt("the system random generator failed".into()))?;
        let key = format!("pm_{}", URL_SAFE_NO_PAD.encode(bytes));
        let mut w = self.begin_write().await?;
        if let Some(code) = authority {
            let exists: Option<(String,)> =
                sqlx::query_as("select code from authorities where code = $1")
                    .bind(code)
                    .fetch_optional(&mut *w.tx)
                    .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("authority {code}")));
            }
        }
        let role = if authority.is_some() {
            "authority"
        } else {
            "operator"
        };
        sqlx::query(
            "insert into api_keys (key_hash, role, authority_code, label, created_at) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(hash_key(&key))
        .bind(role)
        .bind(authority)
        .bind(label)
        .bind(now())
        .execute(&mut *w.tx)
        .await?;
        let subject = authority.map_or_else(|| format!("operator:{label}"), str::to_string);
        w.append(AuditEvent::new("admin", "key.issue", &subject))
            .await?;
        w.commit().await?;
        Ok(key)
    }

    /// Every API key (never the key itself: only what identifies it), oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeySummary>, StoreError> {
        let rows: Vec<(i64, String, Option<String>, String, i64, String)> = sqlx::query_as(
            "select id, role, authority_code, label, revoked, created_at from api_keys order by id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, role, authority, label, revoked, created_at)| KeySummary {
                    id,
                    role,
                    authority,
                    label,
                    revoked: revoked != 0,
                    created_at,
                },
            )
            .collect())
    }

    /// Revokes API key `id`: every later request with it is refused (the hub looks keys up on
    /// every request). Returns `false` when it was already revoked; audited either way.
    pub async fn revoke_key(&self, id: i64) -> Result<bool, StoreError> {
        let mut w = self.begin_write().await?;
        let row: Option<(i64, Option<String>, String)> =
            sqlx::query_as("select revoked, authority_code, label from api_keys where id = $1")
                .bind(id)
                .fetch_optional(&mut *w.tx)
                .await?;
        let Some((revoked, authority, label)) = row else {
            return Err(StoreError::NotFound(format!("API key {id}")));
        };
        if revoked == 0 {
            sqlx::query("update api_keys set revoked = 1 where id = $1")
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        let subject = authority.unwrap_or_else(|| format!("operator:{label}"));
        let event = AuditEvent::new("admin", "key.revoke", &subject)
            .with_detail(serde_json::json!({"key_id": id, "already_revoked": revoked != 0}));
        w.append(event).await?;
        w.commit().await?;
        Ok(revoked == 0)
    }

    /// The principal an API key stands for, if the key is known and not revoked.
    pub async fn authenticate(&self, key: &str) -> Result<Option<Principal>, StoreError> {
        let row: Option<KeyRow> = sqlx::query_as(
            "select k.role, k.label, a.code, a.name, a.jurisdiction from api_keys k \
                 left join authorities a on a.code = k.authority_code \
                 where k.key_hash = $1 and k.revoked = 0",
        )
        .bind(hash_key(key))
        .fetch_optional(&self.pool)
        .await?;
        let Some((role, label, code, name, jurisdiction)) = row else {
            return Ok(None);
        };
        match (role.as_str(), code, name, jurisdiction) {
            ("operator", ..) => Ok(Some(Principal::Operator { label })),
            ("authority", Some(code), Some(name), Some(jurisdiction)) => {
                Ok(Some(Principal::Authority(Authority {
                    code,
                    name,
                    jurisdiction: jurisdiction.parse().map_err(StoreError::Corrupt)?,
                })))
            }
            _ => Err(StoreError::Corrupt(format!("api key with role {role}"))),
        }
    }

    /// The agreement `id` if `authority` is a member of it; `None` otherwise, so callers
    /// cannot tell an agreement they are not in from one that does not exist.
    pub async fn agreement_for_member(
        &self,
        id: &str,
        authority: &str,
    ) -> Result<Option<Agreement>, StoreError> {
        // One round trip: no row when not a member, one row with a null epoch when a member
        // of an agreement with no live epoch; every row carries the agreement's limits.
        let rows: Vec<(Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "select e.epoch, l.cases_per_day, l.searches_per_day from agreement_members m \
             left join agreement_epochs e \
             on e.agreement_id = m.agreement_id and (e.retire_after is null or e.retire_after > $3) \
             left join agreement_limits l on l.agreement_id = m.agreement_id \
             where m.agreement_id = $1 and m.authority_code = $2 order by e.epoch",
        )
        .bind(id)
        .bind(authority)
        .bind(now())
        .fetch_all(&self.pool)
        .await?;
        let Some(&(_, cases, searches)) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(Agreement {
            id: id.to_string(),
            epochs: rows
                .into_iter()
                .filter_map(|(e, _, _)| e)
                .map(|e| e as u32)
                .collect(),
            limits: limits_from_columns(cases, searches),
        }))
    }

    /// The authorities `authority` shares at least one agreement with (itself excluded).
    pub async fn partners_of(&self, authority: &str) -> Result<Vec<Authority>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "select distinct a.code, a.name, a.jurisdiction from agreement_members mine \
             join agreement_members theirs on theirs.agreement_id = mine.agreement_id \
             join authorities a on a.code = theirs.authority_code \
             where mine.authority_code = $1 and theirs.authority_code <> $1 order by a.code",
        )
        .bind(authority)
        .fetch_all(&self.pool)
        .await?;
        authorities_from(rows)
    }

    /// The agreements `authority` is a member of, with what a data-protection officer checks:
    /// purpose, lawful basis, retention, the key epochs accepted now and every member.
    pub async fn agreements_of(&self, authority: &str) -> Result<Vec<AgreementTerms>, StoreError> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "select a.id, a.name, a.purpose, a.lawful_basis, a.retention_days from agreements a \
             join agreement_members m on m.agreement_id = a.id \
             where m.authority_code = $1 order by a.id",
        )
        .bind(authority)
        .fetch_all(&self.pool)
        .await?;
        let mut terms = Vec::with_capacity(rows.len());
        for (id, name, purpose, lawful_basis, retention_days) in rows {
            let members: Vec<(String,)> = sqlx::query_as(
                "select authority_code from agreement_members where agreement_id = $1 \
                 order by authority_code",
            )
            .bind(&id)
            .fetch_all(&self.pool)
            .await?;
            let epochs: Vec<(i64,)> = sqlx::query_as(
                "select epoch from agreement_epochs where agreement_id = $1 \
                 and (retire_after is null or retire_after > $2) order by epoch",
            )
            .bind(&id)
            .bind(now())
            .fetch_all(&self.pool)
            .await?;
            terms.push(AgreementTerms {
                id,
                name,
                purpose,
                lawful_basis,
                retention_days,
                epochs: epochs.into_iter().map(|(e,)| e as u32).collect(),
                members: members.into_iter().map(|(m,)| m).collect(),
            });
        }
        Ok(terms)
    }

    /// When `authority` last submitted a roll batch (RFC 3339), if ever: a roll not refreshed
    /// for weeks misses the registrations since, and its coordinator should be told.
    pub async fn last_roll_submitted_at(
        &self,
        authority: &str,
    ) -> Result<Option<String>, StoreError> {
        let (at,): (Option<String>,) = sqlx::query_as(
            "select max(created_at) from submissions where authority_code = $1 and role = 'roll' \
             and state <> 'staging'",
        )
        .bind(authority)
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    /// Whether the hub holds any record (active or withdrawn) submitted by `authority`: a
    /// client about to create a new local key asks, since a new key would give the same
    /// children new references.
    pub async fn holds_records_of(&self, authority: &str) -> Result<bool, StoreError> {
        let found: Option<(i64,)> =
            sqlx::query_as("select id from records where authority_code = $1 limit 1")
                .bind(authority)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Every authority with its jurisdiction (small: a few hundred rows at most).
    pub async fn authorities(&self) -> Result<Vec<Authority>, StoreError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("select code, name, jurisdiction from authorities order by code")
                .fetch_all(&self.pool)
                .await?;
        authorities_from(rows)
    }
}

/// Authorities from `(code, name, jurisdiction)` rows.
fn authorities_from(rows: Vec<(String, String, String)>) -> Result<Vec<Authority>, StoreError> {
    rows.into_iter()
        .map(|(code, name, j)| {
            Ok(Authority {
                code,
                name,
                jurisdiction: j.parse().map_err(StoreError::Corrupt)?,
            })
        })
        .collect()
}
