//! Every scenario against an in-process simulator: all pass (failures are listed with scenario,
//! step, expected and actual), in order, in reverse order and each on a fresh org; the live code
//! paths pass too when the simulator stands in for a live org; nothing is left behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use okta_contract::live::sweep_policy_types;
use okta_contract::report::{EntryReport, Status};
use okta_contract::scenarios::{self, RunEnv, Scenario, TargetKind, runner};
use okta_mgmt::types::{Policy, PolicyType};
use rstest::rstest;

mod sim_common;

use sim_common::env;

const TIMEOUT: Duration = Duration::from_secs(60);

async fn run(env: &Arc<RunEnv>, scenarios: &[Scenario]) -> Vec<EntryReport> {
    let mut entries = Vec::new();
    for s in scenarios {
        entries.push(runner::run_one(env, s, TIMEOUT).await);
    }
    entries
}

/// Asserts no step failed; the message (`what`) lists each failure.
fn assert_passes(entries: &[EntryReport], what: &str) {
    let failed = failures(entries);
    assert!(failed.is_empty(), "{what}:{failed}");
}

/// One line per failed step: scenario, step, message, expected, actual, curl.
fn failures(entries: &[EntryReport]) -> String {
    let mut out = String::new();
    for e in entries.iter().filter(|e| e.status == Status::Failed) {
        for s in e.steps.iter().filter(|s| s.status == Status::Failed) {
            out.push_str(&format!(
                "\n{}/{} › {}: {}\n    expected: {}\n    actual:   {}\n    {}\n",
                e.group,
                e.name,
                s.name,
                s.message.as_deref().unwrap_or(""),
                s.expected.as_deref().unwrap_or("-"),
                s.actual.as_deref().unwrap_or("-"),
                s.curl.as_deref().unwrap_or(""),
            ));
        }
    }
    out
}

fn skipped_steps(entries: &[EntryReport]) -> Vec<String> {
    entries
        .iter()
        .flat_map(|e| {
            e.steps
                .iter()
                .filter(|s| s.status == Status::Skipped)
                .map(move |s| {
                    format!(
                        "{}/{} › {} ({})",
                        e.group,
                        e.name,
                        s.name,
                        s.message.as_deref().unwrap_or("")
                    )
                })
        })
        .collect()
}

/// Asserts the tracker is empty and no policy of any type carries the run prefix.
async fn assert_nothing_left(env: &RunEnv) {
    assert!(
        env.tracker.pending(None).is_empty(),
        "still tracked: {:?}",
        env.tracker.pending(None)
    );
    let prefix = env.naming.prefix();
    for t in sweep_policy_types() {
        let listed: Result<Vec<Policy>, _> = env
            .client
            .list_policies()
            .type_(PolicyType::from(t))
            .items()
            .try_collect()
            .await;
        let Ok(policies) = listed else { continue };
        let left: Vec<&str> = policies
            .iter()
            .filter_map(|p| p.name())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        assert!(left.is_empty(), "{t} policies left behind: {left:?}");
    }
}

#[tokio::test]
async fn every_scenario_passes_against_the_simulator() {
    let all = scenarios::all();
    for name in [
        "dsc-guide",
        "account-management-guide",
        "policy-type-okta-sign-on",
        "policy-type-password",
        "policy-type-mfa-enroll",
        "policy-type-access-policy",
        "policy-type-profile-enrollment",
        "policy-type-device-signal-collection",
        "policy-type-beta-sign-on",
        "policy-type-beta-profile-enrollment",
        "policy-mappings",
        "device-lifecycle-matrix",
        "devices-search-and-expand",
        "error-bodies",
        "error-invalid-writes",
        "default-policy-protections",
    ] {
        assert!(all.iter().any(|s| s.name == name), "{name} is registered");
    }
    let (sim, env) = env(TargetKind::Sim, true, "sim-all").await;
    let start = Instant::now();
    let entries = run(&env, &all).await;
    let took = start.elapsed();
    assert_passes(&entries, "failing steps");
    assert!(
        entries.iter().all(|e| e.status == Status::Passed),
        "{:?}",
        entries
            .iter()
            .map(|e| (&e.name, e.status))
            .collect::<Vec<_>>()
    );
    let skipped = skipped_steps(&entries);
    assert!(
        skipped.is_empty(),
        "nothing is skipped on the simulator: {skipped:#?}"
    );
    let steps: usize = entries.iter().map(|e| e.steps.len()).sum();
    assert!(steps >= 250, "{steps} steps");
    // A budget, not a benchmark: the whole check stays within a few seconds.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_nothing_left(&env).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn scenarios_pass_in_reverse_order_on_one_org() {
    let mut all = scenarios::all();
    all.reverse();
    let (sim, env) = env(TargetKind::Sim, true, "sim-reverse").await;
    let entries = run(&env, &all).await;
    assert_passes(&entries, "failing steps");
    assert_nothing_left(&env).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn each_scenario_passes_alone_on_a_fresh_org() {
    for s in scenarios::all() {
        let (sim, env) = env(TargetKind::Sim, true, "sim-alone").await;
        let entries = run(&env, std::slice::from_ref(&s)).await;
        assert_passes(&entries, &format!("{} alone", s.name));
        assert_nothing_left(&env).await;
        sim.shutdown().await;
    }
}

/// With the simulator standing in for a live org, the live code paths pass: with writes allowed
/// everything but the simulator-only scenarios runs; read-only, only the read-only ones.
#[rstest]
#[case::with_writes(true, "live-writes")]
#[case::read_only(false, "live-read-only")]
#[tokio::test]
async fn live_mode_runs_what_it_may(#[case] allow_writes: bool, #[case] run_id: &str) {
    let all = scenarios::all();
    let (sim, env) = env(TargetKind::Live, allow_writes, run_id).await;
    let entries = run(&env, &all).await;
    assert_passes(&entries, &format!("failing steps in {run_id} mode"));
    let mut ran = 0;
    for (s, e) in all.iter().zip(&entries) {
        let may_run = !s.sim_only && (allow_writes || !s.writes);
        if may_run {
            assert_eq!(e.status, Status::Passed, "{}", s.name);
            ran += 1;
        } else {
            assert_eq!(e.status, Status::Skipped, "{}", s.name);
        }
        if allow_writes && s.sim_only {
            let reason = Some(runner::sim_only_reason(s));
            assert_eq!(e.skip_reason.as_deref(), reason, "{}", s.name);
        }
    }
    assert!(ran >= 3, "scenarios run: {ran}");
    assert_nothing_left(&env).await;
    sim.shutdown().await;
}
