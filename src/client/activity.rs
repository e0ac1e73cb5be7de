//! `GET /v1/agreements/activity`: what every member of this authority's agreements ran per
//! day, and the daily limits in force. The answer's types are the hub's own
//! (`store::limits`), so both sides read one definition.

use reqwest::Method;

use super::{ClientError, HubClient};
use crate::store::ActivityReport;

impl HubClient {
    /// The daily volumes of every member of this authority's agreements over the last `days`
    /// UTC days, today included (the hub's default, 7, when `None`; at most 92).
    pub async fn activity(&self, days: Option<u32>) -> Result<ActivityReport, ClientError> {
        let path = "/v1/agreements/activity";
        let mut request = self.request(Method::GET, path);
        if let Some(days) = days {
            request = request.query(&[("days", days)]);
        }
        Ok(self.send(path, request).await?.1)
    }
}
