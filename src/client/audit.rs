//! `GET /v1/audit/checkpoint`: the hub's audit chain length and head, signed with its
//! checkpoint key, for the authority to check and keep (`crate::checkpoint::CheckpointBook`).

use reqwest::Method;

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
