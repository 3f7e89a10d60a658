//! Contract suite for `okta-mgmt`: the documented-example corpus, the Okta org simulator and
//! the checks run by the `okta-contract` command.

pub mod corpus;
pub mod extract;
pub mod sim;
