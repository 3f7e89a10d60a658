//! `okta-contract spec diff`: fixture specs built so that every class and kind is detected, and
//! one run over the real curated spec against a published release.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use okta_contract::spec_diff::decisions::{parse_decisions, pattern_matches};
use okta_contract::spec_diff::{Class, DiffReport, Difference, Kind, diff_files};
use rstest::rstest;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec_diff")
        .join(name)
}

fn fixture_report() -> DiffReport {
    diff_files(
        &fixture("upstream.yaml"),
        &fixture("ours.yaml"),
        Some(&fixture("decisions.yaml")),
    )
    .expect("the fixtures load")
}

/// The single difference at `pointer` with `kind` (panics on none or several).
fn one<'r>(report: &'r DiffReport, pointer: &str, kind: Kind) -> &'r Difference {
    let found: Vec<&Difference> = report
        .differences
        .iter()
        .filter(|d| d.pointer == pointer && d.kind == kind)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {kind:?} at {pointer}, found {found:#?}\nall pointers: {:#?}",
        report
            .differences
            .iter()
            .map(|d| format!("{} {} {}", d.class_label(), d.kind.as_str(), d.pointer))
            .collect::<Vec<_>>()
    );
    found[0]
}

fn assert_class(report: &DiffReport, pointer: &str, kind: Kind, class: Class) -> Vec<String> {
    let d = one(report, pointer, kind);
    assert_eq!(d.class, class, "{pointer} {kind:?}: {d:#?}");
    assert!(d.recorded_by.is_none());
    d.operations.clone()
}

/// Each of these differences is found once, with its class and no decision recording it.
#[rstest]
// Operation level, gaps.
#[case("op:listPolicies/parameters/q", Kind::MissingParameter, Class::Gap)]
#[case("op:getPolicy/responses/404", Kind::MissingStatus, Class::Gap)]
#[case(
    "op:getPolicy/security/oauth2/okta.policies.manage",
    Kind::MissingScope,
    Class::Gap
)]
#[case(
    "op:listPolicies/parameters/type#enum=IDP_DISCOVERY",
    Kind::MissingEnum,
    Class::Gap
)]
// Operation level, ours only.
#[case("op:listDeviceNotes", Kind::ExtraOperation, Class::OursOnly)]
#[case(
    "op:listPolicies/parameters/status",
    Kind::ExtraParameter,
    Class::OursOnly
)]
#[case("op:listPolicies/responses/401", Kind::ExtraStatus, Class::OursOnly)]
// Schemas, gaps.
#[case(
    "Policy[type=PASSWORD]/settings/methods[]#enum=email",
    Kind::MissingEnum,
    Class::Gap
)]
// Schemas, ours only.
#[case("Policy[type=PASSWORD]/default", Kind::ExtraProperty, Class::OursOnly)]
#[case(
    "Policy[type=PASSWORD]/settings/methods[]#enum=voice",
    Kind::ExtraEnum,
    Class::OursOnly
)]
#[case("Device/status#enum=UNSUSPENDED", Kind::ExtraEnum, Class::OursOnly)]
// Upstream discriminator on `kind`, ours an unpinned oneOf merged into one node.
#[case(
    "Device/provider[kind=VPN]/mdmId",
    Kind::ExtraProperty,
    Class::OursOnly
)]
#[case("Device/provider[kind=MDM]/url", Kind::ExtraProperty, Class::OursOnly)]
// Cosmetic.
#[case(
    "Policy[type=PASSWORD]/settings/minLength",
    Kind::Description,
    Class::Cosmetic
)]
#[case("Device/profile/imei", Kind::Constraint, Class::Cosmetic)]
// Beside a cycle, the schema is still compared.
#[case(
    "Policy[type=OKTA_SIGN_ON]/conditions/app",
    Kind::MissingProperty,
    Class::Gap
)]
fn a_difference_has_its_class(#[case] pointer: &str, #[case] kind: Kind, #[case] class: Class) {
    assert_class(&fixture_report(), pointer, kind, class);
}

/// Nothing is reported at a pointer containing `fragment`.
#[rstest]
// Out of scope upstream (not under /api/v1/policies or /api/v1/devices).
#[case("listGroups")]
// A missing property is reported itself; nothing below it.
#[case("Policy[type=PASSWORD]/settings/history/")]
// The open "any other type" branch is never a difference.
#[case("[type=*]")]
// The base's discriminator is not expanded again inside a branch.
#[case("][kind=")]
// Conditions.nested refers back to Conditions: recorded once, not expanded.
#[case("/nested/")]
fn nothing_is_reported_under(#[case] fragment: &str) {
    let r = fixture_report();
    let found: Vec<&str> = r
        .differences
        .iter()
        .map(|d| d.pointer.as_str())
        .filter(|p| p.contains(fragment))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn differences_found_through_several_operations_are_reported_once() {
    let r = fixture_report();
    let all = ["createPolicy", "getPolicy", "listPolicies"];
    assert_eq!(
        assert_class(&r, "op:listPolicyApps", Kind::MissingOperation, Class::Gap),
        ["listPolicyApps"]
    );
    // Discriminator mapping upstream vs pinned oneOf ours: the branch without a pin is missing.
    let branch = "Policy[type=IDP_DISCOVERY]";
    assert_eq!(
        assert_class(&r, branch, Kind::MissingBranch, Class::Gap),
        all
    );
    let history = "Policy[type=PASSWORD]/settings/history";
    assert_eq!(
        assert_class(&r, history, Kind::MissingProperty, Class::Gap),
        all
    );
}

/// The class and both sides of a difference that says what each side has.
#[rstest]
#[case(
    "op:getDevice/deprecated",
    Kind::Deprecated,
    Class::Gap,
    "true",
    "false"
)]
#[case(
    "Policy[type=PASSWORD]/settings/maxAge",
    Kind::Type,
    Class::Gap,
    "integer",
    "string"
)]
#[case(
    "Policy[type=PASSWORD]/priority",
    Kind::Format,
    Class::Cosmetic,
    "int32",
    "int64"
)]
fn a_difference_says_both_sides(
    #[case] pointer: &str,
    #[case] kind: Kind,
    #[case] class: Class,
    #[case] upstream: &str,
    #[case] ours: &str,
) {
    let r = fixture_report();
    let d = one(&r, pointer, kind);
    assert_eq!(d.class, class);
    assert_eq!(
        (d.upstream.as_deref(), d.ours.as_deref()),
        (Some(upstream), Some(ours))
    );
}

#[test]
fn a_type_difference_inside_a_merged_union_is_a_gap() {
    let r = fixture_report();
    let d = one(&r, "Device/provider[kind=MDM]/mdmId", Kind::Type);
    assert_eq!(d.class, Class::Gap);
}

#[test]
fn required_matters_in_requests_only() {
    let r = fixture_report();
    let found: Vec<&Difference> = r
        .differences
        .iter()
        .filter(|d| {
            d.pointer == "Policy[type=PASSWORD]/settings/minLength" && d.kind == Kind::Required
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:#?}");
    let gap = found.iter().find(|d| d.class == Class::Gap).expect("a gap");
    assert_eq!(gap.operations, ["createPolicy"]);
    let cosmetic = found
        .iter()
        .find(|d| d.class == Class::Cosmetic)
        .expect("a cosmetic one");
    assert_eq!(
        cosmetic.operations,
        ["createPolicy", "getPolicy", "listPolicies"]
    );
}

#[test]
fn decisions_record_and_go_stale() {
    let r = fixture_report();
    let exact = one(&r, "Policy[type=Okta:SignOn]", Kind::ExtraBranch);
    assert_eq!(exact.class, Class::Recorded);
    assert_eq!(exact.underlying, Class::OursOnly);
    assert_eq!(exact.recorded_by.as_deref(), Some("D001"));
    assert_eq!(exact.class_label(), "recorded (ours-only)");
    let glob = one(&r, "op:listPolicies/parameters/limit", Kind::Type);
    assert_eq!(
        (glob.class, glob.underlying, glob.recorded_by.as_deref()),
        (Class::Recorded, Class::Gap, Some("D002"))
    );
    let deep = one(
        &r,
        "op:listPolicies/parameters/type#enum=Okta:SignOn",
        Kind::ExtraEnum,
    );
    assert_eq!(deep.recorded_by.as_deref(), Some("D003"));
    let stale: Vec<&str> = r.stale_decisions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        stale,
        ["D004", "D005"],
        "D004 has the wrong class, D005 no match"
    );
    assert_eq!(r.counts.recorded, 3);
    assert_eq!(
        r.counts.gap,
        r.differences
            .iter()
            .filter(|d| d.class == Class::Gap)
            .count()
    );
    assert!(r.has_gaps());
}

#[test]
fn decision_file_errors_and_patterns() {
    assert!(
        parse_decisions(
            "decisions:\n  - {id: D1, match: a, reason: r}\n  - {id: D1, match: b, reason: r}\n"
        )
        .is_err()
    );
    assert!(
        parse_decisions("decisions:\n  - {id: D1, match: a, reason: r, classes: [bogus]}\n")
            .is_err()
    );
    assert!(
        parse_decisions("decisions:\n  - {id: D1, match: a, reason: r, kinds: [bogus]}\n").is_err()
    );
    assert!(parse_decisions("decisions:\n  - {id: D1, match: a, reason: r, typo: 1}\n").is_err());
    assert!(parse_decisions("decisions: []\n").is_ok_and(|d| d.is_empty()));
    assert!(pattern_matches(
        "Policy[type=*]/settings/**",
        "Policy[type=PASSWORD]/settings"
    ));
    assert!(pattern_matches("**", "op:listPolicies/responses/403"));
    assert!(!pattern_matches(
        "op:*/responses",
        "op:listPolicies/responses/403"
    ));
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_okta-contract"))
        .args(args)
        .output()
        .expect("the command runs")
}

/// `spec diff --upstream UPSTREAM --spec SPEC MORE…`.
fn diff_cli(upstream: &Path, spec: &Path, more: &[&str]) -> std::process::Output {
    let files = [
        "--upstream",
        upstream.to_str().unwrap(),
        "--spec",
        spec.to_str().unwrap(),
    ];
    cli(&[&["spec", "diff"][..], &files, more].concat())
}

#[test]
fn command_formats_and_exit_codes() {
    let up = fixture("upstream.yaml");
    let ours = fixture("ours.yaml");
    let dec = fixture("decisions.yaml");
    let decisions = ["--decisions", dec.to_str().unwrap()];
    let with = |more: &[&str]| diff_cli(&up, &ours, &[&decisions[..], more].concat());
    let table = with(&[]);
    assert_eq!(table.status.code(), Some(1), "unrecorded gaps exit 1");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("gap: 13  recorded: 3  ours-only: 9  cosmetic: 8"),
        "{text}"
    );
    assert!(text.contains("warning: stale decision D005"), "{text}");
    assert!(
        !text.contains("format: upstream int32"),
        "cosmetic hidden by default"
    );
    let shown = with(&["--show", "cosmetic"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("format: upstream int32"));

    let json = with(&["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(v["upstream_version"], "2099.01.0");
    assert_eq!(v["spec_version"], "2099.02.0");
    assert_eq!(v["counts"]["gap"], 13);
    assert_eq!(v["counts"]["ours_only"], 9);
    assert_eq!(v["stale_decisions"][1]["id"], "D005");
    let first = &v["differences"][0];
    for key in [
        "class",
        "recorded_by",
        "kind",
        "pointer",
        "upstream",
        "ours",
        "operations",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("diff.md");
    let md = with(&["--format", "markdown", "--output", out.to_str().unwrap()]);
    assert_eq!(md.status.code(), Some(1));
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.contains("| gap | 13 |") && written.contains("<details>"),
        "{written}"
    );

    // Nothing but recorded differences: exit 0 (the spec diffed against itself).
    let same = diff_cli(&ours, &ours, &decisions);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );

    let missing = cli(&["spec", "diff", "--upstream", "/nonexistent/upstream.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    let bad = diff_cli(&dec, &ours, &[]);
    assert_eq!(bad.status.code(), Some(2), "a non-OpenAPI file is an error");
    assert_eq!(cli(&["spec", "diff"]).status.code(), Some(2), "usage error");
}

#[test]
fn real_spec_against_the_newest_release() {
    let upstream = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/upstream/management-minimal-2026.06.3.yaml");
    if !upstream.is_file() {
        eprintln!("skipped: {} is absent", upstream.display());
        return;
    }
    let start = Instant::now();
    let report = diff_files(
        &upstream,
        &okta_contract::spec_diff::default_spec_path(),
        Some(&okta_contract::spec_diff::default_decisions_path()),
    )
    .expect("the real specs load");
    assert!(start.elapsed() < Duration::from_secs(60));
    assert_eq!(report.upstream_version, "2026.06.3");
    // Policy unions are compared branch by branch...
    assert!(
        report
            .differences
            .iter()
            .any(|d| d.pointer.starts_with("Policy[type=") && d.class != Class::Cosmetic),
        "no Policy[type=…] difference"
    );
    // ...and PolicyType values through listPolicies' `type` parameter.
    assert!(
        report.differences.iter().any(|d| d
            .pointer
            .starts_with("op:listPolicies/parameters/type#enum=")),
        "no PolicyType enum difference"
    );
    // Every difference of a policy or rule branch is rooted at an upstream component name.
    assert!(report.differences.iter().all(|d| {
        d.pointer.starts_with("op:")
            || d.pointer
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
    }));
}
