//! Stable report identities: a failing and a passing live run against `okta-contract serve`
//! list the same JUnit test cases (classname and name) in the same order.

mod cli_common;

use cli_common::{Served, TOKEN, check_live_junit, live_json_report, read, text};

/// `(classname, name)` of every test case, in order.
fn test_cases(xml: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, key: &str| {
        let start = tag.find(&format!(" {key}=\""))? + key.len() + 3;
        let len = tag[start..].find('"')?;
        Some(tag[start..start + len].to_owned())
    };
    xml.split("<testcase ")
        .skip(1)
        .map(|tag| {
            let head = &tag[..tag.find('>').unwrap_or(tag.len())];
            (
                attr(&format!(" {head}"), "classname").unwrap_or_default(),
                attr(&format!(" {head}"), "name").unwrap_or_default(),
            )
        })
        .collect()
}

/// A live `--allow-writes` run against a served simulator started with `serve_args`, with
/// `token`; returns the exit code and the JUnit XML.
fn live_junit(serve_args: &[&str], token: &str) -> (Option<i32>, String) {
    let served = Served::start(serve_args);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    let out = check_live_junit(&served.url, &[], &path, token);
    let (stdout, stderr) = text(&out);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{stdout}\n{stderr}"
    );
    (out.status.code(), read(&path))
}

#[test]
fn failing_and_passing_runs_list_the_same_junit_test_cases() {
    let (code, passing) = live_junit(&[], TOKEN);
    assert_eq!(code, Some(0), "{passing}");
    let expected = test_cases(&passing);
    assert!(expected.len() > 250, "{} test cases", expected.len());
    assert!(!passing.contains("<failure"));

    // Injected 500s: scenarios fail at different steps, cleanup may fail too.
    let (code, faulty) = live_junit(&["--error-rate", "0.1", "--seed", "3"], TOKEN);
    assert_eq!(code, Some(1));
    assert!(
        faulty.contains("<failure"),
        "the faults made something fail"
    );
    assert!(faulty.contains("not run: the earlier step"), "{faulty}");
    pretty_assertions::assert_eq!(test_cases(&faulty), expected, "with injected faults");

    // A wrong token: every scenario fails at its first step.
    let (code, unauthorized) = live_junit(&[], "okta-contract-not-the-token");
    assert_eq!(code, Some(1));
    pretty_assertions::assert_eq!(test_cases(&unauthorized), expected, "with a wrong token");
}

#[test]
fn skipped_scenarios_list_their_steps_with_a_true_reason() {
    let served = Served::start(&[]);
    let v = live_json_report(&served);
    for e in v["entries"].as_array().unwrap() {
        if e["status"] != "skipped" {
            continue;
        }
        let name = e["name"].as_str().unwrap();
        let reason = e["skip_reason"].as_str().unwrap();
        let steps = e["steps"].as_array().unwrap();
        assert!(!steps.is_empty(), "{name} lists its steps");
        assert!(
            steps
                .iter()
                .all(|s| s["status"] == "skipped" && s["message"] == reason)
        );
        if name.starts_with("policy-type-beta") || name == "default-policy-protections" {
            assert!(!reason.contains("devices"), "{name}: {reason}");
        }
    }
}
