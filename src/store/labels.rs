//! Training labels (protocol.md §14.4): the candidates coordinators verified, with the
//! matcher's evidence and both hub-layer encodings while they are kept, for retraining the
//! match model. No personal data: encodings are hub-layer forms, evidence is comparisons.

use super::{Store, StoreError};

impl Store {
    /// Every verified candidate as one `pupilmatch-label/1` JSON object, oldest first.
    pub async fn labelled_pairs(&self) -> Result<Vec<serde_json::Value>, StoreError> {
        type Row = (
            i64,
            String,
            i64,
            String,
            f64,
            f64,
            String,
            String,
            String,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "select c.id, c.agreement_id, lo.epoch, c.state, c.probability, c.match_weight, \
             c.evidence, lo.encoding, hi.encoding, c.updated_at from candidates c \
             join records lo on lo.id = c.record_lo join records hi on hi.id = c.record_hi \
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
            // Stored encodings are packed; a purged one is empty.
            let encoding = |text: &str| -> serde_json::Value {
                super::packed::unpack(text)
                    .ok()
                    .and_then(|r| serde_json::to_value(r).ok())
                    .unwrap_or(serde_json::Value::Null)
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
                "left": encoding(&lo),
                "right": encoding(&hi),
                "verified_at": at,
            }));
        }
        Ok(labels)
    }
}
