//! Back up every policy of every type, with its rules, to a JSON file, and restore it.
//!
//! ```text
//! OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN=… \
//!   cargo run --example backup_policies -- backup policies.json
//! cargo run --example backup_policies -- restore policies.json restored-
//! ```
//!
//! `restore` creates every policy that Okta did not create itself (`system` is false), with the
//! given name prefix, and then its rules; policies and rules keep every field they were read
//! with (unknown ones too), except the ones the server sets (`id`, `created`, `_links`, …).
//! The file is plain JSON: a list of `{"policy": …, "rules": […]}`.

use futures::TryStreamExt as _;
use okta_mgmt::prelude::*;
use okta_mgmt::types::{Policy, PolicyRule};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let client = Client::from_env()?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["backup", file] => backup(&client, file).await,
        ["restore", file, prefix] => restore(&client, file, prefix).await,
        _ => Err("usage: backup_policies backup FILE | restore FILE NAME_PREFIX".into()),
    }
}

async fn backup(client: &Client, file: &str) -> Result<()> {
    let mut entries = Vec::new();
    let policies: Vec<Policy> = client.all_policies().try_collect().await?;
    for policy in policies {
        let Some(id) = policy.id() else { continue };
        let rules: Vec<PolicyRule> = client
            .list_policy_rules_with(id)
            .items()
            .try_collect()
            .await?;
        entries.push(json!({ "policy": policy, "rules": rules }));
    }
    std::fs::write(file, serde_json::to_vec_pretty(&entries)?)?;
    println!("backed up {} policies to {file}", entries.len());
    Ok(())
}

async fn restore(client: &Client, file: &str, prefix: &str) -> Result<()> {
    let entries: Vec<Value> = serde_json::from_slice(&std::fs::read(file)?)?;
    let (mut policies, mut rules) = (0, 0);
    for entry in &entries {
        let policy = Policy::from_json(entry["policy"].clone());
        if entry["policy"]["system"] == json!(true) || !policy.is_typed() {
            continue;
        }
        let mut request = policy.to_request()?;
        request.set_name(format!("{prefix}{}", policy.name().unwrap_or_default()));
        let created = client
            .create_policy_with(request)
            .activate(false)
            .call()
            .await?;
        let id = created
            .id()
            .ok_or("the created policy has no id")?
            .to_owned();
        policies += 1;
        for rule in entry["rules"].as_array().into_iter().flatten() {
            if rule["system"] == json!(true) {
                continue;
            }
            let body = PolicyRule::from_json(rule.clone()).to_request()?;
            client.create_policy_rule_with(&id, body).call().await?;
            rules += 1;
        }
    }
    println!("restored {policies} policies and {rules} rules from {file}");
    Ok(())
}
