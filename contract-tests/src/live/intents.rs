//! Creates recorded before they are sent ([`Intent`]), and the search that removes what an
//! interrupted create left behind.

use futures::TryStreamExt as _;
use okta_mgmt::Client;
use okta_mgmt::types::{Policy, PolicyType};
use serde_json::Value;

use super::{delete_policy, delete_rule};
use crate::report::CleanupRecord;

/// A create the run is about to send: what kind of object, where, and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// `POST /api/v1/policies`.
    Policy {
        /// The policy type from the request body.
        type_name: String,
        /// The name from the request body.
        name: String,
    },
    /// `POST /api/v1/policies/{policyId}/rules`.
    Rule {
        /// The policy the rule goes into.
        policy_id: String,
        /// The name from the request body.
        name: String,
    },
}

impl Intent {
    /// The intent of a request, if it creates a named policy or rule.
    pub fn of_request(method: &str, path: &str, body: Option<&[u8]>) -> Option<Intent> {
        if method != "POST" {
            return None;
        }
        let body: Value = serde_json::from_slice(body?).ok()?;
        let name = body.get("name")?.as_str()?.to_owned();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["api", "v1", "policies"] => Some(Intent::Policy {
                type_name: body.get("type")?.as_str()?.to_owned(),
                name,
            }),
            ["api", "v1", "policies", policy_id, "rules"] => Some(Intent::Rule {
                policy_id: (*policy_id).to_owned(),
                name,
            }),
            _ => None,
        }
    }

    /// Finds the object by name and deletes it if it exists and its name carries `prefix`.
    /// Nothing found (the usual case: the tracker or the scenario removed it) records nothing.
    pub async fn remove_leftover(&self, client: &Client, prefix: &str) -> Option<CleanupRecord> {
        let (name, found) = match self {
            Intent::Policy { type_name, name } => {
                let policies: Vec<Policy> = client
                    .list_policies()
                    .type_(PolicyType::from(type_name.as_str()))
                    .items()
                    .try_collect()
                    .await
                    .ok()?;
                let policy = policies.into_iter().find(|p| p.name() == Some(name))?;
                let id = policy.id()?.to_owned();
                (name, Found::Policy(id, policy.status()))
            }
            Intent::Rule { policy_id, name } => {
                let rules = client
                    .list_policy_rules()
                    .policy_id(policy_id)
                    .call()
                    .await
                    .ok()?;
                let rule = rules.into_iter().find(|r| r.name() == Some(name))?;
                (name, Found::Rule(policy_id.clone(), rule.id()?.to_owned()))
            }
        };
        if !name.starts_with(prefix) {
            return None;
        }
        let (object, outcome) = match found {
            Found::Policy(id, status) => (
                format!("policy {id} ({name}, found by name)"),
                delete_policy(client, &id, status).await,
            ),
            Found::Rule(policy_id, id) => (
                format!("rule {id} of policy {policy_id} ({name}, found by name)"),
                delete_rule(client, &policy_id, &id).await,
            ),
        };
        let (action, detail) = match outcome {
            Ok(action) => (action.to_owned(), None),
            Err(e) => ("failed".to_owned(), Some(e)),
        };
        Some(CleanupRecord {
            object,
            action,
            detail,
        })
    }
}

enum Found {
    Policy(String, Option<okta_mgmt::types::LifecycleStatus>),
    Rule(String, String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_of_named_policies_and_rules_are_intents() {
        let body = br#"{"name":"okta-contract-r1-x","type":"PASSWORD"}"#;
        assert_eq!(
            Intent::of_request("POST", "/api/v1/policies", Some(body)),
            Some(Intent::Policy {
                type_name: "PASSWORD".into(),
                name: "okta-contract-r1-x".into()
            })
        );
        assert_eq!(
            Intent::of_request("POST", "/api/v1/policies/00p1/rules", Some(body)),
            Some(Intent::Rule {
                policy_id: "00p1".into(),
                name: "okta-contract-r1-x".into()
            })
        );
        assert_eq!(
            Intent::of_request("PUT", "/api/v1/policies", Some(body)),
            None
        );
        assert_eq!(
            Intent::of_request("POST", "/api/v1/policies/00p1/lifecycle/activate", None),
            None
        );
    }
}
