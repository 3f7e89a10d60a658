//! The extractor on small documents written for these tests (`tests/fixtures/*`): fenced
//! Markdown, tilde fences with prose statuses, the unfenced scraped layout, a broken body fixed
//! by an erratum, an unaccounted block, a lint failure, and `write` / `check` round trips.

use std::fs;
use std::path::{Path, PathBuf};

use okta_contract::corpus::{self, Auth, Case, Errata, Source};
use okta_contract::extract::{self, ExtractError, Origin};
use pretty_assertions::assert_eq;
use rstest::{fixture, rstest};
use serde_json::json;

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn errata(name: &str) -> Errata {
    corpus::load_errata(&fixture_dir(name).join("errata.yaml")).expect("fixture errata")
}

fn run(name: &str) -> Result<extract::Extraction, ExtractError> {
    extract::extract(&fixture_dir(name).join("docs"), &errata(name))
}

#[fixture]
#[once]
fn fenced() -> Vec<Case> {
    run("fenced").expect("fenced fixtures extract").cases
}

fn get<'a>(cases: &'a [Case], id: &str) -> &'a Case {
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} in {ids:?}"))
}

#[rstest]
fn fenced_ids_are_deterministic(fenced: &[Case]) {
    let ids: Vec<&str> = fenced.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "100.createPolicy.200.activate",
            "100.deactivatePolicy.204",
            "100.Policy.policy-json-example",
            "101.getPolicy.200",
            "101.PasswordPolicySettings.policy-settings-example",
            "102.getDevice.200.ssws",
            "102.getDevice.200.bearer",
            "102.listDevices.200.search",
            "102.suspendDevice.204",
            "102.Device.device-example",
        ]
    );
    assert_eq!(
        run("fenced").expect("again").cases,
        fenced,
        "extraction is deterministic"
    );
}

#[rstest]
fn fenced_markdown_request_and_response(fenced: &[Case]) {
    let c = get(fenced, "100.createPolicy.200.activate");
    assert_eq!(c.section, "Create a Policy");
    assert_eq!(c.operation.as_deref(), Some("createPolicy"));
    let r = c.request.as_ref().expect("request");
    assert_eq!(
        (r.method.as_str(), r.path.as_str(), r.auth),
        ("POST", "/api/v1/policies", Auth::Ssws)
    );
    assert_eq!(r.query.get("activate").map(String::as_str), Some("false"));
    assert_eq!(
        r.body,
        Some(json!({"name": "Fixture policy", "priority": 1, "default": false}))
    );
    let resp = c.response.as_ref().expect("response");
    assert_eq!((resp.status, resp.status_source), (200, Source::Derived));
    assert_eq!(
        resp.body.as_ref().and_then(|b| b.get("code")),
        Some(&json!("1")),
        "string stays a string"
    );
    assert_eq!(
        c.variables.get("yourOktaDomain").map(String::as_str),
        Some("example.okta.com")
    );
    let lines: Vec<&str> = c.blocks.iter().map(|b| b.lines.as_str()).collect();
    assert_eq!(lines, ["9-18", "22-30"]);

    let d = get(fenced, "100.deactivatePolicy.204");
    let r = d.request.as_ref().expect("request");
    assert_eq!(r.auth, Auth::Bearer);
    // Chained: the id created above is the policyId placeholder's value.
    assert_eq!(
        r.path_params.get("policyId").map(String::as_str),
        Some("rstFIXTURE0000000001")
    );
    assert_eq!(
        d.response.as_ref().map(|x| (x.status, x.status_source)),
        Some((204, Source::Block))
    );

    let p = get(fenced, "100.Policy.policy-json-example");
    assert_eq!(
        (p.operation.as_deref(), p.schema.as_deref()),
        (None, Some("Policy"))
    );
}

#[rstest]
fn tilde_fences_and_prose_status(fenced: &[Case]) {
    let c = get(fenced, "101.getPolicy.200");
    let r = c.request.as_ref().expect("request");
    assert_eq!(
        r.path_params.get("policyId").map(String::as_str),
        Some("rst30qv3igD5OpiL50g7")
    );
    assert_eq!(c.variables.get("org").map(String::as_str), Some("example"));
    let resp = c.response.as_ref().expect("response");
    assert_eq!(
        (resp.status, resp.status_source, resp.body_schema.as_deref()),
        (200, Source::Prose, Some("Policy"))
    );
    assert_eq!(c.blocks[0].kind, "sh");
    assert_eq!(c.blocks[1].kind, "prose-status");

    let s = get(fenced, "101.PasswordPolicySettings.policy-settings-example");
    assert_eq!(s.schema_pointer.as_deref(), Some("/settings"));
    assert_eq!(
        s.example,
        Some(json!({"settings": {"password": {"complexity": {"minLength": 8}}}}))
    );
}

#[rstest]
fn unfenced_layout(fenced: &[Case]) {
    let ssws = get(fenced, "102.getDevice.200.ssws");
    let bearer = get(fenced, "102.getDevice.200.bearer");
    assert_eq!(ssws.section, "Get Device by ID");
    assert_eq!(
        ssws.response, bearer.response,
        "both auth variants share the response"
    );
    assert_eq!(ssws.request.as_ref().map(|r| r.auth), Some(Auth::Ssws));

    let list = get(fenced, "102.listDevices.200.search");
    let r = list.request.as_ref().expect("request");
    assert_eq!(
        r.query.get("search").map(String::as_str),
        Some("status eq \"ACTIVE\"")
    );
    let resp = list.response.as_ref().expect("response");
    assert_eq!(resp.headers.iter().filter(|h| h.name == "Link").count(), 1);
    assert!(resp.body.as_ref().is_some_and(|b| b.is_array()));

    let suspend = get(fenced, "102.suspendDevice.204");
    assert_eq!(suspend.response.as_ref().map(|x| x.status), Some(204));
    assert_eq!(
        get(fenced, "102.Device.device-example").schema.as_deref(),
        Some("Device")
    );
}

/// Extracting the fixture's documents without errata fails with the error `expected` accepts.
fn error_without_errata(
    fixture: &str,
    expected: impl FnOnce(&ExtractError) -> bool,
) -> ExtractError {
    let docs = fixture_dir(fixture).join("docs");
    let err = extract::extract(&docs, &Errata::default()).expect_err("fails without errata");
    assert!(expected(&err), "{fixture}: {err}");
    err
}

#[test]
fn broken_json_needs_its_erratum() {
    let err = error_without_errata(
        "broken",
        |e| matches!(e, ExtractError::InvalidBlock { lines, .. } if lines == "5-12"),
    );
    assert!(err.to_string().contains("add an erratum"));

    let fixed = run("broken").expect("patched");
    let c = &fixed.cases[0];
    assert_eq!(c.errata, ["E001"]);
    assert_eq!(
        c.request.as_ref().and_then(|r| r.body.clone()),
        Some(json!({"name": "Rule", "priority": 1}))
    );
    assert!(
        c.blocks[0]
            .raw
            .as_deref()
            .is_some_and(|raw| raw.contains("\"priority\": 1,\n}")),
        "raw kept"
    );
}

#[test]
fn erratum_that_does_not_apply_is_an_error() {
    let mut e = errata("broken");
    e.errata[0].says = "not in the block".into();
    let err =
        extract::extract(&fixture_dir("broken").join("docs"), &e).expect_err("patch must apply");
    assert!(matches!(err, ExtractError::Patch { .. }), "{err}");
    let mut e = errata("broken");
    e.errata[0].lines = "1-2".into();
    let err =
        extract::extract(&fixture_dir("broken").join("docs"), &e).expect_err("unused erratum");
    assert!(
        matches!(
            err,
            ExtractError::InvalidBlock { .. } | ExtractError::UnusedErratum(_)
        ),
        "{err}"
    );
}

#[test]
fn unaccounted_block_is_an_error_unless_listed() {
    error_without_errata(
        "unaccounted",
        |e| matches!(e, ExtractError::Unaccounted { lines, .. } if lines == "5-7"),
    );
    let ok = run("unaccounted").expect("listed as non-example");
    assert!(ok.cases.is_empty());
    let block = &ok.manifest.docs[0].blocks[0];
    assert_eq!(
        block.non_example.as_deref(),
        Some("Environment setup, not a request.")
    );
}

#[test]
fn unknown_status_value_is_a_lint_error() {
    let err = run("lint").expect_err("INIACTIVE");
    assert!(
        matches!(&err, ExtractError::Lint { message, .. } if message.contains("INIACTIVE")),
        "{err}"
    );
}

#[test]
fn write_then_check_is_clean_and_check_reports_differences() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cases = tmp.path().join("cases");
    let docs = fixture_dir("fenced").join("docs");
    let errata_path = fixture_dir("fenced").join("errata.yaml");

    let written = extract::write(Origin::Docs(&docs), &cases, &errata_path).expect("write");
    assert_eq!(written.cases, 10);
    assert_eq!(written.written.len(), 11, "10 cases + manifest");
    let report = extract::check(Origin::Docs(&docs), &cases, &errata_path).expect("check");
    assert!(report.is_clean(), "{report}");
    assert!(
        extract::write(Origin::Docs(&docs), &cases, &errata_path)
            .expect("rewrite")
            .written
            .is_empty()
    );

    // Hand edit, removal and a stray file are all reported.
    let edited = cases.join("100/createPolicy.200.activate.yaml");
    let text = fs::read_to_string(&edited).expect("read");
    fs::write(&edited, text.replace("Fixture policy", "Edited")).expect("edit");
    fs::remove_file(cases.join("102/suspendDevice.204.yaml")).expect("remove");
    let stray = fs::read_to_string(cases.join("100/deactivatePolicy.204.yaml")).expect("read");
    fs::write(
        cases.join("100/old.yaml"),
        stray.replace("100.deactivatePolicy.204", "100.old"),
    )
    .expect("stray");

    let report = extract::check(Origin::Docs(&docs), &cases, &errata_path).expect("check");
    assert!(!report.is_clean());
    assert_eq!(report.added, ["102.suspendDevice.204"]);
    assert_eq!(report.removed, ["100.old"]);
    assert_eq!(report.changed.len(), 1);
    assert_eq!(report.changed[0].id, "100.createPolicy.200.activate");
    assert!(
        report.changed[0]
            .fields
            .contains(&"/request/body/name".to_string()),
        "{report}"
    );
    let shown = report.to_string();
    assert!(
        shown.contains("+ 102.suspendDevice.204") && shown.contains("- 100.old"),
        "{shown}"
    );

    let fixed = extract::write(Origin::Docs(&docs), &cases, &errata_path).expect("write");
    assert_eq!(fixed.removed, [PathBuf::from("100/old.yaml")]);
    assert!(
        extract::check(Origin::Docs(&docs), &cases, &errata_path)
            .expect("check")
            .is_clean()
    );
}

#[test]
fn loading_reports_duplicate_ids() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let docs = fixture_dir("fenced").join("docs");
    extract::write(
        Origin::Docs(&docs),
        tmp.path(),
        &fixture_dir("fenced").join("errata.yaml"),
    )
    .expect("write");
    let one = tmp.path().join("102/Device.device-example.yaml");
    fs::copy(&one, tmp.path().join("102/copy.yaml")).expect("copy");
    let err = corpus::load_corpus(tmp.path()).expect_err("duplicate");
    assert!(
        matches!(err, corpus::CorpusError::DuplicateId { .. }),
        "{err}"
    );
}
