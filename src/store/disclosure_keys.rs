//! Authorities' disclosure public keys (protocol.md §12.1): registered by each authority,
//! published to the other members of its agreements with their fingerprints.

use super::audit::AuditEvent;
use super::workflow::current_key;
use super::{now, Store, StoreError};

/// A registered disclosure key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureKeyInfo {
    /// The owning authority.
    pub authority: String,
    /// The X25519 public key, base64url.
    pub public_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
    /// When it was registered.
    pub registered_at: String,
}

impl Store {
    /// Registers `public_key` (already validated, with its `fingerprint`) as `authority`'s
    /// current disclosure key, retiring the previous one. Registering the current key again
    /// changes nothing. A key registered by another authority is a conflict.
    pub async fn register_disclosure_key(
        &self,
        authority: &str,
        public_key: &str,
        fingerprint: &str,
    ) -> Result<(DisclosureKeyInfo, bool), StoreError> {
        let at = now();
        let mut w = self.begin_write().await?;
        if let Some((_, key, _)) = current_key(&mut w.tx, authority).await? {
            if key == public_key {
                let info = self.key_info(&mut w.tx, authority).await?;
                return Ok((info, false));
            }
        }
        let retired = sqlx::query(
            "update disclosure_keys set retired_at = $1 where authority_code = $2 and retired_at is null",
        )
        .bind(&at)
        .bind(authority)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        sqlx::query(
            "insert into disclosure_keys (authority_code, public_key, fingerprint, created_at) \
             values ($1, $2, $3, $4)",
        )
        .bind(authority)
        .bind(public_key)
        .bind(fingerprint)
        .bind(&at)
        .execute(&mut *w.tx)
        .await
        .map_err(|e| StoreError::from(e).on_unique("that disclosure key"))?;
        let event = AuditEvent::new(
            &format!("authority:{authority}"),
            "disclosure_key.register",
            authority,
        )
        .with_detail(serde_json::json!({"fingerprint": fingerprint, "n_retired": retired}));
        w.append(event).await?;
        let info = self.key_info(&mut w.tx, authority).await?;
        w.commit().await?;
        Ok((info, true))
    }

    async fn key_info(
        &self,
        conn: &mut sqlx::AnyConnection,
        authority: &str,
    ) -> Result<DisclosureKeyInfo, StoreError> {
        let (public_key, fingerprint, registered_at): (String, String, String) = sqlx::query_as(
            "select public_key, fingerprint, created_at from disclosure_keys \
             where authority_code = $1 and retired_at is null",
        )
        .bind(authority)
        .fetch_one(&mut *conn)
        .await?;
        Ok(DisclosureKeyInfo {
            authority: authority.to_string(),
            public_key,
            fingerprint,
            registered_at,
        })
    }

    /// The current disclosure keys of every member of `agreement_id`, if `member` belongs to
    /// it (`None` otherwise). Members without a key are left out.
    pub async fn agreement_disclosure_keys(
        &self,
        agreement_id: &str,
        member: &str,
    ) -> Result<Option<Vec<DisclosureKeyInfo>>, StoreError> {
        if self
            .agreement_for_member(agreement_id, member)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "select k.authority_code, k.public_key, k.fingerprint, k.created_at \
             from disclosure_keys k join agreement_members m on m.authority_code = k.authority_code \
             where m.agreement_id = $1 and k.retired_at is null order by k.authority_code",
        )
        .bind(agreement_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(
            rows.into_iter()
                .map(
                    |(authority, public_key, fingerprint, registered_at)| DisclosureKeyInfo {
                        authority,
                        public_key,
                        fingerprint,
                        registered_at,
                    },
                )
                .collect(),
        ))
    }
}
