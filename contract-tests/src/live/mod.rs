//! Live-mode safety: run ids and name prefixes, the tracker of created objects, cleanup and
//! `sweep`.
//!
//! Rules (they hold on the simulator too, so the simulator exercises them):
//! - everything a run creates is named `okta-contract-<run-id>-…` ([`RunNaming`]);
//! - a create is recorded as an [`Intent`] (kind, parent, name) before it is sent, and the
//!   object in the [`Tracker`] as soon as the create call returns, so a create interrupted
//!   between sending and decoding is still found and removed;
//! - [`Tracker::cleanup`] deletes what is still tracked in reverse creation order (deactivating
//!   first where needed), after each scenario and once more at the end of the run, also after a
//!   failure or Ctrl-C;
//! - before deleting a policy, cleanup reads it back and refuses if its name does not carry the
//!   run prefix: nothing the run did not create is ever modified or deleted;
//! - [`sweep`] deletes leftovers of earlier runs: policies whose name starts with the given
//!   prefix (which must itself start with [`NAME_PREFIX`]) and such rules in any other policy,
//!   the org's own included.

use std::sync::Mutex;

use okta_mgmt::Client;
use okta_mgmt::error::Error;
use okta_mgmt::types::LifecycleStatus;

use crate::report::CleanupRecord;

mod intents;
mod sweep;

pub use intents::Intent;
pub use sweep::{SweepItem, SweepReport, check_sweep_prefix, sweep, sweep_policy_types};

/// Every object created by `okta-contract` has a name starting with this.
pub const NAME_PREFIX: &str = "okta-contract-";

/// Why a run id or sweep prefix is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NamingError {
    /// The run id has characters other than `a-z`, `0-9` and `-`, or a bad length.
    #[error("invalid run id {0:?}: use 1-40 characters from a-z, 0-9 and '-'")]
    InvalidRunId(String),
    /// The sweep prefix does not start with [`NAME_PREFIX`].
    #[error(
        "refusing prefix {0:?}: it must start with \"okta-contract-\" so only objects created by okta-contract can match"
    )]
    UnsafePrefix(String),
}

/// The run id and the name prefix derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNaming {
    run_id: String,
}

impl RunNaming {
    /// Uses `run_id` (validated) or generates `YYYYMMDDhhmmss-xxxx`.
    pub fn new(run_id: Option<&str>) -> Result<Self, NamingError> {
        let run_id = match run_id {
            Some(id) => {
                let ok = !id.is_empty()
                    && id.len() <= 40
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok {
                    return Err(NamingError::InvalidRunId(id.to_owned()));
                }
                id.to_owned()
            }
            None => {
                let suffix: u16 = rand::random();
                format!("{}-{suffix:04x}", chrono::Utc::now().format("%Y%m%d%H%M%S"))
            }
        };
        Ok(Self { run_id })
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// `okta-contract-<run-id>-`.
    pub fn prefix(&self) -> String {
        format!("{NAME_PREFIX}{}-", self.run_id)
    }

    /// `okta-contract-<run-id>-<suffix>`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix())
    }
}

/// An object created by the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A policy (deleting it also deletes its rules and mappings).
    Policy {
        /// Policy id.
        id: String,
        /// The name it was created with.
        name: String,
    },
    /// A rule of a policy.
    Rule {
        /// Policy id.
        policy_id: String,
        /// Rule id.
        id: String,
    },
    /// A resource mapping of a policy.
    Mapping {
        /// Policy id.
        policy_id: String,
        /// Mapping id.
        id: String,
    },
}

impl Resource {
    /// Whether both name the same object (names are ignored: a policy may be renamed).
    pub fn same_object(&self, other: &Resource) -> bool {
        match (self, other) {
            (Resource::Policy { id: a, .. }, Resource::Policy { id: b, .. }) => a == b,
            (
                Resource::Rule {
                    policy_id: p,
                    id: a,
                },
                Resource::Rule {
                    policy_id: q,
                    id: b,
                },
            )
            | (
                Resource::Mapping {
                    policy_id: p,
                    id: a,
                },
                Resource::Mapping {
                    policy_id: q,
                    id: b,
                },
            ) => p == q && a == b,
            _ => false,
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::Policy { id, name } => write!(f, "policy {id} ({name})"),
            Resource::Rule { policy_id, id } => write!(f, "rule {id} of policy {policy_id}"),
            Resource::Mapping { policy_id, id } => write!(f, "mapping {id} of policy {policy_id}"),
        }
    }
}

#[derive(Debug)]
struct Tracked {
    resource: Resource,
    scenario: String,
    gone: bool,
}

/// Objects created by the run, in creation order. Thread-safe; share it with `Arc`.
#[derive(Debug, Default)]
pub struct Tracker {
    entries: Mutex<Vec<Tracked>>,
    intents: Mutex<Vec<(Intent, String)>>,
}

impl Tracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Tracked>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a create `scenario` is about to send (before it is sent).
    pub fn intend(&self, intent: Intent, scenario: &str) {
        self.intents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((intent, scenario.to_owned()));
    }

    /// Takes the recorded intents (of `scenario`, or all).
    fn take_intents(&self, scenario: Option<&str>) -> Vec<Intent> {
        let mut all = self.intents.lock().unwrap_or_else(|e| e.into_inner());
        let (taken, kept): (Vec<_>, Vec<_>) = all
            .drain(..)
            .partition(|(_, s)| scenario.is_none_or(|want| want == s));
        *all = kept;
        taken.into_iter().map(|(intent, _)| intent).collect()
    }

    /// Records an object created by `scenario`. Call it as soon as the create call returns.
    pub fn track(&self, resource: Resource, scenario: &str) {
        self.lock().push(Tracked {
            resource,
            scenario: scenario.to_owned(),
            gone: false,
        });
    }

    /// Marks an object as deleted by the scenario itself (cleanup skips it). Deleting a policy
    /// also marks its rules and mappings.
    pub fn forget(&self, resource: &Resource) {
        let mut entries = self.lock();
        for t in entries.iter_mut() {
            let owned_by_deleted_policy = match (resource, &t.resource) {
                (Resource::Policy { id, .. }, Resource::Rule { policy_id, .. })
                | (Resource::Policy { id, .. }, Resource::Mapping { policy_id, .. }) => {
                    id == policy_id
                }
                _ => false,
            };
            if t.resource.same_object(resource) || owned_by_deleted_policy {
                t.gone = true;
            }
        }
    }

    /// Objects still to delete (optionally only those of one scenario), newest first.
    pub fn pending(&self, scenario: Option<&str>) -> Vec<Resource> {
        self.lock()
            .iter()
            .rev()
            .filter(|t| !t.gone && scenario.is_none_or(|s| s == t.scenario))
            .map(|t| t.resource.clone())
            .collect()
    }

    /// Deletes every pending object (of `scenario`, or all), newest first, then looks up the
    /// recorded intents by name and deletes what an interrupted create left. `prefix` is the
    /// run prefix a policy's (or found rule's) current name must start with before it is
    /// deleted.
    pub async fn cleanup(
        &self,
        client: &Client,
        prefix: &str,
        scenario: Option<&str>,
    ) -> Vec<CleanupRecord> {
        let mut records = Vec::new();
        for resource in self.pending(scenario) {
            let record = delete_resource(client, prefix, &resource).await;
            if record.ok() {
                self.forget(&resource);
            } else {
                // Do not retry a refused or failed object forever; report it once.
                self.mark_reported(&resource);
            }
            records.push(record);
        }
        for intent in self.take_intents(scenario) {
            records.extend(intent.remove_leftover(client, prefix).await);
        }
        records
    }

    fn mark_reported(&self, resource: &Resource) {
        for t in self.lock().iter_mut() {
            if t.resource.same_object(resource) {
                t.gone = true;
            }
        }
    }
}

fn is_not_found(e: &Error) -> bool {
    e.status().map(|s| s.as_u16()) == Some(404)
}

fn record(resource: &Resource, action: &str, detail: Option<String>) -> CleanupRecord {
    CleanupRecord {
        object: resource.to_string(),
        action: action.to_owned(),
        detail,
    }
}

async fn delete_resource(client: &Client, prefix: &str, resource: &Resource) -> CleanupRecord {
    match resource {
        Resource::Policy { id, .. } => {
            let current = match client.get_policy().policy_id(id).call().await {
                Ok(p) => p,
                Err(e) => {
                    return if is_not_found(&e) {
                        record(resource, "already gone", None)
                    } else {
                        record(resource, "failed", Some(e.to_string()))
                    };
                }
            };
            let name = current.name().unwrap_or_default();
            if !name.starts_with(prefix) {
                return record(
                    resource,
                    "refused",
                    Some(format!("its name {name:?} does not start with {prefix:?}")),
                );
            }
            delete_policy(client, id, current.status())
                .await
                .map_or_else(
                    |e| record(resource, "failed", Some(e)),
                    |a| record(resource, a, None),
                )
        }
        Resource::Rule { policy_id, id } => delete_rule(client, policy_id, id).await.map_or_else(
            |e| record(resource, "failed", Some(e)),
            |a| record(resource, a, None),
        ),
        Resource::Mapping { policy_id, id } => {
            match client
                .delete_policy_resource_mapping()
                .policy_id(policy_id)
                .mapping_id(id)
                .call()
                .await
            {
                Ok(_) => record(resource, "deleted", None),
                Err(e) => {
                    if is_not_found(&e) {
                        record(resource, "already gone", None)
                    } else {
                        record(resource, "failed", Some(e.to_string()))
                    }
                }
            }
        }
    }
}

/// Deactivates a rule, then deletes it. Returns `deleted` or `already gone`.
pub(crate) async fn delete_rule(
    client: &Client,
    policy_id: &str,
    id: &str,
) -> Result<&'static str, String> {
    if let Err(e) = client
        .deactivate_policy_rule()
        .policy_id(policy_id)
        .rule_id(id)
        .call()
        .await
        && is_not_found(&e)
    {
        return Ok("already gone");
    }
    match client
        .delete_policy_rule()
        .policy_id(policy_id)
        .rule_id(id)
        .call()
        .await
    {
        Ok(()) => Ok("deleted"),
        Err(e) if is_not_found(&e) => Ok("already gone"),
        Err(e) => Err(format!("delete failed: {e}")),
    }
}

/// Deactivates an active policy, then deletes it. Returns `deleted` or `already gone`.
pub(crate) async fn delete_policy(
    client: &Client,
    id: &str,
    status: Option<LifecycleStatus>,
) -> Result<&'static str, String> {
    if status == Some(LifecycleStatus::Active)
        && let Err(e) = client.deactivate_policy().policy_id(id).call().await
    {
        if is_not_found(&e) {
            return Ok("already gone");
        }
        return Err(format!("deactivate failed: {e}"));
    }
    match client.delete_policy().policy_id(id).call().await {
        Ok(_) => Ok("deleted"),
        Err(e) => {
            if is_not_found(&e) {
                Ok("already gone")
            } else {
                Err(format!("delete failed: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_validated_and_generated() {
        let n = RunNaming::new(Some("ci-42")).unwrap();
        assert_eq!(n.prefix(), "okta-contract-ci-42-");
        assert_eq!(n.name("crud"), "okta-contract-ci-42-crud");
        for bad in ["", "Has Upper", "a/b", &"x".repeat(41)] {
            assert!(RunNaming::new(Some(bad)).is_err(), "{bad}");
        }
        let generated = RunNaming::new(None).unwrap();
        assert!(RunNaming::new(Some(generated.run_id())).is_ok());
    }

    #[test]
    fn sweep_prefix_must_be_ours() {
        assert!(check_sweep_prefix("okta-contract-").is_ok());
        assert!(check_sweep_prefix("okta-contract-run1-").is_ok());
        for bad in ["", "okta", "Default Policy", "okta-contrac"] {
            assert!(check_sweep_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tracker_forgets_policy_children_and_lists_newest_first() {
        let t = Tracker::new();
        let p = Resource::Policy {
            id: "p1".into(),
            name: "n".into(),
        };
        let r = Resource::Rule {
            policy_id: "p1".into(),
            id: "r1".into(),
        };
        let m = Resource::Mapping {
            policy_id: "p2".into(),
            id: "m1".into(),
        };
        t.track(p.clone(), "a");
        t.track(r.clone(), "a");
        t.track(m.clone(), "b");
        assert_eq!(t.pending(None), vec![m.clone(), r.clone(), p.clone()]);
        assert_eq!(t.pending(Some("a")), vec![r, p.clone()]);
        t.forget(&Resource::Policy {
            id: "p1".into(),
            name: "renamed".into(),
        });
        assert_eq!(t.pending(None), vec![m]);
    }
}
