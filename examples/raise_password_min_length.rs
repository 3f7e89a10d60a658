//! Raise the minimum password length of every password policy to at least N characters, with a
//! lossless read-modify-write: fields this crate does not know are sent back unchanged (Okta's
//! update is a PUT that replaces the whole policy).
//!
//! ```text
//! OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN=… \
//!   cargo run --example raise_password_min_length -- 14
//! ```

use futures::TryStreamExt as _;
use okta_mgmt::prelude::*;
use okta_mgmt::types::{PasswordComplexity, Policy, PolicyType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let min: i64 = std::env::args()
        .nth(1)
        .ok_or("usage: raise_password_min_length N")?
        .parse()?;
    let client = Client::from_env()?;
    let policies: Vec<Policy> = client
        .list_policies()
        .type_(PolicyType::Password)
        .items()
        .try_collect()
        .await?;
    for mut policy in policies {
        let (Some(id), Policy::Password(password)) = (policy.id().map(str::to_owned), &mut policy)
        else {
            continue;
        };
        let complexity = password
            .settings
            .get_or_insert_with(Default::default)
            .password
            .get_or_insert_with(Default::default)
            .complexity
            .get_or_insert_with(PasswordComplexity::default);
        let before = complexity.min_length.unwrap_or(0);
        if before >= min {
            println!("{id}: minLength {before} already ≥ {min}");
            continue;
        }
        complexity.min_length = Some(min);
        let updated = client
            .replace_policy()
            .policy_id(&id)
            .body(policy)
            .call()
            .await?;
        let Policy::Password(after) = &updated else {
            return Err(format!("{id}: the answer is not a password policy").into());
        };
        let now = after
            .settings
            .as_ref()
            .and_then(|s| s.password.as_ref())
            .and_then(|p| p.complexity.as_ref())
            .and_then(|c| c.min_length);
        println!("{id}: minLength {before} → {now:?}");
    }
    Ok(())
}
