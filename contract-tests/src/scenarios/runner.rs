//! Runs scenarios one after the other: skip rules, timeouts, panics, per-scenario cleanup.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt as _;

use super::Scenario;
use super::ctx::{Ctx, RunEnv, StepFailure, TargetKind};
use crate::report::{EntryKind, EntryReport, Status, StepOutcome};

/// Longest a scenario may run before it is failed.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);

/// Why a device-changing scenario is skipped on a live target without running.
pub const SIM_ONLY_REASON: &str =
    "sim_only: it changes devices, which okta-contract never does on a real org";

/// Why each `sim_only` scenario that does not change devices is skipped on a live target
/// (`group/name`, reason). A test checks that every `sim_only` scenario outside the `devices`
/// group has an entry.
pub const SIM_ONLY_REASONS: &[(&str, &str)] = &[
    (
        "policies/policy-type-beta-sign-on",
        "sim_only: real orgs reject the beta policy type Okta:SignOn (it is in the published spec, \
         but no org accepts it), so it is checked against the simulator only",
    ),
    (
        "policies/policy-type-beta-profile-enrollment",
        "sim_only: real orgs reject the beta policy type Okta:ProfileEnrollment (it is in the \
         published spec, but no org accepts it), so it is checked against the simulator only",
    ),
    (
        "errors/default-policy-protections",
        "sim_only: it tries to delete, deactivate and change the org's default policy and rule, \
         which okta-contract never risks on a real org (it only changes what it created)",
    ),
    (
        "policies/okta-created-policy-types",
        "sim_only: it renames and adds rules to the policies Okta creates in every org (IdP \
         discovery, entity risk, session protection, …), which okta-contract never changes on a \
         real org",
    ),
    (
        "policies/policy-simulation",
        "sim_only: it evaluates the simulator's seeded users, groups and apps; a real org has \
         other ones, so the expected matches hold only against the simulator",
    ),
];

/// Why an interrupted run did not run a step.
pub const INTERRUPTED_REASON: &str = "not run: the run was interrupted (Ctrl-C)";
/// Why a writing scenario is skipped on a read-only live run.
pub const WRITES_REASON: &str =
    "writes: it creates objects; pass --allow-writes to run it against a live org";

/// Receives progress while scenarios run (the CLI's progress bar).
pub trait Progress: Send + Sync {
    /// A scenario or case is about to run.
    fn started(&self, _name: &str) {}
    /// A scenario or case finished (or was skipped).
    fn finished(&self, _entry: &EntryReport) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A `--scenario` filter that matches no scenario.
#[derive(Debug, thiserror::Error)]
#[error("no scenario or group named {name:?}; known scenarios: {known}")]
pub struct UnknownScenario {
    /// The filter.
    pub name: String,
    /// Every scenario as `group/name`.
    pub known: String,
}

/// The scenarios matching `filters` (a scenario name, a group, or `group/name`); all when
/// `filters` is empty. Each filter must match something.
pub fn select(all: &[Scenario], filters: &[String]) -> Result<Vec<Scenario>, UnknownScenario> {
    if filters.is_empty() {
        return Ok(all.to_vec());
    }
    let matches = |s: &Scenario, f: &str| {
        s.name == f || s.group == f || format!("{}/{}", s.group, s.name) == f
    };
    for f in filters {
        if !all.iter().any(|s| matches(s, f)) {
            return Err(UnknownScenario {
                name: f.clone(),
                known: all
                    .iter()
                    .map(|s| format!("{}/{}", s.group, s.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(all
        .iter()
        .filter(|s| filters.iter().any(|f| matches(s, f)))
        .copied()
        .collect())
}

/// Why a `sim_only` scenario does not run against a live org.
pub fn sim_only_reason(scenario: &Scenario) -> &'static str {
    let key = format!("{}/{}", scenario.group, scenario.name);
    SIM_ONLY_REASONS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(SIM_ONLY_REASON, |(_, reason)| reason)
}

/// Why `scenario` does not run on this target, if it does not.
pub fn skip_reason(env: &RunEnv, scenario: &Scenario) -> Option<&'static str> {
    match env.target {
        TargetKind::Sim => None,
        TargetKind::Live if scenario.sim_only => Some(sim_only_reason(scenario)),
        TargetKind::Live if scenario.writes && !env.allow_writes => Some(WRITES_REASON),
        TargetKind::Live => None,
    }
}

fn failed_step(name: &str, failure: &StepFailure) -> StepOutcome {
    StepOutcome {
        name: name.to_owned(),
        status: Status::Failed,
        expected: failure.expected.clone(),
        actual: failure.actual.clone(),
        message: Some(failure.message.clone()),
        curl: None,
        request_id: failure.request_id.clone(),
        duration_ms: 0,
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// Name of the step every writing scenario ends with: deleting what it left behind.
pub const CLEANUP_STEP: &str = "cleanup";

/// The steps `scenario` lists on `env`'s target: its planned steps, then [`CLEANUP_STEP`] for a
/// writing scenario.
pub fn planned_steps(env: &RunEnv, scenario: &Scenario) -> Vec<String> {
    let mut steps = crate::step_plan::embedded()
        .steps(env.target, scenario)
        .to_vec();
    if scenario.writes {
        steps.push(CLEANUP_STEP.to_owned());
    }
    steps
}

/// Runs one scenario (or records why it is skipped), then deletes what it left behind. The
/// entry lists every planned step ([`crate::step_plan`]): a skipped scenario's as skipped, the
/// steps a failure kept from running as not run.
pub async fn run_one(env: &Arc<RunEnv>, scenario: &Scenario, timeout: Duration) -> EntryReport {
    let plan = crate::step_plan::embedded().steps(env.target, scenario);
    run_one_with_plan(env, scenario, timeout, plan).await
}

/// [`run_one`] with an explicit plan (empty: list only what ran).
pub async fn run_one_with_plan(
    env: &Arc<RunEnv>,
    scenario: &Scenario,
    timeout: Duration,
    plan: &[String],
) -> EntryReport {
    if let Some(reason) = skip_reason(env, scenario) {
        let mut steps = plan.to_vec();
        if scenario.writes {
            steps.push(CLEANUP_STEP.to_owned());
        }
        return EntryReport::skipped(
            scenario.name,
            scenario.group,
            EntryKind::Scenario,
            reason,
            &steps,
            Status::Skipped,
        );
    }
    let start = Instant::now();
    let ctx = Ctx::new(env.clone(), scenario.name, scenario.writes);
    let outcome = tokio::time::timeout(
        timeout,
        AssertUnwindSafe((scenario.run)(&ctx)).catch_unwind(),
    )
    .await;
    let mut steps = ctx.take_steps();
    // A failure that no step recorded (outside a step, a panic, a timeout) is charged to the
    // next planned step, the one that was running or about to run.
    let unrecorded = match outcome {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(failure))) => (!failure.recorded).then_some(failure),
        Ok(Err(payload)) => Some(StepFailure::new(format!(
            "the scenario panicked: {}",
            panic_message(&*payload)
        ))),
        Err(_) => Some(StepFailure::new(format!(
            "timed out after {} s",
            timeout.as_secs()
        ))),
    };
    let stopped = unrecorded.is_some() || steps.iter().any(|s| s.status == Status::Failed);
    if stopped {
        let ran: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        let mut left: Vec<String> = crate::step_plan::remaining(plan, &ran)
            .into_iter()
            .cloned()
            .collect();
        if let Some(failure) = &unrecorded {
            let name = if left.is_empty() {
                "scenario".to_owned()
            } else {
                left.remove(0)
            };
            steps.push(failed_step(&name, failure));
        }
        let failed = steps
            .iter()
            .find(|s| s.status == Status::Failed)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let reason = format!("not run: the earlier step {failed:?} failed");
        steps.extend(
            left.iter()
                .map(|name| StepOutcome::not_run(name, Status::NotRun, &reason)),
        );
    }
    let cleanup_start = Instant::now();
    let records = env
        .tracker
        .cleanup(&env.client, &env.naming.prefix(), Some(scenario.name))
        .await;
    if scenario.writes || !records.is_empty() {
        let failed: Vec<String> = records
            .iter()
            .filter(|r| !r.ok())
            .map(|r| {
                format!(
                    "{} {}: {}",
                    r.action,
                    r.object,
                    r.detail.clone().unwrap_or_default()
                )
            })
            .collect();
        let done: Vec<String> = records
            .iter()
            .map(|r| format!("{} {}", r.action, r.object))
            .collect();
        steps.push(StepOutcome {
            name: CLEANUP_STEP.to_owned(),
            status: if failed.is_empty() {
                Status::Passed
            } else {
                Status::Failed
            },
            expected: (!failed.is_empty()).then(|| "every created object deleted".to_owned()),
            actual: (!failed.is_empty()).then(|| failed.join("; ")),
            message: Some(if done.is_empty() {
                "nothing left behind".to_owned()
            } else {
                format!("{} left behind: {}", done.len(), done.join("; "))
            }),
            curl: None,
            request_id: None,
            duration_ms: u64::try_from(cleanup_start.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }
    let duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    EntryReport::from_steps(
        scenario.name,
        scenario.group,
        EntryKind::Scenario,
        steps,
        duration_ms,
    )
}

/// The entry of a selected scenario an interrupted run never started: every planned step,
/// not run.
pub fn interrupted_entry(env: &RunEnv, scenario: &Scenario) -> EntryReport {
    EntryReport::skipped(
        scenario.name,
        scenario.group,
        EntryKind::Scenario,
        INTERRUPTED_REASON,
        &planned_steps(env, scenario),
        Status::NotRun,
    )
}

/// Runs `scenarios` in order, pushing each entry into `sink` as soon as it is done (so an
/// interrupted run still reports what finished).
pub async fn run_all(
    env: &Arc<RunEnv>,
    scenarios: &[Scenario],
    sink: &Mutex<Vec<EntryReport>>,
    progress: &dyn Progress,
) {
    for scenario in scenarios {
        progress.started(&format!("{}/{}", scenario.group, scenario.name));
        let entry = run_one(env, scenario, SCENARIO_TIMEOUT).await;
        progress.finished(&entry);
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{Resource, RunNaming, Tracker};
    use crate::scenarios::{AuthScheme, expect_error};
    use futures::future::BoxFuture;
    use okta_mgmt::Client;
    use okta_mgmt::types::Policy;

    async fn sim_env(
        target: TargetKind,
        allow_writes: bool,
    ) -> (okta_sim::RunningSim, Arc<RunEnv>) {
        let sim = okta_sim::start(okta_sim::SimConfig::default(), 0)
            .await
            .unwrap();
        let client = Client::builder()
            .org_url(sim.base_url())
            .api_token("sim-api-token")
            .build()
            .unwrap();
        let env = RunEnv {
            client,
            base_url: sim.base_url(),
            target,
            auth: AuthScheme::Ssws,
            naming: RunNaming::new(Some("unit")).unwrap(),
            tracker: Arc::new(Tracker::new()),
            allow_writes,
        };
        (sim, Arc::new(env))
    }

    fn create_then_fail(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
        Box::pin(async move {
            let name = ctx.name("leftover");
            let body = serde_json::json!({"name": name, "type": "PASSWORD"});
            ctx.step("create", async {
                let p: Policy = serde_json::from_value(body.clone())?;
                let created = ctx.client().create_policy().body(p).call().await?;
                ctx.track(Resource::Policy {
                    id: created.id().unwrap_or_default().to_owned(),
                    name: name.clone(),
                });
                Ok(())
            })
            .await?;
            ctx.step("expect the impossible", async {
                expect_error(
                    ctx.client().get_policy().policy_id("nope").call().await,
                    400,
                    "E0000001",
                )
                .map(drop)
            })
            .await
        })
    }

    fn panics(_ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
        Box::pin(async move { panic!("boom") })
    }

    fn fails_outside_a_step(_ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
        Box::pin(async move { Err(StepFailure::new("setup went wrong")) })
    }

    fn writes_while_read_only(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
        Box::pin(async move {
            ctx.step("a read looks up a policy", async {
                ctx.client()
                    .delete_policy()
                    .policy_id("00pNotMine")
                    .call()
                    .await?;
                Ok(())
            })
            .await
        })
    }

    fn scenario(
        name: &'static str,
        writes: bool,
        sim_only: bool,
        run: crate::scenarios::ScenarioFn,
    ) -> Scenario {
        Scenario {
            name,
            group: "unit",
            description: "unit test",
            writes,
            sim_only,
            run,
        }
    }

    /// The message of step `i` of a report.
    fn message(entry: &EntryReport, i: usize) -> &str {
        entry.steps[i].message.as_deref().unwrap()
    }

    /// Runs a test scenario with a 5-second timeout.
    async fn run_briefly(env: &Arc<RunEnv>, scenario: Scenario) -> EntryReport {
        run_one(env, &scenario, Duration::from_secs(5)).await
    }

    #[tokio::test]
    async fn a_failing_scenario_is_reported_and_cleaned_up() {
        let (sim, env) = sim_env(TargetKind::Sim, true).await;
        let s = scenario("create-then-fail", true, false, create_then_fail);
        let entry = run_one(&env, &s, Duration::from_secs(30)).await;
        assert_eq!(entry.status, Status::Failed);
        let names: Vec<&str> = entry.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["create", "expect the impossible", "cleanup"]);
        let failed = &entry.steps[1];
        assert_eq!(failed.expected.as_deref(), Some("HTTP 400 E0000001"));
        assert!(
            failed
                .actual
                .as_deref()
                .unwrap()
                .starts_with("HTTP 404 E0000007")
        );
        assert!(
            failed
                .curl
                .as_deref()
                .unwrap()
                .contains("/api/v1/policies/nope")
        );
        assert_eq!(entry.steps[2].status, Status::Passed);
        assert!(message(&entry, 2).starts_with("1 left behind: deleted policy"));
        assert!(env.tracker.pending(None).is_empty());
        let left: Vec<Policy> = {
            use futures::TryStreamExt as _;
            env.client
                .list_policies()
                .type_(okta_mgmt::types::PolicyType::Password)
                .items()
                .try_collect()
                .await
                .unwrap()
        };
        assert!(
            left.iter()
                .all(|p| !p.name().unwrap_or_default().starts_with("okta-contract-"))
        );
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn panics_errors_and_guards_become_failed_steps() {
        let (sim, env) = sim_env(TargetKind::Sim, true).await;
        let entry = run_briefly(&env, scenario("panics", false, false, panics)).await;
        assert_eq!(entry.status, Status::Failed);
        assert!(message(&entry, 0).contains("panicked: boom"));

        let entry = run_briefly(&env, scenario("bare", false, false, fails_outside_a_step)).await;
        assert_eq!(entry.steps.len(), 1);
        assert_eq!(entry.steps[0].name, "scenario");

        let entry = run_briefly(&env, scenario("ro", false, false, writes_while_read_only)).await;
        assert_eq!(entry.status, Status::Failed);
        assert!(message(&entry, 0).contains("declared read-only"));
        sim.shutdown().await;
    }

    /// A step named as a read that creates a policy: only the request itself shows the write.
    fn creates_while_named_a_read(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
        Box::pin(async move {
            ctx.step("GET the password policies", async {
                let body = serde_json::json!({"name": ctx.name("sneaky"), "type": "PASSWORD"});
                let policy: Policy = serde_json::from_value(body)?;
                ctx.client().create_policy().body(policy).call().await?;
                Ok(())
            })
            .await
        })
    }

    async fn password_policy_count(env: &RunEnv) -> usize {
        env.client
            .list_policies()
            .type_(okta_mgmt::types::PolicyType::Password)
            .call()
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn the_live_guard_refuses_the_write_a_step_sends_whatever_it_is_called() {
        for (writes, expected) in [
            (false, "declared read-only"),
            (true, "live mode is read-only without --allow-writes"),
        ] {
            let (sim, env) = sim_env(TargetKind::Live, false).await;
            let before = password_policy_count(&env).await;
            // Run the scenario body directly: the runner would skip a writing scenario live,
            // this checks the guard underneath it.
            let ctx = Ctx::new(env.clone(), "unit/sneaky", writes);
            let failure = creates_while_named_a_read(&ctx).await.unwrap_err();
            assert!(failure.message.contains(expected), "{failure:?}");
            let steps = ctx.take_steps();
            let curl = steps[0].curl.as_deref().unwrap_or_default();
            assert!(
                curl.contains("-X POST") && curl.contains("/api/v1/policies"),
                "the report shows the request actually refused: {curl}"
            );
            assert_eq!(
                password_policy_count(&env).await,
                before,
                "nothing was created"
            );
            sim.shutdown().await;
        }
    }

    #[tokio::test]
    async fn live_skips_sim_only_and_unapproved_writes() {
        let (sim, env) = sim_env(TargetKind::Live, false).await;
        let e = run_briefly(&env, scenario("w", true, false, panics)).await;
        assert_eq!(
            (e.status, e.skip_reason.as_deref()),
            (Status::Skipped, Some(WRITES_REASON))
        );
        let e = run_briefly(&env, scenario("s", true, true, panics)).await;
        assert_eq!(e.skip_reason.as_deref(), Some(SIM_ONLY_REASON));
        sim.shutdown().await;

        let (sim, env) = sim_env(TargetKind::Live, true).await;
        let e = run_briefly(&env, scenario("s", true, true, panics)).await;
        assert_eq!(
            e.skip_reason.as_deref(),
            Some(SIM_ONLY_REASON),
            "even with --allow-writes"
        );
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn a_stopped_scenario_lists_its_planned_steps_as_not_run() {
        let (sim, env) = sim_env(TargetKind::Sim, true).await;
        let plan: Vec<String> = ["create", "expect the impossible", "later", "last"]
            .map(str::to_owned)
            .to_vec();
        let s = scenario("create-then-fail", true, false, create_then_fail);
        let entry = run_one_with_plan(&env, &s, Duration::from_secs(30), &plan).await;
        let got: Vec<(&str, Status)> = entry
            .steps
            .iter()
            .map(|s| (s.name.as_str(), s.status))
            .collect();
        assert_eq!(
            got,
            [
                ("create", Status::Passed),
                ("expect the impossible", Status::Failed),
                ("later", Status::NotRun),
                ("last", Status::NotRun),
                (CLEANUP_STEP, Status::Passed),
            ]
        );
        assert!(message(&entry, 2).contains("\"expect the impossible\" failed"));
        // A panic is charged to the step that was running.
        let plan: Vec<String> = ["first", "second"].map(str::to_owned).to_vec();
        let entry = run_one_with_plan(
            &env,
            &scenario("panics", false, false, panics),
            Duration::from_secs(5),
            &plan,
        )
        .await;
        let got: Vec<(&str, Status)> = entry
            .steps
            .iter()
            .map(|s| (s.name.as_str(), s.status))
            .collect();
        assert_eq!(got, [("first", Status::Failed), ("second", Status::NotRun)]);
        sim.shutdown().await;
    }

    #[test]
    fn every_sim_only_scenario_has_a_true_reason() {
        for s in crate::scenarios::all().iter().filter(|s| s.sim_only) {
            let reason = sim_only_reason(s);
            if s.group == "devices" {
                assert_eq!(reason, SIM_ONLY_REASON, "{}", s.name);
            } else {
                assert!(!reason.contains("devices"), "{}: {reason}", s.name);
            }
        }
        for (key, _) in SIM_ONLY_REASONS {
            assert!(
                crate::scenarios::all()
                    .iter()
                    .any(|s| s.sim_only && format!("{}/{}", s.group, s.name) == *key),
                "{key} is not a sim_only scenario"
            );
        }
    }

    #[test]
    fn select_by_name_group_and_path() {
        let all = crate::scenarios::all();
        assert_eq!(select(&all, &[]).unwrap().len(), all.len());
        let devices = all.iter().filter(|s| s.group == "devices").count();
        assert!(devices >= 2);
        assert_eq!(select(&all, &["devices".into()]).unwrap().len(), devices);
        assert_eq!(
            select(&all, &["devices/device-lifecycle".into()])
                .unwrap()
                .len(),
            1
        );
        assert!(select(&all, &["nope".into()]).is_err());
    }
}
