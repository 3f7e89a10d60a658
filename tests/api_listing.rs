//! The public API generated from the spec, as a committed listing (`api/generated.txt`).
//!
//! A spec edit that adds, removes or changes a generated type, field, variant or method changes
//! the listing build.rs writes; this test fails until the committed file is updated, so the API
//! change is part of the reviewed diff. Update with:
//! `UPDATE_API_LISTING=1 cargo test -p okta-mgmt --test api_listing`.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/api.txt"));
const COMMITTED: &str = "api/generated.txt";

#[test]
fn the_generated_api_matches_the_committed_listing() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    if std::env::var_os("UPDATE_API_LISTING").is_some() {
        std::fs::write(&path, GENERATED).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == GENERATED {
        return;
    }
    let old: std::collections::BTreeSet<&str> = committed.lines().collect();
    let new: std::collections::BTreeSet<&str> = GENERATED.lines().collect();
    let removed: Vec<&&str> = old.difference(&new).collect();
    let added: Vec<&&str> = new.difference(&old).collect();
    panic!(
        "the generated public API differs from {COMMITTED} ({} removed, {} added):\n{}{}\n\
         Review the change, then run: UPDATE_API_LISTING=1 cargo test -p okta-mgmt --test api_listing",
        removed.len(),
        added.len(),
        removed
            .iter()
            .map(|l| format!("- {l}\n"))
            .collect::<String>(),
        added.iter().map(|l| format!("+ {l}\n")).collect::<String>(),
    );
}

#[test]
fn the_listing_names_the_unions_and_operations() {
    for line in [
        "enum types::Policy::IdpDiscovery(Box<Lossless<types::IdpDiscoveryPolicy>>)",
        "enum types::PolicyRule::SignOn(Box<Lossless<types::OktaSignOnPolicyRule>>)",
        "fn Client::list_device_users(&self) -> builder::ListDeviceUsers<'_>",
    ] {
        assert!(GENERATED.lines().any(|l| l == line), "missing: {line}");
    }
}
