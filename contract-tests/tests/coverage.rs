//! The coverage matrix (spec operation × documented status × case ids): printed, written to
//! `target/contract-coverage.md` and `.json`, and held to its floor: every spec operation has a
//! case, every case maps to an operation or a schema, the replay dispatches every operation.

use std::collections::BTreeSet;

use okta_contract::corpus::{self, Case};
use okta_contract::replay::OPERATIONS;
use okta_contract::schema_check::coverage::{self, target_dir};
use okta_contract::schema_check::{CoverageMatrix, coverage_matrix, spec};

fn corpus() -> Vec<Case> {
    corpus::load_corpus(&corpus::default_cases_dir()).unwrap_or_else(|e| panic!("{e}"))
}

fn matrix() -> CoverageMatrix {
    coverage_matrix(&corpus()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_matrix_is_printed_and_written_to_target() {
    let m = matrix();
    let md = m.to_markdown();
    println!("{md}");
    let (md_path, json_path) = m
        .write_to(&target_dir())
        .unwrap_or_else(|e| panic!("cannot write the coverage files: {e}"));
    println!("written: {} and {}", md_path.display(), json_path.display());
    assert_eq!(
        std::fs::read_to_string(&md_path).unwrap_or_default(),
        md,
        "markdown file"
    );
    let back: CoverageMatrix =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap_or_default())
            .unwrap_or_else(|e| panic!("the JSON file does not read back: {e}"));
    assert_eq!(back, m);
    assert!(
        md.contains("| listPolicies | `GET /api/v1/policies` | 200 |"),
        "{md}"
    );
}

#[test]
fn every_spec_operation_has_a_case() {
    let m = matrix();
    assert_eq!(m.operations.len(), 30, "the spec has 30 operations");
    let uncovered = m.uncovered_operations();
    assert!(
        uncovered.is_empty(),
        "operations without a case: {uncovered:?}"
    );
    println!(
        "{} of {} declared operation × status pairs covered ({:.1}%); gaps: {:?}",
        m.covered,
        m.total,
        m.percent(),
        m.gaps()
    );
}

#[test]
fn every_case_maps_to_an_operation_or_a_schema() {
    let m = matrix();
    assert!(m.unmapped.is_empty(), "unmapped cases: {:?}", m.unmapped);
    let mapped: usize = m.operations.iter().map(|o| o.case_count()).sum::<usize>()
        + m.schemas.iter().map(|s| s.cases.len()).sum::<usize>()
        + m.out_of_spec.len();
    assert_eq!(mapped, m.case_count, "every case appears exactly once");
    for o in &m.out_of_spec {
        println!("out of spec: {} ({})", o.id, o.reason);
    }
}

#[test]
fn no_case_documents_a_status_the_spec_does_not_declare() {
    let m = matrix();
    let undeclared: Vec<String> = m
        .operations
        .iter()
        .flat_map(|o| {
            o.undeclared
                .iter()
                .map(move |s| format!("{} {}: {:?}", o.operation, s.status, s.cases))
        })
        .collect();
    assert!(undeclared.is_empty(), "{undeclared:?}");
}

#[test]
fn the_replay_dispatches_exactly_the_spec_operations() {
    let spec = spec().unwrap_or_else(|e| panic!("{e}"));
    let in_spec: BTreeSet<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
    let dispatched: BTreeSet<&str> = OPERATIONS.iter().copied().collect();
    assert_eq!(in_spec, dispatched);
}

#[test]
fn gaps_and_undeclared_statuses_are_counted_on_a_synthetic_corpus() {
    let spec = spec().unwrap_or_else(|e| panic!("{e}"));
    let case: Case = serde_json::from_value(serde_json::json!({
        "id": "x.getDevice.418", "doc": "x.txt", "section": "s", "operation": "getDevice",
        "schema": null,
        "request": {"method": "GET", "path": "/api/v1/devices/{deviceId}",
                    "path_params": {"deviceId": "d"}, "query": {}, "auth": "ssws",
                    "headers": [], "body": null, "source": "derived"},
        "response": {"status": 418, "status_source": "block", "headers": [], "body": null},
        "variables": {}, "errata": [], "blocks": []
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let m = coverage::matrix(spec, &[case]);
    assert_eq!(m.covered, 0);
    assert_eq!(m.uncovered_operations().len(), 29);
    let row = m.operations.iter().find(|o| o.operation == "getDevice");
    assert_eq!(row.map(|r| r.undeclared.len()), Some(1));
    assert_eq!(m.gaps().len(), m.total);
}
