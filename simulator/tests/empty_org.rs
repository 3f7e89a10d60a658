//! The library entry point a tool author uses: an empty org started through [`okta_sim::Org`],
//! driven over plain HTTP and inspected through its snapshots.

use okta_sim::{Org, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(org: &Org, path: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", org.base_url()))
        .header("Authorization", format!("SSWS {}", org.api_token()))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("request is sent");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn an_empty_org_holds_only_what_okta_creates_and_snapshots_see_created_objects() {
    let org = Org::start(SimConfig::empty()).await.expect("org starts");
    assert!(org.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(org.api_token(), "sim-api-token");

    // Over HTTP: the password policies are the default one only, with its default rule.
    let (status, policies) = get(&org, "/api/v1/policies?type=PASSWORD").await;
    assert_eq!(status, StatusCode::OK);
    let policies = policies.as_array().expect("a list");
    assert_eq!(policies.len(), 1, "{policies:?}");
    assert_eq!(policies[0]["system"], true);
    let default_id = policies[0]["id"].as_str().expect("an id").to_string();
    let (status, rules) = get(&org, &format!("/api/v1/policies/{default_id}/rules")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rules.as_array().map(Vec::len), Some(1));

    // No devices.
    let (status, devices) = get(&org, "/api/v1/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(devices, json!([]));
    assert!(org.devices_snapshot().await.is_empty());

    // Every policy in the snapshot is one Okta created (system or the account management
    // policy), and each has exactly its default rule.
    let before = org.policies_snapshot().await;
    assert!(!before.is_empty());
    for policy in &before {
        let id = policy["id"].as_str().expect("an id");
        let rules = org.rules_snapshot(id).await.expect("a known policy");
        assert_eq!(rules.len(), 1, "{policy}");
    }

    // A policy created over HTTP is visible to the inspection API.
    let created: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/policies", org.base_url()))
        .header("Authorization", format!("SSWS {}", org.api_token()))
        .json(&json!({
            "type": "PASSWORD",
            "name": "Created by the test",
            "conditions": { "people": { "groups": { "include": ["00g1everyone0000g7"] } } }
        }))
        .send()
        .await
        .expect("request is sent")
        .error_for_status()
        .expect("created")
        .json()
        .await
        .expect("JSON body");
    let id = created["id"].as_str().expect("an id");
    let after = org.policies_snapshot().await;
    assert_eq!(after.len(), before.len() + 1);
    let seen = after
        .iter()
        .find(|p| p["id"] == id)
        .expect("the snapshot sees the created policy");
    assert_eq!(seen["name"], "Created by the test");
    assert_eq!(seen["priority"], 1);
    assert_eq!(org.policy(id).await.as_ref(), Some(seen));
    assert_eq!(org.rules_snapshot(id).await, Some(Vec::new()));
    assert_eq!(org.policy("00pnosuchpolicy").await, None);

    org.shutdown().await;
}

#[tokio::test]
async fn the_seeded_org_has_devices_and_start_refuses_no_token() {
    let org = Org::start(SimConfig::seeded()).await.expect("org starts");
    assert_eq!(org.devices_snapshot().await.len(), 45);
    org.shutdown().await;

    let no_token = SimConfig {
        api_tokens: Vec::new(),
        ..SimConfig::empty()
    };
    assert!(matches!(
        Org::start(no_token).await,
        Err(okta_sim::SimError::InvalidConfig(_))
    ));
}
