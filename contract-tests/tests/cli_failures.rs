//! Failing checks and `sweep` against `okta-contract serve` running in a separate process:
//! non-zero exit, failure details with a redacted curl, secrets never printed.

mod cli_common;

use cli_common::{
    Served, TOKEN, all_policy_names, check_live, check_live_junit, create_policy, parse_junit,
    read, run, text,
};

const WRONG: &str = "wrong-token-Vb55Kq-not-accepted";

#[test]
fn a_wrong_token_fails_with_redacted_curl_and_no_secret_anywhere() {
    let served = Served::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("r.xml");
    let out = check_live_junit(&served.url, &[], &xml_path, WRONG);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("FAIL   policies/policy-crud-access-policy"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "policies/policy-crud-access-policy › create ACCESS_POLICY with activate=false"
        ),
        "names scenario and step: {stdout}"
    );
    assert!(stdout.contains("expected: a 2xx response"), "{stdout}");
    assert!(stdout.contains("actual:   HTTP 401 E0000011"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "curl -sS -i -X POST '{}/api/v1/policies?activate=false' -H \"Authorization: SSWS ${{OKTA_API_TOKEN}}\"",
            served.url
        )),
        "{stdout}"
    );
    let xml = read(&xml_path);
    let (_, _, failures) = parse_junit(&xml);
    assert!(!failures.is_empty());
    assert!(
        failures
            .iter()
            .any(|f| f.contains("Authorization: SSWS ${OKTA_API_TOKEN}")),
        "{failures:?}"
    );
    for secret in [WRONG, TOKEN] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret) && !xml.contains(secret));
    }
}

#[test]
fn every_format_keeps_the_token_out() {
    let served = Served::start(&[]);
    for format in ["table", "json", "junit", "markdown"] {
        let out = check_live(&served.url, &["--allow-writes", "--format", format], TOKEN);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{format}: {stdout}\n{stderr}");
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "{format}"
        );
    }
}

#[test]
fn injected_server_errors_fail_the_check() {
    let served = Served::start(&["--error-rate", "1"]);
    let out = check_live(&served.url, &["--format", "json"], TOKEN);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["success"], false);
    let failed = &v["entries"][1]["steps"][0];
    assert_eq!(v["entries"][1]["name"], "devices-pagination");
    assert!(
        failed["actual"].as_str().unwrap().starts_with("HTTP 500"),
        "{failed}"
    );
    assert!(
        failed["curl"]
            .as_str()
            .unwrap()
            .contains("${OKTA_API_TOKEN}")
    );
}

#[tokio::test]
async fn sweep_deletes_only_prefixed_policies() {
    let served = Served::start(&[]);
    create_policy(&served.url, "okta-contract-old-run-a", "PASSWORD").await;
    create_policy(&served.url, "okta-contract-old-run-b", "ACCESS_POLICY").await;
    create_policy(&served.url, "keep-me okta-contract-", "PASSWORD").await;
    let before = all_policy_names(&served.url).await;
    let env = [("OKTA_API_TOKEN", TOKEN)];

    let out = run(&["sweep", "--org", &served.url, "--dry-run"], &env);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("would delete: policy PASSWORD"), "{stdout}");
    assert!(stdout.contains("sweep: would delete 2 of 2"), "{stdout}");
    assert_eq!(
        all_policy_names(&served.url).await,
        before,
        "dry run changes nothing"
    );

    let out = run(&["sweep", "--org", &served.url, "--prefix", "keep"], &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("must start with \"okta-contract-\""));

    let out = run(&["sweep", "--org", &served.url], &env);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("deleted: policy ACCESS_POLICY"), "{stdout}");
    assert!(stdout.contains("sweep: deleted 2 of 2"), "{stdout}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let after = all_policy_names(&served.url).await;
    assert!(
        after.iter().all(|n| !n.starts_with("okta-contract-")),
        "{after:?}"
    );
    assert!(after.iter().any(|n| n == "keep-me okta-contract-"));
    assert_eq!(after.len(), before.len() - 2);
}
