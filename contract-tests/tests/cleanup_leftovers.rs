//! What an interrupted run leaves behind is found and removed: creates recorded before they
//! are sent are looked up by name at cleanup, and `sweep` removes prefixed rules from policies
//! the tool does not own (the org's own ones included). Against an in-process simulator.

use okta_contract::live::{Intent, Tracker, sweep};
use okta_mgmt::Client;
use okta_mgmt::types::{Policy, PolicyRule, PolicyType};
use okta_sim::{Org, SimConfig};

async fn org() -> (Org, Client) {
    let org = Org::start(SimConfig::empty())
        .await
        .expect("simulator starts");
    let client = Client::builder()
        .org_url(org.base_url())
        .api_token(org.api_token())
        .build()
        .expect("client");
    (org, client)
}

async fn default_password_policy(client: &Client) -> String {
    let policies = client
        .list_policies()
        .type_(PolicyType::Password)
        .call()
        .await
        .unwrap();
    policies[0].id().unwrap().to_owned()
}

fn password_rule(name: &str) -> PolicyRule {
    serde_json::from_value(serde_json::json!({
        "name": name, "type": "PASSWORD",
        "conditions": {"people": {"users": {"exclude": []}}},
        "actions": {"passwordChange": {"access": "ALLOW"}}
    }))
    .unwrap()
}

async fn rule_names(client: &Client, policy_id: &str) -> Vec<String> {
    client
        .list_policy_rules()
        .policy_id(policy_id)
        .call()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.name().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn sweep_removes_prefixed_rules_from_the_orgs_own_policies() {
    let (org, client) = org().await;
    let default = default_password_policy(&client).await;
    let before = rule_names(&client, &default).await;
    for name in ["okta-contract-old1-extra-rule", "someone-elses-rule"] {
        client
            .create_policy_rule()
            .policy_id(&default)
            .body(password_rule(name))
            .call()
            .await
            .unwrap();
    }

    let dry = sweep(&client, "okta-contract-old1-", true).await.unwrap();
    assert_eq!(dry.removed(), 1, "{dry:?}");
    assert_eq!(dry.items[0].kind(), "rule");
    assert_eq!(rule_names(&client, &default).await.len(), before.len() + 2);

    let done = sweep(&client, "okta-contract-old1-", false).await.unwrap();
    assert!(done.ok(), "{done:?}");
    assert_eq!(done.removed(), 1);
    let after = rule_names(&client, &default).await;
    assert!(
        !after.iter().any(|n| n.starts_with("okta-contract-")),
        "{after:?}"
    );
    assert!(
        after.iter().any(|n| n == "someone-elses-rule"),
        "others stay"
    );
    org.shutdown().await;
}

#[tokio::test]
async fn an_untracked_create_is_found_by_name_at_cleanup() {
    let (org, client) = org().await;
    let default = default_password_policy(&client).await;
    let tracker = Tracker::new();
    // Both creates were recorded before sending, but their answers were never decoded (the
    // run was interrupted): nothing is tracked by id.
    tracker.intend(
        Intent::Policy {
            type_name: "PASSWORD".into(),
            name: "okta-contract-r9-lost-policy".into(),
        },
        "s",
    );
    tracker.intend(
        Intent::Rule {
            policy_id: default.clone(),
            name: "okta-contract-r9-lost-rule".into(),
        },
        "s",
    );
    let policy: Policy = serde_json::from_value(
        serde_json::json!({"name": "okta-contract-r9-lost-policy", "type": "PASSWORD"}),
    )
    .unwrap();
    client.create_policy().body(policy).call().await.unwrap();
    client
        .create_policy_rule()
        .policy_id(&default)
        .body(password_rule("okta-contract-r9-lost-rule"))
        .call()
        .await
        .unwrap();

    let records = tracker
        .cleanup(&client, "okta-contract-r9-", Some("s"))
        .await;
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records.iter().all(|r| r.action == "deleted"), "{records:?}");
    let left = sweep(&client, "okta-contract-r9-", true).await.unwrap();
    assert_eq!(left.removed(), 0, "nothing left: {left:?}");
    // A second cleanup has nothing to look up.
    assert!(
        tracker
            .cleanup(&client, "okta-contract-r9-", None)
            .await
            .is_empty()
    );
    org.shutdown().await;
}
