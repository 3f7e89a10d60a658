//! Scenarios: scripted flows run by `okta-contract check` against the simulator or a live org.
//!
//! A [`Scenario`] is a name, a group, two safety flags and a `run` function. `run` gets a
//! [`Ctx`] and drives the typed client through named steps; every step is recorded as a
//! [`StepOutcome`](crate::report::StepOutcome) (passed/failed/skipped, expected vs actual, a curl
//! command reproducing the request with the token redacted, duration). The first failing step
//! ends the scenario; objects it created are deleted afterwards by the tracker.
//!
//! # Adding a scenario
//!
//! 1. Pick (or create) the group file, one per group: `policies.rs`, `devices.rs`, … A new file
//!    `foo.rs` needs `mod foo;` below and `foo::scenarios` in [`GROUPS`].
//! 2. Add an entry to that file's `scenarios()` list and write the function:
//!
//! ```ignore
//! pub(super) fn scenarios() -> Vec<Scenario> {
//!     vec![Scenario {
//!         name: "password-policy-crud",          // unique, kebab-case
//!         group: "policies",                     // JUnit test suite
//!         description: "create, read, replace, delete a PASSWORD policy",
//!         writes: true,     // sends anything but GET: skipped live without --allow-writes
//!         sim_only: false,  // true = never runs against a real org (device changes, …)
//!         run: password_crud,
//!     }]
//! }
//!
//! fn password_crud(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
//!     Box::pin(async move {
//!         let client = ctx.client();
//!         let name = ctx.name("password-crud");  // okta-contract-<run-id>-password-crud
//!         let body = json!({"name": name, "type": "PASSWORD"});
//!         let id = ctx
//!             .step("create", async {
//!                 let created = client.create_policy().body(Policy::from_json(body.clone())).call().await?;
//!                 let id = created.id().unwrap_or_default().to_owned();
//!                 ctx.track(Resource::Policy { id: id.clone(), name: name.clone() }); // at once
//!                 ensure_eq("type", Some("PASSWORD"), created.type_().as_str().into())?;
//!                 Ok(id)
//!             })
//!             .await?;
//!         let gone = client.get_policy().policy_id(&id).call().await;
//!         ctx.step("get a deleted policy", async {
//!             expect_error(gone, 404, "E0000007").map(drop)
//!         }).await
//!     })
//! }
//! ```
//!
//! Rules: name everything with [`Ctx::name`]; call [`Ctx::track`] right after each create
//! returns and [`Ctx::forget`] after the scenario deletes it itself; send every request through
//! [`Ctx::client`] (or a client wrapped with [`Ctx::observe`]): its hook records what each step
//! sent (a failing step's curl command is rendered from the last request) and refuses what the
//! run may not send; assert with [`ensure_eq`], [`ensure`] and [`expect_error`] (status + Okta
//! error code); `?` on a client call turns its error into a failed step; use [`Ctx::skip_step`]
//! when the target cannot support a step (say why). Mark `writes` if any step sends
//! POST/PUT/DELETE (the hook refuses such requests otherwise) and `sim_only` if it changes
//! anything that is not a policy the run created.

mod account_management;
mod ctx;
mod device_lifecycle;
mod device_listing;
mod devices;
mod dsc_guide;
mod errors;
mod kit;
mod mappings;
mod new_operations;
mod policies;
mod policy_types;
mod recorded;
pub mod runner;

use futures::future::BoxFuture;

pub use ctx::{
    AuthScheme, Ctx, RunEnv, Sent, StepFailure, StepHook, TargetKind, describe_error, ensure,
    ensure_eq, expect_error, shell_quote,
};

/// A scenario's body: drives the client through [`Ctx::step`]s.
pub type ScenarioFn = for<'a> fn(&'a Ctx) -> BoxFuture<'a, Result<(), StepFailure>>;

/// One scripted flow.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Unique kebab-case name (the `--scenario` filter).
    pub name: &'static str,
    /// Group (JUnit test suite, also a `--scenario` filter).
    pub group: &'static str,
    /// One line: what the scenario proves.
    pub description: &'static str,
    /// Sends requests other than GET: skipped on a live org without `--allow-writes`.
    pub writes: bool,
    /// Only ever runs against the simulator.
    pub sim_only: bool,
    /// The body.
    pub run: ScenarioFn,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("group", &self.group)
            .field("writes", &self.writes)
            .field("sim_only", &self.sim_only)
            .finish()
    }
}

/// Every group's scenario list, in run order. Add new group files here.
pub const GROUPS: &[fn() -> Vec<Scenario>] = &[
    policies::scenarios,
    devices::scenarios,
    dsc_guide::scenarios,
    account_management::scenarios,
    policy_types::scenarios,
    mappings::scenarios,
    device_lifecycle::scenarios,
    device_listing::scenarios,
    errors::scenarios,
    recorded::scenarios,
    new_operations::scenarios,
];

/// Every scenario, in run order.
pub fn all() -> Vec<Scenario> {
    GROUPS.iter().flat_map(|group| group()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let all = all();
        assert!(all.len() >= 3);
        let mut names: Vec<&str> = all.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate scenario names");
        for s in &all {
            assert!(
                s.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                s.name
            );
            assert!(!s.group.is_empty() && !s.description.is_empty());
        }
    }

    #[test]
    fn device_changing_scenarios_are_sim_only() {
        for s in all() {
            if s.group == "devices" && s.writes {
                assert!(s.sim_only, "{} changes devices but is not sim_only", s.name);
            }
        }
    }
}
