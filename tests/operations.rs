//! Every operation against httpmock: method, path, query, auth header and JSON body are matched
//! exactly, the mock is hit once, and the response decodes into the typed result.

mod common;

use common::{
    client_configured, mock_answer, mock_json, mock_json_when, mock_status, mock_status_when,
    mock_when,
};
use httpmock::When;
use httpmock::prelude::*;
use okta_mgmt::Client;
use okta_mgmt::types::{
    Device, DeviceStatus, LifecycleStatus, Policy, PolicyMappingRequest, PolicyMappingResourceType,
    PolicyRule, PolicyType,
};
use serde_json::{Value, json};

const TOKEN: &str = "ops-test-token-Zq81";

fn ssws_client(server: &MockServer) -> Client {
    client_configured(server, |builder| builder.api_token(TOKEN))
}

fn bearer_client(server: &MockServer) -> Client {
    client_configured(server, |builder| builder.access_token(TOKEN))
}

fn ssws() -> String {
    format!("SSWS {TOKEN}")
}

/// `when`, also requiring each of the query parameters `query`.
fn with_query(when: When, query: &[(&str, &str)]) -> When {
    query
        .iter()
        .fold(when, |when, (name, value)| when.query_param(*name, *value))
}

/// `method path` sent with the API token (`SSWS`).
fn ssws_request(when: When, method: Method, path: &str) -> When {
    when.method(method)
        .path(path)
        .header("authorization", ssws())
}

fn policy_json(id: &str, type_: &str) -> Value {
    json!({
        "id": id, "type": type_, "name": format!("{type_} policy"), "status": "ACTIVE",
        "priority": 1, "system": false, "conditions": null,
        "created": "2025-06-05T18:52:21.000Z", "lastUpdated": "2025-06-05T18:52:21.000Z",
        "_links": {"self": {"href": format!("https://x.okta.com/api/v1/policies/{id}"), "hints": {"allow": ["GET", "PUT", "DELETE"]}}}
    })
}

fn rule_json(id: &str) -> Value {
    json!({
        "id": id, "type": "DEVICE_SIGNAL_COLLECTION", "name": "Device signal collection rule",
        "status": "ACTIVE", "priority": 1,
        "actions": {"deviceSignalCollection": {"deviceContextProviders": [{"key": "OKTA_VERIFY", "userIdentification": "IGNORE"}]}},
        "conditions": {"platform": {"include": [{"type": "MOBILE", "os": {"type": "IOS"}}]}}
    })
}

fn device_json(id: &str, status: &str) -> Value {
    json!({
        "id": id, "status": status,
        "created": "2019-10-02T18:03:07.000Z", "lastUpdated": "2019-10-02T18:03:07.000Z",
        "profile": {"displayName": "Example Device name", "platform": "WINDOWS", "registered": true, "secureHardwarePresent": false, "imei": null},
        "resourceType": "UDDevice", "resourceDisplayName": {"value": "Example Device name", "sensitive": false},
        "resourceAlternateId": null, "resourceId": id
    })
}

/// A list body of `item(id, value)` for each of `values`, with the ids `{prefix}1`, `{prefix}2`, ….
fn list_json(prefix: &str, values: &[&str], item: fn(&str, &str) -> Value) -> Value {
    let items = values.iter().enumerate();
    Value::Array(
        items
            .map(|(i, value)| item(&format!("{prefix}{}", i + 1), value))
            .collect(),
    )
}

fn mapping_json() -> Value {
    json!({"id": "rsm30qv3iirGzUyaM0g7", "_links": {"self": {"href": "https://x.okta.com/api/v1/policies/rst1/mappings/rsm30qv3iirGzUyaM0g7", "hints": {"allow": ["GET", "DELETE"]}}}})
}

#[tokio::test]
async fn list_policies_sends_type_and_paging_query_and_decodes_by_type() {
    let server = MockServer::start_async().await;
    let body = list_json("rst", &["PASSWORD", "FUTURE_TYPE"], policy_json);
    let query = [
        ("type", "PASSWORD"),
        ("status", "ACTIVE"),
        ("limit", "20"),
        ("after", "cursor1"),
    ];
    let m = mock_json_when(&server, 200, body.clone(), |when| {
        with_query(ssws_request(when, GET, "/api/v1/policies"), &query)
    })
    .await;
    let api = ssws_client(&server);
    let op = api
        .list_policies()
        .type_(PolicyType::Password)
        .status(LifecycleStatus::Active)
        .limit(20)
        .after("cursor1");
    let rv = op.call().await.expect("listPolicies");
    m.assert_async().await;
    assert!(matches!(rv[0], Policy::Password(_)));
    assert!(matches!(rv[1], Policy::Other(_)));
    assert_eq!(serde_json::to_value(rv).unwrap(), body);
}

#[tokio::test]
async fn list_policies_without_type_is_an_invalid_request_before_any_call() {
    let server = MockServer::start_async().await;
    let m = common::mock_any(&server, json!([])).await;
    let api = ssws_client(&server);
    let op = api.list_policies();
    let err = op.call().await.unwrap_err();
    assert!(
        matches!(err, okta_mgmt::Error::InvalidRequest { .. }),
        "{err:?}"
    );
    m.assert_calls_async(0).await;
}

#[tokio::test]
async fn create_policy_posts_the_body_with_activate_and_bearer_auth() {
    let server = MockServer::start_async().await;
    let request = json!({"name": "Device signal collection policy", "type": "DEVICE_SIGNAL_COLLECTION", "status": "INACTIVE"});
    let response = policy_json("rst8jpde42q54pj090g7", "DEVICE_SIGNAL_COLLECTION");
    let m = mock_json_when(&server, 200, response, |when| {
        when.method(POST)
            .path("/api/v1/policies")
            .query_param("activate", "false")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .json_body(request.clone())
    })
    .await;
    let body: Policy = serde_json::from_value(request).unwrap();
    let api = bearer_client(&server);
    let op = api.create_policy().activate(false).body(body);
    let rv = op.call().await.expect("createPolicy");
    m.assert_async().await;
    assert!(matches!(rv, Policy::DeviceSignalCollection(_)), "{:?}", rv);
    assert_eq!(rv.id(), Some("rst8jpde42q54pj090g7"));
}

#[tokio::test]
async fn get_policy_with_expand_rules_decodes_embedded_rules() {
    let server = MockServer::start_async().await;
    let mut response = policy_json("rst1", "ACCESS_POLICY");
    response["_embedded"] = json!({"resourceType": "APP", "rules": [rule_json("rul1")]});
    let m = mock_json_when(&server, 200, response.clone(), |when| {
        ssws_request(when, GET, "/api/v1/policies/rst1").query_param("expand", "rules")
    })
    .await;
    let api = ssws_client(&server);
    let op = api.get_policy().policy_id("rst1").expand("rules");
    let rv = op.call().await.expect("getPolicy");
    m.assert_async().await;
    let Policy::Access(p) = &rv else {
        panic!("{:?}", rv)
    };
    let rules = &p.embedded.as_ref().unwrap().rules;
    assert!(matches!(rules[0], PolicyRule::DeviceSignalCollection(_)));
    assert_eq!(rv.embedded_resource_type().as_deref(), Some("APP"));
    assert_eq!(serde_json::to_value(&rv).unwrap(), response);
}

#[tokio::test]
async fn replace_policy_puts_back_everything_it_read() {
    let server = MockServer::start_async().await;
    let mut read = policy_json("rst1", "OKTA_SIGN_ON");
    read["futureField"] = json!({"x": [1]});
    read["description"] = Value::Null;
    let mut sent = read.clone();
    sent["name"] = json!("Renamed");
    let m = mock_json_when(&server, 200, sent.clone(), |when| {
        ssws_request(when, PUT, "/api/v1/policies/rst1").json_body(sent)
    })
    .await;
    let mut policy: Policy = serde_json::from_value(read).unwrap();
    let Policy::OktaSignOn(p) = &mut policy else {
        panic!()
    };
    p.name = "Renamed".into();
    let api = ssws_client(&server);
    let op = api.replace_policy().policy_id("rst1").body(policy);
    let rv = op.call().await.expect("replacePolicy");
    m.assert_async().await;
    assert_eq!(rv.name(), Some("Renamed"));
}

#[tokio::test]
async fn delete_and_lifecycle_of_policies_accept_200_and_204_without_body() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (method, path, status) in [
        (DELETE, "/api/v1/policies/rst1", 204),
        (POST, "/api/v1/policies/rst1/lifecycle/activate", 204),
        (POST, "/api/v1/policies/rst1/lifecycle/deactivate", 200),
    ] {
        mocks
            .push(mock_status_when(&server, status, |when| ssws_request(when, method, path)).await);
    }
    let c = ssws_client(&server);
    let deleted = c.delete_policy().policy_id("rst1").call_with_meta().await;
    assert_eq!(deleted.unwrap().status(), 204);
    let activated = c.activate_policy().policy_id("rst1").call_with_meta().await;
    assert_eq!(activated.unwrap().status(), 204);
    let deactivated = c
        .deactivate_policy()
        .policy_id("rst1")
        .call_with_meta()
        .await;
    assert_eq!(deactivated.unwrap().status(), 200);
    for mock in mocks {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn rules_crud_and_lifecycle() {
    let server = MockServer::start_async().await;
    let new_rule = json!({"type": "Okta:SignOn", "name": "Example App Assurance Rule", "conditions": [{"key": "Okta:User", "op": "IN_LIST", "value": ["00u1"]}], "action": "ALLOW"});
    const RULES: &str = "/api/v1/policies/rst1/rules";
    const RUL1: &str = "/api/v1/policies/rst1/rules/rul1";
    let list = mock_json_when(&server, 200, json!([rule_json("rul1")]), |when| {
        ssws_request(when, GET, RULES).query_param("limit", "5")
    })
    .await;
    let mut created = new_rule.clone();
    created["id"] = json!("rul2");
    let create = mock_json_when(&server, 200, created, |when| {
        with_query(when.method(POST).path(RULES), &[("activate", "true")])
            .json_body(new_rule.clone())
    })
    .await;
    let get = mock_json(&server, GET, RUL1, 200, rule_json("rul1")).await;
    let put = mock_json_when(&server, 200, rule_json("rul1"), |when| {
        when.method(PUT).path(RUL1).json_body(rule_json("rul1"))
    })
    .await;
    let del = mock_status(&server, DELETE, RUL1, 204).await;
    let act = mock_status(&server, POST, &format!("{RUL1}/lifecycle/activate"), 204).await;
    let deact = mock_status(&server, POST, &format!("{RUL1}/lifecycle/deactivate"), 204).await;

    let c = ssws_client(&server);
    let op = c.list_policy_rules().policy_id("rst1").limit(5);
    let rules = op.call().await.unwrap();
    assert!(matches!(rules[0], PolicyRule::DeviceSignalCollection(_)));
    let op = c
        .create_policy_rule()
        .policy_id("rst1")
        .activate(true)
        .body(serde_json::from_value::<PolicyRule>(new_rule).unwrap());
    let created = op.call().await.unwrap();
    assert!(matches!(created, PolicyRule::Beta(_)));
    assert_eq!(created.id(), Some("rul2"));
    let op = c.get_policy_rule().policy_id("rst1").rule_id("rul1");
    let rule = op.call().await.unwrap();
    let op = c
        .replace_policy_rule()
        .policy_id("rst1")
        .rule_id("rul1")
        .body(rule);
    let replaced = op.call().await.unwrap();
    assert_eq!(replaced.name(), Some("Device signal collection rule"));
    let op = c.delete_policy_rule().policy_id("rst1").rule_id("rul1");
    op.call().await.unwrap();
    let op = c.activate_policy_rule().policy_id("rst1").rule_id("rul1");
    op.call().await.unwrap();
    let op = c.deactivate_policy_rule().policy_id("rst1").rule_id("rul1");
    op.call().await.unwrap();
    for m in [list, create, get, put, del, act, deact] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn mappings_crud() {
    let server = MockServer::start_async().await;
    const MAPPINGS: &str = "/api/v1/policies/rst1/mappings";
    const MAPPING: &str = "/api/v1/policies/rst1/mappings/rsm30qv3iirGzUyaM0g7";
    let list = mock_json_when(&server, 200, json!([mapping_json()]), |when| {
        ssws_request(when, GET, MAPPINGS)
    })
    .await;
    let request = json!({"resourceId": "rst9", "resourceType": "APP"});
    let create = mock_json_when(&server, 200, mapping_json(), |when| {
        when.method(POST).path(MAPPINGS).json_body(request)
    })
    .await;
    let get = mock_json(&server, GET, MAPPING, 200, mapping_json()).await;
    let del = mock_status(&server, DELETE, MAPPING, 204).await;
    let c = ssws_client(&server);
    let op = c.list_policy_mappings().policy_id("rst1");
    let all = op.call().await.unwrap();
    assert_eq!(all[0].id.as_deref(), Some("rsm30qv3iirGzUyaM0g7"));
    let request = PolicyMappingRequest {
        resource_id: "rst9".parse().unwrap(),
        resource_type: PolicyMappingResourceType::App,
        extra: Default::default(),
        kept_empty: Default::default(),
    };
    let op = c.map_resource_to_policy().policy_id("rst1").body(request);
    let created = op.call().await.unwrap();
    assert_eq!(serde_json::to_value(&created).unwrap(), mapping_json());
    let op = c
        .get_policy_mapping()
        .policy_id("rst1")
        .mapping_id("rsm30qv3iirGzUyaM0g7");
    op.call().await.unwrap();
    let op = c
        .delete_policy_resource_mapping()
        .policy_id("rst1")
        .mapping_id("rsm30qv3iirGzUyaM0g7");
    op.call().await.unwrap();
    for m in [list, create, get, del] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn list_devices_sends_search_limit_after_expand_and_decodes_losslessly() {
    let server = MockServer::start_async().await;
    let body = list_json("guo", &["CREATED", "UNSUSPENDED"], device_json);
    let search = "profile.displayName sw \"Eng-dev\" and status eq \"ACTIVE\"";
    let query = [
        ("search", search),
        ("limit", "200"),
        ("after", "guo0"),
        ("expand", "user"),
    ];
    let m = mock_when(
        &server,
        |when| with_query(ssws_request(when, GET, "/api/v1/devices"), &query),
        |then| {
            then.status(200)
                .header("link", "<https://x/api/v1/devices?limit=200>; rel=\"self\"")
                .json_body(body.clone());
        },
    )
    .await;
    let api = ssws_client(&server);
    let op = api
        .list_devices()
        .search(search)
        .limit(200)
        .after("guo0")
        .expand("user");
    let rv = op.call().await.unwrap();
    m.assert_async().await;
    assert_eq!(rv[1].status, Some(DeviceStatus::Unsuspended));
    assert_eq!(serde_json::to_value(rv).unwrap(), body);
}

#[tokio::test]
async fn device_get_delete_and_every_lifecycle_call() {
    let server = MockServer::start_async().await;
    const DEVICE: &str = "/api/v1/devices/guo4a5u7JHHhjXrMK0g4";
    let device = device_json("guo4a5u7JHHhjXrMK0g4", "CREATED");
    let get = mock_json_when(&server, 200, device, |when| {
        when.method(GET)
            .path(DEVICE)
            .header("authorization", format!("Bearer {TOKEN}"))
    })
    .await;
    let del = mock_status(&server, DELETE, DEVICE, 204).await;
    let mut lifecycle = Vec::new();
    for action in ["activate", "deactivate", "suspend", "unsuspend"] {
        let path = format!("{DEVICE}/lifecycle/{action}");
        let mock = mock_answer(&server, POST, &path, |then| {
            then.status(204).header("content-type", "application/json");
        });
        lifecycle.push(mock.await);
    }
    let c = bearer_client(&server);
    let op = c.get_device().device_id("guo4a5u7JHHhjXrMK0g4");
    let d: Device = op.call().await.unwrap();
    assert_eq!(d.status, Some(DeviceStatus::Created));
    let op = c.delete_device().device_id("guo4a5u7JHHhjXrMK0g4");
    op.call().await.unwrap();
    let op = c.activate_device().device_id("guo4a5u7JHHhjXrMK0g4");
    op.call().await.unwrap();
    let op = c.deactivate_device().device_id("guo4a5u7JHHhjXrMK0g4");
    op.call().await.unwrap();
    let op = c.suspend_device().device_id("guo4a5u7JHHhjXrMK0g4");
    op.call().await.unwrap();
    let op = c.unsuspend_device().device_id("guo4a5u7JHHhjXrMK0g4");
    op.call().await.unwrap();
    get.assert_async().await;
    del.assert_async().await;
    for m in lifecycle {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn documented_404_decodes_into_the_typed_okta_error() {
    let server = MockServer::start_async().await;
    let body = json!({
        "errorCode": "E0000007",
        "errorSummary": "Not found: Resource not found: 123456 (GenericUDObject)",
        "errorLink": "E0000007",
        "errorId": "oaeksGoibBmS9OGYo4vXT7llA",
        "errorCauses": []
    });
    mock_answer(&server, GET, "/api/v1/devices/123456", |then| {
        then.status(404)
            .header("x-okta-request-id", "req-404")
            .json_body(body.clone());
    })
    .await;
    let api = ssws_client(&server);
    let op = api.get_device().device_id("123456");
    let err = op.call().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let okta = err.okta_error().expect("an Okta error body");
    assert_eq!(
        serde_json::to_value(okta).unwrap(),
        body,
        "error body re-encodes losslessly"
    );
    assert_eq!(err.okta_error_code(), Some("E0000007"));
    assert_eq!(err.request_id(), Some("req-404"));
    assert!(!format!("{err:?}{err}").contains(TOKEN));
}
