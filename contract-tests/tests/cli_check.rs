//! `okta-contract check` against the embedded simulator: exit codes, summary, report formats,
//! filters and setup errors.

mod cli_common;

use cli_common::{check_live_env, group_count, parse_junit, read, run, text};

#[test]
fn check_against_the_simulator_passes_and_prints_the_summary() {
    let out = run(&["check"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("target sim (http://127.0.0.1:"), "{stdout}");
    for name in [
        "policies/policy-crud-access-policy",
        "devices/devices-pagination",
        "devices/device-lifecycle",
    ] {
        assert!(
            stdout.contains(&format!("PASS   {name}")),
            "{name}\n{stdout}"
        );
    }
    assert!(stdout.contains(" 0 failed, 0 skipped (steps: "), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("summary: ") && l.contains(" 0 failed"))
    );
    assert!(!stdout.contains("Failures:"));
    // No progress bar when stderr is not a terminal.
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn junit_report_is_written_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports/f.xml");
    let out = run(
        &[
            "check",
            "--format",
            "junit",
            "--output",
            path.to_str().unwrap(),
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("summary: "),
        "the table still goes to stdout: {stdout}"
    );
    assert!(stdout.contains("written to"), "{stdout}");
    let xml = read(&path);
    assert!(xml.starts_with("<?xml"));
    let (suites, cases, failures) = parse_junit(&xml);
    assert_eq!(suites, group_count(), "one test suite per group: {xml}");
    assert!(cases >= 20, "a test case per step: {cases}");
    assert!(failures.is_empty());
}

#[test]
fn json_report_parses_and_counts_steps() {
    let out = run(&["check", "--format", "json", "--run-id", "json-1"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is only JSON");
    assert_eq!(v["success"], true);
    assert_eq!(v["target"], "sim");
    assert_eq!(v["run_id"], "json-1");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), okta_contract::scenarios::all().len());
    for e in entries {
        assert_eq!(e["status"], "passed", "{e}");
        assert!(!e["steps"].as_array().unwrap().is_empty());
    }
    assert_eq!(v["totals"]["failed"], 0);
    assert!(v["totals"]["steps_passed"].as_u64().unwrap() >= 20);
}

#[test]
fn markdown_report() {
    let out = run(&["check", "--format", "markdown"], &[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.starts_with("# okta-contract check"));
    assert!(
        stdout.contains("| PASS | devices | device-lifecycle |"),
        "{stdout}"
    );
}

#[test]
fn scenario_filter_selects_by_name_and_group() {
    let out = run(
        &[
            "check",
            "--format",
            "json",
            "--scenario",
            "devices-pagination",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["devices-pagination"]);

    let out = run(&["check", "--format", "json", "--scenario", "devices"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let devices = okta_contract::scenarios::all()
        .iter()
        .filter(|s| s.group == "devices")
        .count();
    assert_eq!(v["entries"].as_array().unwrap().len(), devices);

    let out = run(&["check", "--scenario", "no-such-scenario"], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("no scenario or group named \"no-such-scenario\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("devices/device-lifecycle"),
        "lists the known ones: {stderr}"
    );
}

#[test]
fn list_prints_every_scenario_with_its_flags() {
    let out = run(&["check", "--list"], &[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("devices/device-lifecycle [writes, sim_only]"),
        "{stdout}"
    );
    assert!(stdout.contains("devices/devices-pagination  "), "{stdout}");
}

#[test]
fn live_needs_an_org_and_a_token() {
    let out = run(&["check", "--target", "live"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("no org"));

    let out = check_live_env("http://127.0.0.1:9", &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("no token"));

    let out = check_live_env(
        "http://127.0.0.1:9",
        &[],
        &[
            ("OKTA_API_TOKEN", "aaaaaaaaaa"),
            ("OKTA_ACCESS_TOKEN", "bbbbbbbbbb"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("set only one"));
}

#[test]
fn live_refuses_plain_http_to_a_remote_host_before_any_request() {
    let token = cli_common::TOKEN;
    let out = check_live_env("http://example.invalid", &[], &[("OKTA_API_TOKEN", token)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("plain http is only allowed for loopback hosts"),
        "{stderr}"
    );
    assert!(!stdout.contains(token) && !stderr.contains(token));
}

#[test]
fn org_is_refused_for_the_simulator_target() {
    let out = run(&["check", "--org", "https://example.invalid"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("--org is only used with --target live")
    );
}

#[test]
fn invalid_run_id_is_a_usage_error() {
    let out = run(&["check", "--run-id", "Not/OK"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("invalid run id"));
}

#[test]
fn mock_target_replays_the_corpus() {
    let out = run(&["check", "--target", "mock", "--list"], &[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    let first = stdout.lines().next().expect("at least one case");
    let id = first.split_whitespace().next().unwrap().to_owned();
    let doc = id.split('.').next().unwrap().to_owned();

    let out = run(
        &[
            "check",
            "--target",
            "mock",
            "--format",
            "json",
            "--scenario",
            &doc,
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    // Pass or fail is the corpus's business; the report must be complete and well-formed.
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(v["target"], "mock");
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for e in entries {
        assert_eq!(e["kind"], "case");
        assert_eq!(e["group"], format!("corpus-{doc}"));
        assert!(e["name"].as_str().unwrap().starts_with(&format!("{doc}.")));
        for s in e["steps"].as_array().unwrap() {
            if s["status"] == "failed" {
                assert!(s["expected"].is_string() && s["actual"].is_string(), "{s}");
            }
        }
    }
    assert_eq!(out.status.code() == Some(0), v["success"] == true);

    let out = run(
        &["check", "--target", "mock", "--scenario", "999.nothing"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("no corpus case matches"));
}
