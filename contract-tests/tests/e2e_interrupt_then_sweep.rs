//! `check --target live --allow-writes` killed with SIGTERM at several points (once, or twice so
//! that cleanup itself is cut short), then `sweep`, leaves nothing of the run in `serve` — no
//! policy and no rule, including the rules the account management guide adds to the org's own
//! policy.

#![cfg(unix)]

mod cli_common;

use std::process::Command;
use std::time::{Duration, Instant};

use cli_common::{Served, TOKEN, all_policies, get_json, run, spawn_live_writes, text};
use rstest::rstest;

/// Every policy and rule whose name starts with `prefix`, anywhere in the org.
async fn leftovers(base: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    for p in all_policies(base).await {
        let name = p["name"].as_str().unwrap_or_default();
        if name.starts_with(prefix) {
            found.push(format!("policy {name}"));
        }
        let id = p["id"].as_str().unwrap_or_default();
        let (_, rules) = get_json(&format!("{base}/api/v1/policies/{id}/rules")).await;
        for r in rules.as_array().into_iter().flatten() {
            let rule = r["name"].as_str().unwrap_or_default();
            if rule.starts_with(prefix) {
                found.push(format!("rule {rule} in {name}"));
            }
        }
    }
    found
}

fn term(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Whether a rule named `prefix…` sits in one of the org's own ACCESS_POLICY policies (the
/// account management guide adds one to the Okta Account Management Policy).
async fn rule_in_an_org_policy(base: &str, prefix: &str) -> bool {
    let (_, policies) = get_json(&format!("{base}/api/v1/policies?type=ACCESS_POLICY")).await;
    for p in policies.as_array().into_iter().flatten() {
        if p["name"].as_str().unwrap_or_default().starts_with(prefix) {
            continue;
        }
        let id = p["id"].as_str().unwrap_or_default();
        let (_, rules) = get_json(&format!("{base}/api/v1/policies/{id}/rules")).await;
        if rules.to_string().contains(prefix) {
            return true;
        }
    }
    false
}

/// When to interrupt.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// Right after the run's first policy exists.
    FirstPolicy,
    /// Right after the run put a rule into one of the org's own policies.
    RuleInOrgPolicy,
}

#[rstest]
#[case::after_the_first_policy(Moment::FirstPolicy, false)]
#[case::with_a_rule_in_an_org_policy(Moment::RuleInOrgPolicy, false)]
#[case::again_during_cleanup(Moment::RuleInOrgPolicy, true)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_at_any_point_then_sweep_leaves_nothing(
    #[case] moment: Moment,
    #[case] again_during_cleanup: bool,
) {
    let served = Served::start(&["--latency-ms", "100"]);
    let run_id = format!(
        "sigsweep-{}-{}",
        moment as u8,
        u8::from(again_during_cleanup)
    );
    let prefix = format!("okta-contract-{run_id}-");
    let child = spawn_live_writes(
        &served.url,
        &[
            "--run-id",
            &run_id,
            "--scenario",
            "guides/account-management-guide",
            "--scenario",
            "policies/policy-crud-access-policy",
        ],
    );
    // The first scenario creates an ACCESS_POLICY first: watch that listing only (cheap).
    let deadline = Instant::now() + Duration::from_secs(30);
    let access = format!("{}/api/v1/policies?type=ACCESS_POLICY", served.url);
    loop {
        let reached = match moment {
            Moment::FirstPolicy => get_json(&access).await.1.to_string().contains(&prefix),
            Moment::RuleInOrgPolicy => rule_in_an_org_policy(&served.url, &prefix).await,
        };
        if reached {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run never reached {moment:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    term(&child);
    if again_during_cleanup {
        tokio::time::sleep(Duration::from_millis(10)).await;
        term(&child);
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(130),
        "interrupted: {stdout}\n{stderr}"
    );

    let sweep = run(
        &["sweep", "--org", &served.url, "--prefix", &prefix],
        &[("OKTA_API_TOKEN", TOKEN)],
    );
    let (sweep_out, sweep_err) = text(&sweep);
    assert_eq!(sweep.status.code(), Some(0), "{sweep_out}\n{sweep_err}");
    let left = leftovers(&served.url, &prefix).await;
    assert!(left.is_empty(), "left behind: {left:?}\n{sweep_out}");
}
