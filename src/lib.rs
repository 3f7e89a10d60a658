//! okta-mgmt (work in progress)
