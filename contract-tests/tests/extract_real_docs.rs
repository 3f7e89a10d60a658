//! The committed corpus is exactly the extractor's output for `../shared/docs`.
//!
//! Skipped (with a note) when the documents are not next to the repository. To regenerate the
//! corpus without the CLI: `OKTA_CONTRACT_WRITE=1 cargo test -p okta-contract --test extract_real_docs`.

use okta_contract::corpus::{default_cases_dir, default_docs_dir, default_errata_path};
use okta_contract::extract::{self, Origin};

#[test]
fn committed_corpus_matches_the_documents() {
    let docs = default_docs_dir();
    if !docs.is_dir() {
        println!(
            "note: {} is absent; real-document check skipped",
            docs.display()
        );
        return;
    }
    if std::env::var_os("OKTA_CONTRACT_WRITE").is_some() {
        let report = extract::write(
            Origin::Docs(&docs),
            &default_cases_dir(),
            &default_errata_path(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        println!("{report}");
        return;
    }
    let report = extract::run_check(&docs).unwrap_or_else(|e| panic!("{e}"));
    println!("{report}");
    assert!(report.is_clean(), "{report}");
}
