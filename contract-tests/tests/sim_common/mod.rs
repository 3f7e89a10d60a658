//! An in-process simulator and a scenario run environment against it.
#![allow(dead_code)]

use std::sync::Arc;

use okta_contract::live::{RunNaming, Tracker};
use okta_contract::scenarios::{AuthScheme, RunEnv, TargetKind};
use okta_mgmt::Client;
use okta_sim::{self as sim, RunningSim, SimConfig};

/// A fresh simulator and an SSWS run environment for `target` against it.
pub async fn env(
    target: TargetKind,
    allow_writes: bool,
    run_id: &str,
) -> (RunningSim, Arc<RunEnv>) {
    let config = SimConfig::default();
    let token = config.api_tokens[0].clone();
    let sim = sim::start(config, 0).await.expect("simulator starts");
    let client = Client::builder()
        .org_url(sim.base_url())
        .api_token(token)
        .build()
        .expect("client");
    let env = RunEnv {
        client,
        base_url: sim.base_url(),
        target,
        auth: AuthScheme::Ssws,
        naming: RunNaming::new(Some(run_id)).expect("run id"),
        tracker: Arc::new(Tracker::new()),
        allow_writes,
    };
    (sim, Arc::new(env))
}
