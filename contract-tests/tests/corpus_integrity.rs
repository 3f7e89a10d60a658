//! Provenance and accounting of the corpus: one test per case file, plus whole-corpus checks.
//! Checks against the documents themselves run only when `../shared/docs` is present.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use okta_contract::corpus::{self, Case, Manifest, Target};
use okta_contract::extract::{Doc, parse_curl, parse_json_block, split_response};
use okta_contract::replay::OPERATIONS;
use pretty_assertions::assert_eq;
use rstest::rstest;
use serde_json::{Value, json};

static MANIFEST: LazyLock<Manifest> =
    LazyLock::new(|| corpus::load_manifest(&corpus::default_cases_dir()).expect("manifest loads"));
static CORPUS: LazyLock<Vec<Case>> =
    LazyLock::new(|| corpus::load_corpus(&corpus::default_cases_dir()).expect("corpus loads"));
static ERRATA: LazyLock<corpus::Errata> =
    LazyLock::new(|| corpus::load_errata(&corpus::default_errata_path()).expect("errata loads"));

fn docs_dir() -> Option<PathBuf> {
    let d = corpus::default_docs_dir();
    if d.is_dir() {
        Some(d)
    } else {
        println!("note: {} is absent; document checks skipped", d.display());
        None
    }
}

fn load_doc(dir: &Path, name: &str) -> Doc {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    Doc::parse(name, &text).expect("document scans")
}

/// The block's text in the document with its errata patches applied.
fn doc_block_text(doc: &Doc, lines: &str) -> String {
    let block = doc
        .blocks
        .iter()
        .find(|b| b.lines() == lines)
        .unwrap_or_else(|| panic!("no block {lines}"));
    let mut text = block.content.clone();
    let mut list: Vec<_> = ERRATA
        .errata
        .iter()
        .filter(|e| e.target == Target::Block && e.doc == doc.name && e.lines == lines)
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    for e in list {
        for p in e.patches() {
            text = text.replacen(p.says.as_str(), &p.uses, 1);
        }
    }
    text
}

/// JSON of a block's text (request `-d` body, response body, or example), if it has one.
fn block_json(kind: &str, text: &str) -> Option<Value> {
    match kind {
        "http" | "plain-response" | "plain-http" => split_response(text)
            .ok()?
            .body
            .map(|b| parse_json_block(&b).expect("body parses").value),
        "bash" | "sh" | "curl" | "plain-curl" => parse_curl(text)
            .ok()?
            .data
            .map(|d| serde_json::from_str(&d).expect("-d parses")),
        "prose-status" => None,
        _ => Some(parse_json_block(text).expect("JSON parses").value),
    }
}

fn json_of_role<'a>(c: &'a Case, role: &str) -> Option<&'a Value> {
    match role {
        "request" => c.request.as_ref().and_then(|r| r.body.as_ref()),
        "response" => c.response.as_ref().and_then(|r| r.body.as_ref()),
        _ => c.example.as_ref(),
    }
}

#[rstest]
fn case_provenance(
    #[files("cases/**/*.yaml")]
    #[exclude(r"/_[^/]*\.yaml$")]
    path: PathBuf,
) {
    let text = std::fs::read_to_string(&path).expect("readable");
    let case = corpus::load_case(&path).expect("valid case file");
    let cases_dir = corpus::default_cases_dir();

    // Stored exactly as the extractor renders it, under the path its id gives.
    assert_eq!(
        corpus::to_yaml(&case).expect("renders"),
        text,
        "not the extractor's rendering"
    );
    assert_eq!(
        path.strip_prefix(&cases_dir).expect("under cases/"),
        case.relative_path()
    );
    assert!(case.id.starts_with(&format!("{}.", case.doc_number())));

    // What it is: an operation, a schema, or an out-of-spec endpoint with a reason.
    match (&case.operation, &case.schema) {
        (Some(op), None) => assert!(OPERATIONS.contains(&op.as_str()), "unknown operation {op}"),
        (None, Some(schema)) => {
            assert!(!schema.is_empty());
            assert!(case.example.is_some() && case.request.is_none() && case.response.is_none());
        }
        (None, None) => assert!(
            case.reason.as_deref().is_some_and(|r| !r.is_empty()),
            "null operation needs a reason"
        ),
        (Some(_), Some(_)) => panic!("both operation and schema"),
    }
    if let Some(r) = &case.request {
        let params: BTreeSet<&str> = r
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(
            params,
            r.path_params
                .keys()
                .map(String::as_str)
                .collect::<BTreeSet<_>>()
        );
    }

    // Errata recorded exist; blocks are in the manifest under this case.
    for id in &case.errata {
        assert!(ERRATA.get(id).is_some(), "unknown erratum {id}");
    }
    if let Some(corpus::CaseSource::Upstream {
        file,
        operation,
        examples,
        ..
    }) = &case.source
    {
        // A published-spec example: provenance is the file, the operation and the names.
        assert_eq!(&case.doc, file);
        assert_eq!(case.operation.as_ref(), Some(operation));
        assert!(!examples.is_empty() && case.blocks.is_empty());
        assert_eq!(
            examples.iter().any(|x| x.raw.is_some()),
            !case.errata.is_empty(),
            "raw examples are kept exactly when errata patched them"
        );
        return;
    }
    assert!(!case.blocks.is_empty());
    let entry = MANIFEST
        .docs
        .iter()
        .find(|d| d.doc == case.doc)
        .expect("doc in manifest");
    for b in &case.blocks {
        let m = entry
            .blocks
            .iter()
            .find(|m| m.lines == b.lines)
            .expect("block in manifest");
        assert!(
            m.cases.contains(&case.id),
            "manifest block {} lacks {}",
            b.lines,
            case.id
        );
        assert_eq!(m.kind, b.kind);
    }

    // Values survive YAML exactly.
    let reparsed: Case =
        serde_yaml_ng::from_str(&corpus::to_yaml(&case).expect("renders")).expect("reparses");
    assert_eq!(reparsed, case);

    // Without the documents: patched raw text still yields the stored body.
    for b in case.blocks.iter().filter(|b| b.raw.is_some()) {
        let mut text = b.raw.clone().unwrap_or_default();
        let mut list: Vec<_> = ERRATA
            .errata
            .iter()
            .filter(|e| e.target == Target::Block && e.doc == case.doc && e.lines == b.lines)
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        for e in list {
            for p in e.patches() {
                text = text.replacen(p.says.as_str(), &p.uses, 1);
            }
        }
        if let Some(v) = block_json(&b.kind, &text) {
            assert_eq!(json_of_role(&case, &b.role), Some(&v));
        }
    }

    // With the documents: provenance is verbatim and bodies equal the documents' JSON.
    let Some(dir) = docs_dir() else { return };
    let doc = load_doc(&dir, &case.doc);
    assert_heading(&doc, &case.section, &case.doc);
    assert!(doc.lines.iter().any(|l| l.contains(case.section.as_str())));
    for b in &case.blocks {
        let text = doc_block_text(&doc, &b.lines);
        if let Some(raw) = &b.raw {
            let block = doc
                .blocks
                .iter()
                .find(|x| x.lines() == b.lines)
                .expect("block");
            assert_eq!(
                raw, &block.content,
                "raw text of {} differs from the document",
                b.lines
            );
        }
        if let Some(v) = block_json(&b.kind, &text) {
            assert_eq!(
                json_of_role(&case, &b.role),
                Some(&v),
                "body of {} differs from the document",
                b.lines
            );
        }
    }
}

#[test]
fn every_block_is_accounted_for() {
    let ids: BTreeSet<&str> = CORPUS.iter().map(|c| c.id.as_str()).collect();
    let mut total = 0;
    for d in &MANIFEST.docs {
        assert_eq!(d.block_count, d.blocks.len(), "{}", d.doc);
        assert_eq!(
            d.case_count,
            CORPUS.iter().filter(|c| c.doc == d.doc).count(),
            "{}",
            d.doc
        );
        for b in &d.blocks {
            assert!(
                !b.cases.is_empty() || b.non_example.is_some(),
                "{} lines {} is neither a case nor a listed non-example",
                d.doc,
                b.lines
            );
            for id in &b.cases {
                assert!(
                    ids.contains(id.as_str()),
                    "manifest names unknown case {id}"
                );
            }
        }
        total += d.blocks.len();
    }
    assert!(total > 0);
    println!(
        "{} documents, {total} blocks, {} cases",
        MANIFEST.docs.len(),
        CORPUS.len()
    );
}

/// `section` is verbatim a heading of `doc` (`context` names what says so).
fn assert_heading(doc: &Doc, section: &str, context: &str) {
    assert!(
        doc.headings.iter().any(|h| h.text == section),
        "{context}: no heading {section:?}"
    );
}

#[test]
fn manifest_lists_every_block_of_the_documents() {
    let Some(dir) = docs_dir() else { return };
    for d in &MANIFEST.docs {
        let doc = load_doc(&dir, &d.doc);
        let scanned: Vec<String> = doc.blocks.iter().map(|b| b.lines()).collect();
        let listed: Vec<String> = d.blocks.iter().map(|b| b.lines.clone()).collect();
        assert_eq!(scanned, listed, "{}", d.doc);
    }
}

#[test]
fn errata_sections_are_verbatim_headings() {
    let Some(dir) = docs_dir() else { return };
    for e in ERRATA.errata.iter().filter(|e| e.target != Target::Example) {
        let doc = load_doc(&dir, &e.doc);
        assert_heading(&doc, &e.section, &e.id);
    }
    for m in &ERRATA.missing_examples {
        let doc = load_doc(&dir, &m.doc);
        let h = doc
            .headings
            .iter()
            .find(|h| h.line == m.line)
            .expect("heading at line");
        assert_eq!(h.text, m.section);
        let next = doc
            .headings
            .iter()
            .find(|x| x.line > m.line)
            .map(|x| x.line)
            .unwrap_or(doc.lines.len() + 1);
        assert!(
            doc.text(m.line + 1, next - 1).trim().is_empty(),
            "{} has content",
            m.section
        );
    }
}

#[rstest]
#[case::quoted_number(json!({"priority": "1"}))]
#[case::number(json!({"priority": 1, "neg": -1, "float": 1.5, "zero": 0}))]
#[case::quoted_bools(json!(["true", "false", "yes", "no", "on", "off", "y", "n"]))]
#[case::bools_null(json!({"a": true, "b": false, "c": null, "d": "null", "e": "~", "f": ""}))]
#[case::number_like(json!(["1FA", "2FA", "10.0.18362", "00123", "0x1F", "1e3", ".5", "+1", "PT0S"]))]
#[case::dates(json!(["2019-10-02T18:03:07.000Z", "2019-10-02", "12:30"]))]
#[case::yaml_syntax(json!(["a: b", "#x", "- y", "[z]", "{w}", " lead", "trail ", "multi\nline", "${api_token}", "{yourOktaDomain}"]))]
#[case::empty(json!({"password": {}, "list": [], "nested": [[], {}]}))]
fn json_values_round_trip_through_yaml(#[case] value: Value) {
    let text = corpus::to_yaml(&value).expect("renders");
    let back: Value = serde_yaml_ng::from_str(&text).expect("reparses");
    assert_eq!(back, value, "YAML was:\n{text}");
}
