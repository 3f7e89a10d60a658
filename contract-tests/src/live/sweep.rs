//! `okta-contract sweep`: removes what earlier runs left behind, found by name.
//!
//! Every policy of every listable type whose name starts with the prefix is deleted (its rules
//! and mappings go with it); in every other policy — the org's own ones included — every rule
//! whose name starts with the prefix is deactivated and deleted. Nothing else is touched.

use futures::TryStreamExt as _;
use okta_mgmt::Client;
use okta_mgmt::error::Error;
use okta_mgmt::types::{Policy, PolicyType};

use super::{NAME_PREFIX, NamingError, delete_policy, delete_rule};

/// Policy types Okta documents that the client has no named variant for (it lists them
/// through `PolicyType::Other`).
const EXTRA_POLICY_TYPES: [&str; 3] = [
    "SESSION_VIOLATION_DETECTION",
    "CLIENT_UPDATE",
    "IDENTITY_CLAIM_SOURCING",
];

/// Every policy type `sweep` lists: the client's known types plus the documented ones it has
/// no variant for.
pub fn sweep_policy_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = PolicyType::KNOWN.to_vec();
    for t in EXTRA_POLICY_TYPES {
        if !types.contains(&t) {
            types.push(t);
        }
    }
    types
}

/// Checks a sweep prefix: it must start with [`NAME_PREFIX`].
pub fn check_sweep_prefix(prefix: &str) -> Result<(), NamingError> {
    if prefix.starts_with(NAME_PREFIX) {
        Ok(())
    } else {
        Err(NamingError::UnsafePrefix(prefix.to_owned()))
    }
}

/// One object found (and deleted, unless dry run) by [`sweep`].
#[derive(Debug, Clone, PartialEq)]
pub struct SweepItem {
    /// Policy type (of the policy, or of the policy holding the rule).
    pub policy_type: String,
    /// The policy holding the rule; `None` for a policy.
    pub policy_id: Option<String>,
    /// Object id.
    pub id: String,
    /// Object name.
    pub name: String,
    /// `deleted`, `already gone`, `would delete` (dry run) or `failed`.
    pub action: String,
    /// Error details.
    pub detail: Option<String>,
}

impl SweepItem {
    /// `policy` or `rule`.
    pub fn kind(&self) -> &'static str {
        if self.policy_id.is_some() {
            "rule"
        } else {
            "policy"
        }
    }
}

/// Result of [`sweep`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepReport {
    /// Matching objects and what happened to them.
    pub items: Vec<SweepItem>,
    /// Policy types the org refused to list with a 400 (types it does not have), with the error.
    pub unlisted_types: Vec<(String, String)>,
    /// Listings that failed otherwise (auth, transport, …): what, and the error.
    pub failed_types: Vec<(String, String)>,
}

impl SweepReport {
    /// Whether every matching object is gone (or would be, for a dry run).
    pub fn ok(&self) -> bool {
        self.failed_types.is_empty() && self.items.iter().all(|i| i.action != "failed")
    }

    /// Objects deleted (or that would be, for a dry run).
    pub fn removed(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.action == "deleted" || i.action == "would delete")
            .count()
    }
}

/// Deletes (or, with `dry_run`, lists) every policy named `prefix…` and every rule named
/// `prefix…` in the other policies. Types the org refuses to list with a 400 are noted; other
/// listing errors make the sweep fail.
pub async fn sweep(
    client: &Client,
    prefix: &str,
    dry_run: bool,
) -> Result<SweepReport, NamingError> {
    check_sweep_prefix(prefix)?;
    let mut report = SweepReport::default();
    for type_name in sweep_policy_types() {
        let Some(policies) = list_type(client, type_name, &mut report).await else {
            continue;
        };
        for policy in policies {
            let (Some(id), Some(name)) = (policy.id(), policy.name()) else {
                continue;
            };
            if report.items.iter().any(|i| i.id == id) {
                continue;
            }
            if name.starts_with(prefix) {
                let outcome = if dry_run {
                    Ok("would delete")
                } else {
                    delete_policy(client, id, policy.status()).await
                };
                report.items.push(item(type_name, None, id, name, outcome));
            } else {
                sweep_rules(client, type_name, id, prefix, dry_run, &mut report).await;
            }
        }
    }
    Ok(report)
}

/// The policies of one type; `None` (noted in the report) when they cannot be listed.
async fn list_type(
    client: &Client,
    type_name: &str,
    report: &mut SweepReport,
) -> Option<Vec<Policy>> {
    // Legacy `Okta:*` aliases name the same policies as their modern types on real orgs;
    // listing them as well is harmless (an object already handled is skipped).
    let listed: Result<Vec<Policy>, Error> = client
        .list_policies()
        .type_(PolicyType::from(type_name))
        .items()
        .try_collect()
        .await;
    match listed {
        Ok(policies) => Some(policies),
        Err(e) if e.status().map(|s| s.as_u16()) == Some(400) => {
            report
                .unlisted_types
                .push((type_name.to_owned(), e.to_string()));
            None
        }
        Err(e) => {
            report
                .failed_types
                .push((type_name.to_owned(), e.to_string()));
            None
        }
    }
}

/// Deletes the rules named `prefix…` of a policy the run does not own.
async fn sweep_rules(
    client: &Client,
    type_name: &str,
    policy_id: &str,
    prefix: &str,
    dry_run: bool,
    report: &mut SweepReport,
) {
    let rules = match client.list_policy_rules().policy_id(policy_id).call().await {
        Ok(rules) => rules,
        Err(e) => {
            report
                .failed_types
                .push((format!("rules of policy {policy_id}"), e.to_string()));
            return;
        }
    };
    for rule in rules {
        let (Some(id), Some(name)) = (rule.id(), rule.name()) else {
            continue;
        };
        if !name.starts_with(prefix) || report.items.iter().any(|i| i.id == id) {
            continue;
        }
        let outcome = if dry_run {
            Ok("would delete")
        } else {
            delete_rule(client, policy_id, id).await
        };
        report
            .items
            .push(item(type_name, Some(policy_id), id, name, outcome));
    }
}

fn item(
    policy_type: &str,
    policy_id: Option<&str>,
    id: &str,
    name: &str,
    outcome: Result<&'static str, String>,
) -> SweepItem {
    let (action, detail) = match outcome {
        Ok(action) => (action, None),
        Err(e) => ("failed", Some(e)),
    };
    SweepItem {
        policy_type: policy_type.to_owned(),
        policy_id: policy_id.map(str::to_owned),
        id: id.to_owned(),
        name: name.to_owned(),
        action: action.to_owned(),
        detail,
    }
}
