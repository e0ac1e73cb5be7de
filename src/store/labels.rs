//! Training labels (protocol.md §14.4): the candidates coordinators verified, with the
//! matcher's evidence and both hub-layer encodings while they are kept, for retraining the
//! match model. No personal data: encodings are hub-layer forms, evidence is comparisons. The
//! encodings are opened with the hub's at-rest key, so exporting them needs the hub key.

use super::sealed::{open_or_legacy, AtRestKey, RowIdentity};
use super::{Store, StoreError};

impl Store {
    /// Every verified candidate as one `pupilmatch-label/1` JSON object, oldest first; the
    /// hub-layer encodings are opened with the hub's at-rest key.
    pub async fn labelled_pairs(
        &self,
        key: &AtRestKey,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        type Row = (i64, String, i64, String, f64, f64, String, i64, i64, String);
        let rows: Vec<Row> = sqlx::query_as(
            "select c.id, c.agreement_id, lo.epoch, c.state, c.probability, c.match_weight, \
             c.evidence, c.record_lo, c.record_hi, c.updated_at from candidates c \
             join records lo on lo.id = c.record_lo \
             where c.state in ('verified_same', 'verified_different') order by c.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut labels = Vec::with_capacity(rows.len());
        for (id, agreement_id, epoch, state, probability, match_weight, evidence, lo, hi, at) in
            rows
        {
            let outcomes: Vec<(String, String, String)> = sqlx::query_as(
                "select authority_code, decision, created_at from candidate_decisions \
                 where candidate_id = $1 and kind = 'outcome' order by id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            let json = |text: &str| -> serde_json::Value {
                serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
            };
            labels.push(serde_json::json!({
                "format": "pupilmatch-label/1",
                "candidate_id": id,
                "agreement_id": agreement_id,
                "epoch": epoch,
                "label": if state == "verified_same" { "match" } else { "non_match" },
                "probability": probability,
                "match_weight": match_weight,
                "evidence": json(&evidence),
                "outcomes": outcomes.into_iter().map(|(authority, outcome, at)|
                    serde_json::json!({"authority": authority, "outcome": outcome, "at": at}))
                    .collect::<Vec<_>>(),
                "left": self.opened_encoding(key, lo).await?,
                "right": self.opened_encoding(key, hi).await?,
                "verified_at": at,
            }));
        }
        Ok(labels)
    }

    /// The hub-layer encoding of record `id` as wire JSON, or null once purged (or if it does
    /// not open).
    async fn opened_encoding(
        &self,
        key: &AtRestKey,
        id: i64,
    ) -> Result<serde_json::Value, StoreError> {
        let row: Option<(String, String, i64, String, String, String)> = sqlx::query_as(
            "select authority_code, agreement_id, epoch, role, ref, encoding from records \
             where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((authority, agreement, epoch, role, record_ref, text)) = row else {
            return Ok(serde_json::Value::Null);
        };
        let Ok(role) = role.parse() else {
            return Ok(serde_json::Value::Null);
        };
        let identity = RowIdentity {
            authority: &authority,
            agreement: &agreement,
            epoch: epoch as u32,
            role,
            record_ref: &record_ref,
        };
        Ok(open_or_legacy(key, &identity, &text)
            .ok()
            .and_then(|(record, _)| serde_json::to_value(record).ok())
            .unwrap_or(serde_json::Value::Null))
    }
}
