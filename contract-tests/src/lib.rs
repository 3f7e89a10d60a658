//! Contract suite for `okta-mgmt`: the documented-example corpus, the Okta org simulator and
//! the checks run by the `okta-contract` command.

pub mod cli;
pub mod corpus;
pub mod extract;
pub mod live;
pub mod replay;
pub mod report;
pub mod scenarios;
pub mod schema_check;
pub mod sim;
pub mod spec_diff;
pub mod step_plan;
