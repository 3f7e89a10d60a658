//! Request hooks. (Lead's bootstrap version: the runtime engineer replaces this file.)

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

impl ClientHooks<crate::config::ClientState> for crate::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.client().execute(request).await
    }
}
