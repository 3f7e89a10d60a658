//! Evidence from a live org, with `okta-contract serve` as the org: the documented examples
//! sent with `--corpus` (read-only and with writes, nothing left behind), a deliberately
//! changed documented answer reported with its pointer, `--record` cases that replay green
//! against the mock and hold no secret, host or e-mail address, and a planted undeclared
//! field in the drift report.

mod cli_common;

use cli_common::{Served, TOKEN, all_policy_names, check_live_env, http, run, text};
use serde_json::Value;

fn report(out: &std::process::Output) -> Value {
    let (stdout, stderr) = text(out);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}"))
}

fn failures(r: &Value) -> Vec<String> {
    r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "failed")
        .map(|e| format!("{}: {}", e["name"], e["steps"]))
        .collect()
}

#[tokio::test]
async fn the_corpus_passes_read_only_and_with_writes_and_leaves_nothing_behind() {
    let served = Served::start(&[]);
    let before = all_policy_names(&served.url).await;
    for (run_id, writes) in [("ev-ro", false), ("ev-rw", true)] {
        let mut args = vec![
            "check",
            "--target",
            "live",
            "--org",
            &served.url,
            "--corpus",
            "--run-id",
            run_id,
            "--format",
            "json",
        ];
        if writes {
            args.push("--allow-writes");
        }
        let out = run(&args, &[("OKTA_API_TOKEN", TOKEN)]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
        let r = report(&out);
        assert!(failures(&r).is_empty(), "{:#?}", failures(&r));
        let entries = r["entries"].as_array().unwrap();
        assert!(entries.iter().all(|e| e["group"] == "corpus-live"));
        let passed = entries.iter().filter(|e| e["status"] == "passed").count();
        assert!(passed > 50, "{passed} passed");
        let sent_writes = entries.iter().any(|e| {
            e["status"] == "passed" && e["name"].as_str().unwrap().contains("createPolicyRule")
        });
        assert_eq!(sent_writes, writes, "writes only with --allow-writes");
        let skips: Vec<&str> = entries
            .iter()
            .filter_map(|e| e["skip_reason"].as_str())
            .collect();
        assert!(
            skips.iter().any(|s| s.contains("changes a device")),
            "{skips:?}"
        );
        assert!(
            r["cleanup"].as_array().is_none_or(|c| c
                .iter()
                .all(|c| c["action"] == "deleted" || c["action"] == "already gone")),
            "{}",
            r["cleanup"]
        );
    }
    let after = all_policy_names(&served.url).await;
    assert_eq!(after, before, "the org is as it was");
    let out = run(
        &["sweep", "--org", &served.url, "--dry-run"],
        &[("OKTA_API_TOKEN", TOKEN)],
    );
    let (stdout, _) = text(&out);
    assert!(stdout.contains("would delete 0 of 0"), "{stdout}");
}

#[test]
fn a_changed_documented_answer_is_reported_with_its_pointer() {
    let served = Served::start(&[]);
    let cases = okta_contract::corpus::default_cases_dir();
    let mut case =
        okta_contract::corpus::load_case(&cases.join("001/listPolicies.200.type.yaml")).unwrap();
    // The documentation now says `priority` is a string: the org answers a number.
    let body = case.response.as_mut().unwrap().body.as_mut().unwrap();
    body[0]["priority"] = Value::String("first".into());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("001")).unwrap();
    std::fs::write(
        dir.path().join(case.relative_path()),
        okta_contract::corpus::to_yaml(&case).unwrap(),
    )
    .unwrap();
    let out = check_live_env(
        &served.url,
        &[
            "--corpus",
            "--cases",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        &[("OKTA_API_TOKEN", TOKEN)],
    );
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let r = report(&out);
    let failed = failures(&r);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].contains("/0/priority: documented string but the org answers number"),
        "{}",
        failed[0]
    );
}

#[tokio::test]
async fn recorded_cases_replay_green_hold_no_secret_and_planted_fields_are_drift() {
    let served = Served::start(&[]);
    // An org object with a field the spec does not declare (the simulator keeps it).
    let resp = http()
        .post(format!("{}/api/v1/policies", served.url))
        .header("Authorization", format!("SSWS {TOKEN}"))
        .json(&serde_json::json!({
            "name": "Planted policy", "type": "PASSWORD", "plantedField": "from the org"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("corpus");
    let out = check_live_env(
        &served.url,
        &[
            "--corpus",
            "--record",
            rec.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[("OKTA_API_TOKEN", TOKEN)],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("recorded "), "{stderr}");
    let r = report(&out);
    let drift = r["drift"].as_array().expect("a drift section");
    let planted = drift
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("plantedField"))
        .unwrap_or_else(|| panic!("{drift:#?}"));
    assert_eq!(planted["kind"], "undeclared-field");
    assert!(
        planted["pointer"]
            .as_str()
            .unwrap()
            .ends_with("/plantedField")
    );
    let suggestion = planted["suggestion"].as_str().unwrap();
    assert!(
        suggestion.contains("PasswordPolicy:") && suggestion.contains("type: string"),
        "{suggestion}"
    );

    // Scenarios are recorded too (their hooks do not hide the exchanges from the recorder).
    let out = check_live_env(
        &served.url,
        &[
            "--allow-writes",
            "--scenario",
            "policies",
            "--record",
            rec.to_str().unwrap(),
            "-q",
        ],
        &[("OKTA_API_TOKEN", TOKEN)],
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    let files: Vec<std::path::PathBuf> = okta_contract::corpus::case_files(&rec).unwrap();
    assert!(files.len() > 20, "{} files", files.len());
    let email = regex::Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+").unwrap();
    let placeholder = regex::Regex::new(r"^user\d+@example\.com$").unwrap();
    let host = served.url.trim_start_matches("http://");
    let mut emails = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(TOKEN), "{}", f.display());
        assert!(
            !text.contains(host) && !text.contains("127.0.0.1"),
            "{}",
            f.display()
        );
        for m in email.find_iter(&text) {
            emails += 1;
            assert!(
                placeholder.is_match(m.as_str()),
                "{}: {}",
                f.display(),
                m.as_str()
            );
        }
        assert!(text.contains("recorded "), "provenance in {}", f.display());
    }
    assert!(
        emails > 0,
        "the users' addresses were recorded as placeholders"
    );

    let out = run(
        &[
            "check",
            "--target",
            "mock",
            "--cases",
            rec.to_str().unwrap(),
            "-q",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
