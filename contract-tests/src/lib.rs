//! okta-contract library
