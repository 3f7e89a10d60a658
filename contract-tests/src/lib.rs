//! Contract suite for `okta-mgmt`: the documented-example corpus, the Okta org simulator and
//! the checks run by the `okta-contract` command.

pub mod corpus;
pub mod extract;
pub mod sim;
pub mod cli;
pub mod live;
pub mod report;
pub mod scenarios;
pub mod replay;
pub mod schema_check;
