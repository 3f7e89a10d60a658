//! End to end: `okta-contract serve` in one process, `okta-contract check --target live
//! --allow-writes` in another, then nothing with the run prefix is left on the server.

mod cli_common;

use cli_common::{
    Served, TOKEN, all_policy_names, check_live_junit, get_json, group_count, live_json_report,
    parse_junit, read, run, spawn_live_writes, text,
};

#[tokio::test]
async fn live_check_against_a_served_simulator_cleans_up_after_itself() {
    let served = Served::start(&["--devices", "30"]);
    let before = all_policy_names(&served.url).await;
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("live.xml");
    let run_id = "e2e-live-1";
    let out = check_live_junit(&served.url, &["--run-id", run_id], &xml_path, TOKEN);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("target live"), "{stdout}");
    assert!(
        stdout.contains("PASS   policies/policy-crud-access-policy"),
        "{stdout}"
    );
    assert!(
        stdout.contains("SKIP   devices/device-lifecycle"),
        "{stdout}"
    );
    assert!(stdout.contains("sim_only"), "{stdout}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));

    let xml = read(&xml_path);
    let (suites, cases, failures) = parse_junit(&xml);
    assert_eq!(suites, group_count());
    assert!(cases > 10);
    assert!(failures.is_empty(), "{failures:?}");
    assert!(xml.contains("<skipped message=\"sim_only"), "{xml}");

    let prefix = format!("okta-contract-{run_id}-");
    let after = all_policy_names(&served.url).await;
    let left: Vec<&String> = after.iter().filter(|n| n.starts_with(&prefix)).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(after, before, "the org is as it was");
}

#[test]
fn read_only_live_run_skips_writing_scenarios() {
    let served = Served::start(&[]);
    let v = live_json_report(&served);
    let status: Vec<(&str, &str)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    // Read-only and live: only scenarios that neither write nor need the simulator run.
    let expected: Vec<(&str, &str)> = okta_contract::scenarios::all()
        .iter()
        .map(|sc| {
            let runs = !sc.writes && !sc.sim_only;
            (sc.name, if runs { "passed" } else { "skipped" })
        })
        .collect();
    assert_eq!(status, expected);
    assert!(status.contains(&("devices-pagination", "passed")));
    assert!(
        v["entries"][0]["skip_reason"]
            .as_str()
            .unwrap()
            .contains("--allow-writes")
    );
}

/// Ctrl-C (SIGINT), `timeout`/CI cancellation/container stop (SIGTERM) and a closed terminal
/// (SIGHUP) all take the same cleanup path: everything the run created is deleted, exit 130.
#[rstest::rstest]
#[case::sigint("INT")]
#[case::sigterm("TERM")]
#[case::sighup("HUP")]
#[tokio::test]
async fn an_interrupt_signal_cleans_up_then_exits_130(#[case] signal: &str) {
    use std::process::Command;
    use std::time::{Duration, Instant};

    // Slow requests so the run is still going when the signal arrives.
    let served = Served::start(&["--latency-ms", "150"]);
    let run_id = format!("e2e-sig{}", signal.to_ascii_lowercase());
    let prefix = format!("okta-contract-{run_id}-");
    let mut child = spawn_live_writes(&served.url, &["--run-id", &run_id]);
    // Wait until the run has created its policy, then interrupt it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let names = all_policy_names(&served.url).await;
        if names.iter().any(|n| n.starts_with(&prefix)) {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run never created its policy");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the create response reach the client (it is tracked as soon as it returns); the next
    // request is then waiting out its latency.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || {
        let out = child.wait_with_output();
        out.expect("wait")
    })
    .await
    .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    let after = all_policy_names(&served.url).await;
    assert!(
        after.iter().all(|n| !n.starts_with(&prefix)),
        "left behind: {after:?}"
    );
}

#[tokio::test]
async fn serve_empty_starts_an_org_with_only_okta_created_policies() {
    let served = Served::start(&["--empty"]);
    let (status, devices) = get_json(&format!("{}/api/v1/devices", served.url)).await;
    assert_eq!(status, 200, "{devices}");
    assert_eq!(devices, serde_json::json!([]));
    let (status, policies) =
        get_json(&format!("{}/api/v1/policies?type=PASSWORD", served.url)).await;
    assert_eq!(status, 200, "{policies}");
    let policies = policies.as_array().expect("array");
    assert_eq!(policies.len(), 1, "{policies:?}");
    assert_eq!(policies[0]["system"], true);

    let out = run(&["serve", "--empty", "--devices", "3"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--empty conflicts with --devices"
    );
}
