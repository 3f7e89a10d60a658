//! The step plan: every step each scenario runs when it passes, per target, kept in
//! `contract-tests/scenario-steps.txt` and embedded at build time.
//!
//! Scenarios are code, so their steps are only known once they ran. The plan lets a report list
//! every step of every selected scenario in every run: a skipped scenario lists its planned steps
//! as skipped, a scenario stopped by a failure lists the steps it did not reach as not run. JUnit
//! test cases, which are steps, therefore stay the same whatever the outcome.
//!
//! The file is generated from passing runs against the embedded simulator (`sim`, and `live`:
//! the simulator reached as a live org with `--allow-writes`); the test `step_plan` fails when a
//! scenario's steps change and rewrites the file with `UPDATE_GOLDEN=1`:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test -p okta-contract --test step_plan
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::scenarios::{Scenario, TargetKind};

/// The embedded plan file.
pub const PLAN_TEXT: &str = include_str!("../scenario-steps.txt");

/// Steps per `(target, "group/name")`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepPlan {
    entries: BTreeMap<(String, String), Vec<String>>,
}

impl StepPlan {
    /// Parses the plan format: `[sim] group/name` or `[live] group/name` headers, one step name
    /// per line below, `#` comments and blank lines ignored.
    pub fn parse(text: &str) -> Self {
        let mut entries: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        let mut current: Option<(String, String)> = None;
        for line in text.lines() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[')
                && let Some((target, scenario)) = rest.split_once("] ")
            {
                let key = (target.to_owned(), scenario.trim().to_owned());
                entries.entry(key.clone()).or_default();
                current = Some(key);
                continue;
            }
            if let Some(key) = &current {
                entries
                    .entry(key.clone())
                    .or_default()
                    .push(line.trim_start_matches("  ").to_owned());
            }
        }
        Self { entries }
    }

    /// Adds (or replaces) the steps of a scenario on a target.
    pub fn insert(&mut self, target: TargetKind, scenario: &Scenario, steps: Vec<String>) {
        self.entries
            .insert((target.as_str().to_owned(), key(scenario)), steps);
    }

    /// The planned steps of `scenario` on `target`; a live target without an entry (a scenario
    /// that never runs live) falls back to the simulator's steps.
    pub fn steps(&self, target: TargetKind, scenario: &Scenario) -> &[String] {
        let k = key(scenario);
        self.entries
            .get(&(target.as_str().to_owned(), k.clone()))
            .or_else(|| self.entries.get(&(TargetKind::Sim.as_str().to_owned(), k)))
            .map_or(&[], Vec::as_slice)
    }

    /// The file text, in the order of `scenarios` (sim first, then live).
    pub fn render(&self, scenarios: &[Scenario]) -> String {
        let mut out = String::from(
            "# Steps of every scenario when it passes, per target: okta-contract lists the steps a\n\
             # skipped or failed scenario did not run from here, so every report has the same steps.\n\
             # Generated; update with: UPDATE_GOLDEN=1 cargo test -p okta-contract --test step_plan\n",
        );
        for target in [TargetKind::Sim, TargetKind::Live] {
            for s in scenarios {
                let k = (target.as_str().to_owned(), key(s));
                if let Some(steps) = self.entries.get(&k) {
                    out.push_str(&format!("\n[{}] {}\n", k.0, k.1));
                    for step in steps {
                        out.push_str("  ");
                        out.push_str(step);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }
}

fn key(scenario: &Scenario) -> String {
    format!("{}/{}", scenario.group, scenario.name)
}

/// The embedded plan, parsed once.
pub fn embedded() -> &'static StepPlan {
    static PLAN: OnceLock<StepPlan> = OnceLock::new();
    PLAN.get_or_init(|| StepPlan::parse(PLAN_TEXT))
}

/// The planned steps that `ran` did not cover, in plan order: each planned name is matched
/// once by a step of the same name that ran (names may repeat).
pub fn remaining<'a>(plan: &'a [String], ran: &[&str]) -> Vec<&'a String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for name in ran {
        *counts.entry(name).or_insert(0) += 1;
    }
    plan.iter()
        .filter(|step| match counts.get_mut(step.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_render_round_trip_and_remaining() {
        let all = crate::scenarios::all();
        let mut plan = StepPlan::default();
        plan.insert(
            TargetKind::Sim,
            &all[0],
            vec!["a".into(), "b".into(), "a".into()],
        );
        let text = plan.render(&all);
        assert_eq!(StepPlan::parse(&text), plan);
        let steps = plan.steps(TargetKind::Live, &all[0]);
        assert_eq!(steps.len(), 3, "live falls back to sim");
        let left: Vec<&String> = remaining(steps, &["a"]);
        assert_eq!(left, ["b", "a"]);
        assert!(plan.steps(TargetKind::Sim, &all[1]).is_empty());
    }
}
