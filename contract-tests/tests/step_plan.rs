//! `scenario-steps.txt` lists exactly the steps of passing runs against the embedded simulator,
//! as `sim` and as `live` (the simulator reached as a live org with `--allow-writes`).
//! `UPDATE_GOLDEN=1` rewrites it.

use std::time::Duration;

use okta_contract::report::Status;
use okta_contract::scenarios::{self, TargetKind, runner};
use okta_contract::step_plan::{PLAN_TEXT, StepPlan};

mod sim_common;

async fn plan_for(target: TargetKind, plan: &mut StepPlan) {
    let (sim, env) = sim_common::env(target, true, "step-plan").await;
    for s in scenarios::all() {
        let entry = runner::run_one_with_plan(&env, &s, Duration::from_secs(60), &[]).await;
        if entry.status == Status::Skipped {
            continue;
        }
        assert_eq!(
            entry.status,
            Status::Passed,
            "{}: {:#?}",
            s.name,
            entry.steps
        );
        let mut steps: Vec<String> = entry.steps.into_iter().map(|st| st.name).collect();
        if s.writes {
            assert_eq!(steps.pop().as_deref(), Some(runner::CLEANUP_STEP));
        }
        plan.insert(target, &s, steps);
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_step_plan_matches_passing_runs() {
    let mut plan = StepPlan::default();
    plan_for(TargetKind::Sim, &mut plan).await;
    plan_for(TargetKind::Live, &mut plan).await;
    let text = plan.render(&scenarios::all());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenario-steps.txt");
        std::fs::write(path, &text).expect("write scenario-steps.txt");
        return;
    }
    pretty_assertions::assert_eq!(
        PLAN_TEXT,
        text,
        "scenario-steps.txt is stale: a scenario's steps changed; review and run \
         UPDATE_GOLDEN=1 cargo test -p okta-contract --test step_plan"
    );
}
