//! Golden files of what users see: `--help`, `check --help` and a failing run in every format,
//! with volatile parts (durations, ports, request ids, timestamps, version) normalised. A change
//! to the output fails here; review it and rewrite the files with
//! `UPDATE_GOLDEN=1 cargo test -p okta-contract --test golden`.

mod cli_common;

use std::path::PathBuf;

use cli_common::{Served, check_live_env, run, text};
use regex::Regex;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name)
}

fn check_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    pretty_assertions::assert_eq!(
        expected,
        actual,
        "{} differs; review and run UPDATE_GOLDEN=1 cargo test -p okta-contract --test golden",
        path.display()
    );
}

/// Replaces what changes from run to run.
fn normalise(text: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT"),
        (r"\d+\.\d\d s\b", "N.NN s"),
        (r#"time="[0-9.]+""#, r#"time="N.NNN""#),
        (r#""duration_ms": \d+"#, r#""duration_ms": 0"#),
        (r#""started_at": "[^"]+""#, r#""started_at": "TIMESTAMP""#),
        (
            r"started \d{4}-\d\d-\d\dT[0-9:.+\-]+Z?",
            "started TIMESTAMP",
        ),
        (r#""request_id": "[^"]+""#, r#""request_id": "REQUEST-ID""#),
        (
            r"X-Okta-Request-Id:? `?[A-Za-z0-9_-]{10,}`?",
            "X-Okta-Request-Id REQUEST-ID",
        ),
        (r"okta-contract \d+\.\d+\.\d+\S*", "okta-contract VERSION"),
    ];
    let mut out = text.to_owned();
    for (pattern, replacement) in rules {
        let re = Regex::new(pattern).unwrap();
        out = re.replace_all(&out, *replacement).into_owned();
    }
    out
}

#[test]
fn help_texts() {
    for (args, file) in [
        (&["--help"][..], "help.txt"),
        (&["check", "--help"][..], "check-help.txt"),
    ] {
        let out = run(args, &[]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(
            !stdout.contains("[`"),
            "rustdoc link syntax in help: {stdout}"
        );
        assert!(stdout.contains("130"), "exit codes documented: {stdout}");
        check_golden(file, &normalise(&stdout));
    }
}

#[test]
fn a_failing_run_in_every_format() {
    // A wrong token against a served simulator: deterministic failures; a writing scenario
    // (read-only run) and a device scenario (live) are skipped.
    let served = Served::start(&[]);
    for format in ["table", "json", "junit", "markdown"] {
        let out = check_live_env(
            &served.url,
            &[
                "--run-id",
                "golden",
                "--color",
                "never",
                "--scenario",
                "devices-pagination",
                "--scenario",
                "policy-crud-access-policy",
                "--scenario",
                "device-lifecycle",
                "--format",
                format,
            ],
            &[
                ("OKTA_API_TOKEN", "okta-contract-golden-wrong"),
                ("NO_COLOR", "1"),
            ],
        );
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
        let ext = match format {
            "table" => "txt",
            "junit" => "xml",
            "markdown" => "md",
            other => other,
        };
        check_golden(&format!("failing-run.{ext}"), &normalise(&stdout));
    }
}

#[test]
fn no_color_and_color_never_are_plain() {
    let out = run(
        &[
            "check",
            "--scenario",
            "devices-pagination",
            "--color",
            "auto",
        ],
        &[],
    );
    let (stdout, _) = text(&out);
    assert!(!stdout.contains('\u{1b}'), "not a terminal: no colour");
    let out = run(
        &[
            "check",
            "--scenario",
            "devices-pagination",
            "--color",
            "always",
        ],
        &[("NO_COLOR", "1")],
    );
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("\u{1b}[32mPASS"),
        "--color always wins over NO_COLOR"
    );
    let out = run(&["check", "--scenario", "devices-pagination", "-q"], &[]);
    let (stdout, _) = text(&out);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
}
