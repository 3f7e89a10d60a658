//! Replays every documented example of the corpus against httpmock with the generated client
//! (one test per case file), plus the whole corpus through `replay_all` (the API behind
//! `okta-contract check --target mock`) and negative cases proving the checks bite.

use std::path::PathBuf;
use std::time::Instant;

use okta_contract::corpus::{self, Case, load_case};
use okta_contract::replay::{CaseKind, CaseOutcome, replay_all, replay_case};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[tokio::test]
async fn replay(
    #[files("cases/**/*.yaml")]
    #[exclude(r"(^|/)_[^/]*\.yaml$")]
    path: PathBuf,
) {
    let case = load_case(&path).unwrap_or_else(|e| panic!("{e}"));
    let outcome = replay_case(&case).await;
    print!("{}", outcome.render());
    assert!(outcome.passed, "\n{}", outcome.render());
    // Whatever could not be replayed in full is said so, never passed silently.
    if !matches!(outcome.kind, CaseKind::Exchange | CaseKind::Schema) {
        assert!(
            !outcome.notes.is_empty(),
            "{}: no note for a {:?} case",
            case.id,
            outcome.kind
        );
    }
    assert_ne!(outcome.kind, CaseKind::Empty, "{}", case.id);
}

#[tokio::test]
async fn the_whole_corpus_replays_in_a_few_seconds() {
    let cases = corpus::load_corpus(&corpus::default_cases_dir()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!cases.is_empty(), "the corpus is empty");
    let start = Instant::now();
    let outcomes = replay_all(&cases).await;
    let elapsed = start.elapsed();

    assert_eq!(outcomes.len(), cases.len());
    let mut by_kind = std::collections::BTreeMap::<&str, usize>::new();
    for o in &outcomes {
        *by_kind.entry(o.kind.as_str()).or_default() += 1;
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let drift: usize = outcomes.iter().map(|o| o.drift.len()).sum();
    println!(
        "replayed {} cases in {:.2?}: {passed} passed, {} failed, {drift} drift warnings; by kind: {by_kind:?}",
        outcomes.len(),
        elapsed,
        outcomes.len() - passed
    );
    for o in outcomes.iter().filter(|o| !o.drift.is_empty() || !o.passed) {
        print!("{}", o.render());
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| o.render())
        .collect();
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
    assert!(elapsed.as_secs() < 20, "replay took {elapsed:?}");
    for (o, c) in outcomes.iter().zip(&cases) {
        assert_eq!(o.id, c.id, "outcomes keep the corpus order");
        if c.request.is_some() {
            assert!(o.curl.starts_with("curl -i -X "), "{}", o.curl);
            assert!(!o.curl.contains(okta_contract::replay::REPLAY_TOKEN));
        }
    }
}

fn case_from(value: serde_json::Value) -> Case {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
}

fn get_policy_case(path: &str, status: u16, body: serde_json::Value) -> Case {
    case_from(json!({
        "id": "neg.getPolicy", "doc": "neg.txt", "section": "negative", "operation": "getPolicy",
        "schema": null,
        "request": {"method": "GET", "path": path, "path_params": {"policyId": "rst1"},
                    "query": {}, "auth": "ssws", "headers": [], "body": null, "source": "derived"},
        "response": {"status": status, "status_source": "block", "headers": [], "body": body},
        "variables": {}, "errata": [], "blocks": []
    }))
}

fn password_policy() -> serde_json::Value {
    json!({"id": "rst1", "type": "PASSWORD", "name": "p", "status": "ACTIVE",
           "settings": {"password": {"complexity": {"minLength": 8}}}})
}

#[tokio::test]
async fn a_documented_exchange_passes() {
    let outcome = replay_case(&get_policy_case(
        "/api/v1/policies/{policyId}",
        200,
        password_policy(),
    ))
    .await;
    assert!(outcome.passed, "{}", outcome.render());
    assert_eq!(
        outcome.curl,
        "curl -i -X GET \"${OKTA_ORG_URL}/api/v1/policies/rst1\" -H \"Accept: application/json\" -H \"Authorization: SSWS ${OKTA_API_TOKEN}\""
    );
}

#[tokio::test]
async fn a_request_the_client_does_not_send_fails_with_the_request_it_sent() {
    let case = get_policy_case("/api/v1/policies/{policyId}/other", 200, password_policy());
    let outcome = replay_case(&case).await;
    assert!(!outcome.passed);
    let text = outcome.failures.join("\n");
    assert!(text.contains("matched 0 time(s)"), "{text}");
    assert!(
        text.contains(
            "path: expected /api/v1/policies/rst1/other but the client sent /api/v1/policies/rst1"
        ),
        "{text}"
    );
    assert!(text.contains("SSWS <replay token>"), "{text}");
}

#[tokio::test]
async fn a_known_type_that_does_not_fit_its_variant_fails() {
    let mut body = password_policy();
    body["name"] = json!(5);
    let outcome = replay_case(&get_policy_case("/api/v1/policies/{policyId}", 200, body)).await;
    assert!(!outcome.passed);
    let text = outcome.failures.join("\n");
    assert!(
        text.contains("a PASSWORD policy must decode as Policy::Password, got Policy::Other"),
        "{text}"
    );
}

#[tokio::test]
async fn an_undeclared_status_fails() {
    let outcome = replay_case(&get_policy_case(
        "/api/v1/policies/{policyId}",
        418,
        json!({"errorCode": "E0000000"}),
    ))
    .await;
    assert!(!outcome.passed);
    let text = outcome.failures.join("\n");
    assert!(text.contains("unexpected response (status 418)"), "{text}");
    assert!(
        text.contains("status 418 is not declared for getPolicy"),
        "{text}"
    );
}

#[tokio::test]
async fn an_error_body_decodes_into_the_typed_okta_error() {
    let body = json!({"errorCode": "E0000007", "errorSummary": "Not found: Resource not found: rst1 (Policy)",
                      "errorLink": "E0000007", "errorId": "oae1", "errorCauses": []});
    let outcome = replay_case(&get_policy_case("/api/v1/policies/{policyId}", 404, body)).await;
    assert!(outcome.passed, "{}", outcome.render());
}

#[tokio::test]
async fn unknown_fields_and_enum_values_are_drift_not_failures() {
    let mut body = password_policy();
    body["futureField"] = json!(true);
    body["status"] = json!("ARCHIVED");
    let outcome = replay_case(&get_policy_case("/api/v1/policies/{policyId}", 200, body)).await;
    assert!(outcome.passed, "{}", outcome.render());
    let drift: Vec<String> = outcome.drift.iter().map(|d| d.to_string()).collect();
    assert!(
        drift
            .iter()
            .any(|d| d.contains("/futureField [undeclared-field]")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|d| d.contains("/status [unknown-enum-value]")),
        "{drift:?}"
    );
}

#[tokio::test]
async fn a_schema_name_without_a_rust_type_fails() {
    let case = case_from(json!({
        "id": "neg.schema", "doc": "neg.txt", "section": "negative", "operation": null,
        "schema": "NoSuchSchema", "example": {"a": 1},
        "variables": {}, "errata": [], "blocks": []
    }));
    let outcome = replay_case(&case).await;
    assert!(!outcome.passed);
    assert_eq!(outcome.kind, CaseKind::Schema);
    assert!(
        outcome
            .failures
            .join("\n")
            .contains("NoSuchSchema maps to no Rust type")
    );
}

/// Replays `case`: it passes as a `kind` case, with a note that says `note`.
async fn passes_as(case: &Case, kind: CaseKind, note: &str) -> CaseOutcome {
    let outcome = replay_case(case).await;
    assert!(outcome.passed, "{}", outcome.render());
    assert_eq!(outcome.kind, kind);
    assert!(
        outcome.notes.iter().any(|n| n.contains(note)),
        "{:?}",
        outcome.notes
    );
    outcome
}

#[tokio::test]
async fn an_out_of_spec_endpoint_is_replayed_through_the_raw_client_and_said_so() {
    let body = json!([{"created": "2019-10-02T18:03:07.000Z", "managementStatus": "NOT_MANAGED",
                       "user": {"id": "00u1", "status": "ACTIVE"}}]);
    let case = case_from(json!({
        "id": "neg.listDeviceUsers.200", "doc": "neg.txt", "section": "negative", "operation": null,
        "schema": null, "reason": "GET /api/v1/devices/{deviceId}/users is outside the 25 operations of the spec",
        "request": {"method": "GET", "path": "/api/v1/devices/{deviceId}/users",
                    "path_params": {"deviceId": "guo1"}, "query": {"limit": "5"}, "auth": "bearer",
                    "headers": [], "body": null, "source": "block"},
        "response": {"status": 200, "status_source": "block", "headers": [], "body": body},
        "variables": {}, "errata": [], "blocks": []
    }));
    let outcome = passes_as(&case, CaseKind::OutOfSpec, "out-of-spec endpoint").await;
    assert!(
        outcome.curl.contains("/api/v1/devices/guo1/users?limit=5")
            && outcome.curl.contains("Bearer ${OKTA_ACCESS_TOKEN}"),
        "{}",
        outcome.curl
    );
}

#[tokio::test]
async fn a_request_only_case_checks_the_request_and_says_the_reply_was_not_checked() {
    let case = case_from(json!({
        "id": "neg.mapResourceToPolicy.request", "doc": "neg.txt", "section": "negative",
        "operation": "mapResourceToPolicy", "schema": null,
        "request": {"method": "POST", "path": "/api/v1/policies/{policyId}/mappings",
                    "path_params": {"policyId": "rst1"}, "query": {}, "auth": "ssws",
                    "headers": [], "body": {"resourceType": "ACCESS_POLICY", "resourceId": "${AuthenticationPolicyId}"},
                    "source": "block"},
        "variables": {"AuthenticationPolicyId": "rst2"}, "errata": [], "blocks": []
    }));
    let outcome = passes_as(&case, CaseKind::RequestOnly, "only the request was checked").await;
    assert!(
        outcome.curl.contains(r#""resourceId":"rst2""#),
        "{}",
        outcome.curl
    );
}
