//! Contract suite for `okta-mgmt`: the documented-example corpus and the checks run by the
//! `okta-contract` command, against httpmock, a live org or the `okta-sim` org simulator.

pub mod cli;
pub mod corpus;
pub mod evidence;
pub mod extract;
mod json;
pub mod live;
mod markdown;
pub mod replay;
pub mod report;
pub mod scenarios;
pub mod schema_check;
pub mod spec_diff;
pub mod step_plan;
pub mod targets;
mod typed_object;
