//! Simulator: policy CRUD, lifecycle and hints, priorities, validation, default-policy and
//! account-management protections, mappings, limits and concurrency.

mod sim_common;

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_common::{
    Org, allow, assert_okta_id, assert_timestamp, enc, expect_error, expect_invalid, expect_json,
    expect_no_content, expect_not_found, first_cause, has_link, link_headers,
};

fn names(policies: &[Value]) -> Vec<String> {
    policies
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

fn priorities(policies: &[Value]) -> Vec<u64> {
    policies
        .iter()
        .map(|p| p["priority"].as_u64().expect("priority"))
        .collect()
}

#[tokio::test]
async fn list_requires_a_valid_type() {
    let org = Org::start().await;
    let body = expect_invalid(org.get("/api/v1/policies").await).await;
    assert!(first_cause(&body).contains("type"), "{body}");
    for bad in ["", "NOPE", "okta_sign_on", "OAUTH_AUTHORIZATION_POLICY"] {
        let path = format!("/api/v1/policies?type={}", enc(bad));
        expect_invalid(org.get(&path).await).await;
    }
    expect_invalid(
        org.get("/api/v1/policies?type=PASSWORD&status=ENABLED")
            .await,
    )
    .await;
    for t in [
        "OKTA_SIGN_ON",
        "PASSWORD",
        "MFA_ENROLL",
        "IDP_DISCOVERY",
        "PROFILE_ENROLLMENT",
        "Okta:SignOn",
        "Okta:ProfileEnrollment",
    ] {
        let list = org.policies(t).await;
        assert_eq!(list.len(), 1, "{t}: one default policy");
        assert_eq!(list[0]["system"], true);
        assert_eq!(list[0]["type"], t);
        assert_eq!(list[0]["status"], "ACTIVE");
    }
    assert!(org.policies("DEVICE_SIGNAL_COLLECTION").await.is_empty());
    org.sim.shutdown().await;
}

#[tokio::test]
async fn policy_crud_lifecycle_and_hints() {
    let org = Org::start().await;
    let created = org
        .create_policy(json!({
            "name": "Sales Policy",
            "description": "Policy for Sales Department",
            "type": "OKTA_SIGN_ON",
            "status": "ACTIVE",
            "conditions": { "people": { "groups": { "include": ["00gmexWGbl9VauvTP0g3"] } } },
            "x-custom": { "nested": [1, 2, 3] },
            "system": true,
            "id": "ignored",
            "created": "1999-01-01T00:00:00.000Z"
        }))
        .await;
    let id = created["id"].as_str().expect("id").to_string();
    assert_okta_id(&created["id"], "rst");
    assert_timestamp(&created["created"]);
    assert_timestamp(&created["lastUpdated"]);
    assert_ne!(created["created"], "1999-01-01T00:00:00.000Z");
    assert_eq!(created["system"], false, "system is server-owned");
    assert_eq!(created["priority"], 1);
    assert_eq!(
        created["x-custom"],
        json!({ "nested": [1, 2, 3] }),
        "unknown fields round-trip"
    );
    assert_eq!(
        created["conditions"]["people"]["groups"]["include"][0],
        "00gmexWGbl9VauvTP0g3"
    );
    assert_eq!(allow(&created, "self"), ["GET", "PUT", "DELETE"]);
    assert_eq!(allow(&created, "deactivate"), ["POST"]);
    assert!(!has_link(&created, "activate"));
    assert_eq!(allow(&created, "rules"), ["GET", "POST"]);
    let self_href = created["_links"]["self"]["href"].as_str().expect("href");
    assert_eq!(self_href, org.url(&format!("/api/v1/policies/{id}")));

    let path = format!("/api/v1/policies/{id}");
    assert_eq!(org.get_ok(&path).await, created);

    expect_no_content(org.lifecycle(&path, "deactivate").await).await;
    let inactive = org.get_ok(&path).await;
    assert_eq!(inactive["status"], "INACTIVE");
    assert_eq!(allow(&inactive, "activate"), ["POST"]);
    assert!(!has_link(&inactive, "deactivate"));
    // Lifecycle calls are idempotent for policies.
    expect_no_content(org.lifecycle(&path, "deactivate").await).await;
    expect_no_content(org.lifecycle(&path, "activate").await).await;
    assert_eq!(org.get_ok(&path).await["status"], "ACTIVE");

    // PUT replaces the client-owned fields; server-owned ones stay.
    let mut update = created.clone();
    update["name"] = json!("Sales Policy v2");
    update["x-custom"] = json!("changed");
    update.as_object_mut().expect("obj").remove("description");
    let replaced = expect_json(org.put(&path, &update).await, StatusCode::OK).await;
    assert_eq!(replaced["name"], "Sales Policy v2");
    assert_eq!(replaced["x-custom"], "changed");
    assert!(replaced.get("description").is_none());
    assert_eq!(replaced["created"], created["created"]);
    assert_eq!(replaced["id"], created["id"]);
    assert_eq!(org.get_ok(&path).await, replaced);

    // Type is immutable, name required.
    let mut bad = replaced.clone();
    bad["type"] = json!("PASSWORD");
    expect_invalid(org.put(&path, &bad).await).await;

    expect_no_content(org.delete(&path).await).await;
    expect_not_found(org.get(&path).await).await;
    expect_not_found(org.delete(&path).await).await;
    expect_not_found(org.put(&path, &replaced).await).await;
    let body = expect_not_found(org.lifecycle(&path, "activate").await).await;
    assert_eq!(
        body["errorSummary"],
        format!("Not found: Resource not found: {id} (Policy)")
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn create_status_follows_body_and_activate_parameter() {
    let org = Org::start().await;
    // Doc 000: a DEVICE_SIGNAL_COLLECTION policy created INACTIVE (its response shows the typo
    // "INIACTIVE"; the simulator answers the valid status that was sent).
    let dsc = org
        .create_policy(json!({ "name": "Device signal collection policy", "type": "DEVICE_SIGNAL_COLLECTION", "status": "INACTIVE" }))
        .await;
    assert_eq!(dsc["status"], "INACTIVE");
    assert!(has_link(&dsc, "activate"));
    assert_eq!(allow(&dsc, "mappings"), ["GET", "POST"]);
    let default_active = org
        .create_policy(json!({ "name": "A", "type": "PASSWORD" }))
        .await;
    assert_eq!(default_active["status"], "ACTIVE");
    let resp = org
        .post(
            "/api/v1/policies?activate=false",
            &json!({ "name": "B", "type": "PASSWORD" }),
        )
        .await;
    assert_eq!(
        expect_json(resp, StatusCode::OK).await["status"],
        "INACTIVE"
    );
    expect_invalid(
        org.post(
            "/api/v1/policies?activate=maybe",
            &json!({ "name": "C", "type": "PASSWORD" }),
        )
        .await,
    )
    .await;
    // Doc 000 sends priority as a string (erratum E001): the body is checked against the spec,
    // so the string is refused and the corrected number accepted.
    expect_invalid(
        org.post(
            "/api/v1/policies",
            &json!({ "name": "D", "type": "ACCESS_POLICY", "priority": "1" }),
        )
        .await,
    )
    .await;
    let p = org
        .create_policy(json!({ "name": "D", "type": "ACCESS_POLICY", "priority": 1, "status": "ACTIVE", "system": false, "conditions": null }))
        .await;
    assert_eq!(p["priority"], 1);
    assert_eq!(p["conditions"], Value::Null);
    // Recorded real orgs: ACCESS_POLICY objects created through the API carry no `_embedded`.
    assert!(p.get("_embedded").is_none(), "{p}");
    org.sim.shutdown().await;
}

#[tokio::test]
async fn validation_errors_name_the_problem() {
    let org = Org::start().await;
    let cases = [
        (json!({ "type": "PASSWORD" }), "name"),
        (json!({ "name": "  ", "type": "PASSWORD" }), "name"),
        (json!({ "name": 7, "type": "PASSWORD" }), "name"),
        (json!({ "name": "x" }), "type"),
        (json!({ "name": "x", "type": "NOT_A_TYPE" }), "type"),
        (
            json!({ "name": "x", "type": "PASSWORD", "status": "ENABLED" }),
            "status",
        ),
        (
            json!({ "name": "x", "type": "PASSWORD", "priority": "first" }),
            "priority",
        ),
        (
            json!({ "name": "x".repeat(256), "type": "PASSWORD" }),
            "name",
        ),
    ];
    for (body, field) in cases {
        let err = expect_invalid(org.post("/api/v1/policies", &body).await).await;
        assert_eq!(
            err["errorSummary"],
            format!("Api validation failed: {field}"),
            "{body}"
        );
        let cause = first_cause(&err);
        assert!(cause.starts_with(&format!("{field}: ")), "{cause}");
    }
    // Several problems → several causes.
    let err = expect_invalid(org.post("/api/v1/policies", &json!({})).await).await;
    assert_eq!(err["errorCauses"].as_array().map(Vec::len), Some(2));

    // Bodies that are not JSON objects → E0000003.
    for raw in ["{\"name\": \"x\",", "not json", "[1,2]", ""] {
        let resp = org
            .client
            .post(org.url("/api/v1/policies"))
            .header("Authorization", format!("SSWS {}", sim_common::TOKEN))
            .header("Content-Type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("send");
        let err = expect_error(resp, StatusCode::BAD_REQUEST, "E0000003").await;
        assert_eq!(err["errorSummary"], "The request body was not well-formed.");
    }
    assert_eq!(
        org.policies("PASSWORD").await.len(),
        1,
        "nothing was created"
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn priorities_shift_and_the_default_policy_stays_last() {
    let org = Org::start().await;
    let a = org
        .create_policy(json!({ "name": "A", "type": "PASSWORD" }))
        .await;
    let b = org
        .create_policy(json!({ "name": "B", "type": "PASSWORD" }))
        .await;
    assert_eq!(
        (a["priority"].as_u64(), b["priority"].as_u64()),
        (Some(1), Some(2))
    );
    let c = org
        .create_policy(json!({ "name": "C", "type": "PASSWORD", "priority": 1 }))
        .await;
    assert_eq!(c["priority"], 1);
    org.create_policy(json!({ "name": "Z", "type": "PASSWORD", "priority": 99 }))
        .await;
    org.create_policy(json!({ "name": "Y", "type": "PASSWORD", "priority": 0 }))
        .await;
    let list = org.policies("PASSWORD").await;
    assert_eq!(names(&list), ["Y", "C", "A", "B", "Z", "Default Policy"]);
    assert_eq!(priorities(&list), [1, 2, 3, 4, 5, 6]);

    // Moving through PUT.
    let mut moved = list[4].clone();
    moved["priority"] = json!(2);
    let id = moved["id"].as_str().expect("id").to_string();
    let resp = org.put(&format!("/api/v1/policies/{id}"), &moved).await;
    assert_eq!(expect_json(resp, StatusCode::OK).await["priority"], 2);
    let list = org.policies("PASSWORD").await;
    assert_eq!(names(&list), ["Y", "Z", "C", "A", "B", "Default Policy"]);

    // The default policy cannot be moved up.
    let mut default = list[5].clone();
    default["priority"] = json!(1);
    let id = default["id"].as_str().expect("id").to_string();
    let resp = org.put(&format!("/api/v1/policies/{id}"), &default).await;
    assert_eq!(expect_json(resp, StatusCode::OK).await["priority"], 6);

    // Deleting closes the gap; status filter works on the ordered list.
    let c_id = c["id"].as_str().expect("id");
    expect_no_content(org.delete(&format!("/api/v1/policies/{c_id}")).await).await;
    let a_id = a["id"].as_str().expect("id");
    expect_no_content(
        org.post_empty(&format!("/api/v1/policies/{a_id}/lifecycle/deactivate"))
            .await,
    )
    .await;
    let list = org.policies("PASSWORD").await;
    assert_eq!(priorities(&list), [1, 2, 3, 4, 5]);
    let inactive = org
        .get_ok("/api/v1/policies?type=PASSWORD&status=INACTIVE")
        .await;
    assert_eq!(names(inactive.as_array().expect("array")), ["A"]);
    let active = org
        .get_ok("/api/v1/policies?type=PASSWORD&status=ACTIVE")
        .await;
    assert_eq!(active.as_array().map(Vec::len), Some(4));
    org.sim.shutdown().await;
}

#[tokio::test]
async fn default_policies_are_protected() {
    let org = Org::start().await;
    for t in [
        "OKTA_SIGN_ON",
        "PASSWORD",
        "MFA_ENROLL",
        "ACCESS_POLICY",
        "PROFILE_ENROLLMENT",
        "Okta:SignOn",
    ] {
        let list = org.policies(t).await;
        let default = list.last().expect("default").clone();
        assert_eq!(default["system"], true, "{t}");
        assert_eq!(allow(&default, "self"), ["GET", "PUT"], "{t}");
        assert!(!has_link(&default, "deactivate") && !has_link(&default, "activate"));
        let id = default["id"].as_str().expect("id");
        let path = format!("/api/v1/policies/{id}");
        let err = expect_invalid(org.delete(&path).await).await;
        assert!(first_cause(&err).contains("default policy"), "{err}");
        expect_invalid(org.lifecycle(&path, "deactivate").await).await;
        expect_no_content(org.lifecycle(&path, "activate").await).await;
        // Recorded real orgs ignore `status` in a PUT: 200, and the policy stays ACTIVE.
        let mut inactive = default.clone();
        inactive["status"] = json!("INACTIVE");
        let kept = expect_json(org.put(&path, &inactive).await, StatusCode::OK).await;
        assert_eq!(kept["status"], "ACTIVE");
        // Other fields of a default policy can be updated (doc 004 updates "Default Policy").
        let mut renamed = default.clone();
        renamed["description"] = json!("updated by test");
        let updated = expect_json(org.put(&path, &renamed).await, StatusCode::OK).await;
        assert_eq!(updated["description"], "updated by test");
        assert_eq!(updated["system"], true);
        assert_eq!(org.get_ok(&path).await["status"], "ACTIVE");
    }
    org.sim.shutdown().await;
}

fn account_management(list: &[Value]) -> Value {
    list.iter()
        .find(|p| p["_embedded"]["resourceType"] == "END_USER_ACCOUNT_MANAGEMENT")
        .cloned()
        .expect("account management policy")
}

#[tokio::test]
async fn account_management_policy_is_read_only_but_its_rules_are_manageable() {
    let org = Org::start().await;
    let list = org.policies("ACCESS_POLICY").await;
    assert_eq!(list.len(), 2);
    let amp = account_management(&list);
    // Shape from doc 001.
    assert_eq!(amp["name"], "Okta Account Management Policy");
    assert_eq!(amp["type"], "ACCESS_POLICY");
    assert_eq!(amp["status"], "ACTIVE");
    assert_eq!(amp["system"], false);
    assert_eq!(amp["priority"], 1);
    assert_eq!(amp["conditions"], Value::Null);
    assert!(
        amp["description"]
            .as_str()
            .expect("d")
            .starts_with("This policy defines")
    );
    let links: Vec<&String> = amp["_links"].as_object().expect("links").keys().collect();
    assert_eq!(links, ["self", "rules"]);
    assert_eq!(allow(&amp, "self"), ["GET"]);
    assert_eq!(allow(&amp, "rules"), ["GET", "POST"]);
    let other = list.iter().find(|p| p["id"] != amp["id"]).expect("default");
    // Only the account management policy has `_embedded` (recorded real orgs).
    assert!(other.get("_embedded").is_none(), "{other}");

    let id = amp["id"].as_str().expect("id");
    let path = format!("/api/v1/policies/{id}");
    assert_eq!(org.get_ok(&path).await, amp);
    let mut changed = amp.clone();
    changed["name"] = json!("Renamed");
    expect_invalid(org.put(&path, &changed).await).await;
    expect_invalid(org.delete(&path).await).await;
    for action in ["activate", "deactivate"] {
        expect_invalid(org.lifecycle(&path, action).await).await;
    }
    expect_invalid(
        org.post(
            &format!("{path}/mappings"),
            &json!({ "resourceId": "0oa1", "resourceType": "APP" }),
        )
        .await,
    )
    .await;
    assert_eq!(org.get_ok(&path).await, amp, "nothing changed");

    // Its rules: create, update, deactivate, delete.
    let rule = org
        .create(&format!("{path}/rules"), &json!({
            "name": "Phishing-resistant enrollment",
            "type": "ACCESS_POLICY",
            "conditions": { "device": { "managed": true } },
            "actions": { "appSignOn": { "access": "ALLOW", "verificationMethod": { "factorMode": "1FA", "type": "ASSURANCE", "constraints": [ { "possession": { "phishingResistant": "REQUIRED" } } ] } } }
        }))
        .await;
    assert_eq!(
        rule["priority"], 1,
        "new rules go before the catch-all rule"
    );
    let rule_path = format!("{path}/rules/{}", rule["id"].as_str().expect("id"));
    let mut updated = rule.clone();
    updated["name"] = json!("Renamed rule");
    let updated = expect_json(org.put(&rule_path, &updated).await, StatusCode::OK).await;
    assert_eq!(updated["name"], "Renamed rule");
    expect_no_content(org.lifecycle(&rule_path, "deactivate").await).await;
    expect_no_content(org.delete(&rule_path).await).await;
    let rules = org.get_ok(&format!("{path}/rules")).await;
    assert_eq!(rules.as_array().map(Vec::len), Some(1));
    org.sim.shutdown().await;
}

#[tokio::test]
async fn expand_rules_embeds_rules_and_fails_past_twenty() {
    let org = Org::start().await;
    let policy = org
        .create_policy(json!({ "name": "Expand", "type": "PASSWORD" }))
        .await;
    let id = policy["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/policies/{id}");
    let plain = org.get_ok(&path).await;
    assert!(plain.get("_embedded").is_none());
    let empty = org.get_ok(&format!("{path}?expand=rules")).await;
    assert_eq!(empty["_embedded"]["rules"], json!([]));
    for i in 0..20 {
        org.create(
            &format!("{path}/rules"),
            &json!({ "name": format!("r{i}"), "type": "PASSWORD" }),
        )
        .await;
    }
    let expanded = org.get_ok(&format!("{path}?expand=rules")).await;
    let rules = expanded["_embedded"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 20);
    assert_eq!(rules[0]["name"], "r0");
    assert_eq!(rules[19]["priority"], 20);
    // listPolicies honours expand too.
    let listed = org
        .get_ok("/api/v1/policies?type=PASSWORD&expand=rules")
        .await;
    assert_eq!(
        listed[0]["_embedded"]["rules"].as_array().map(Vec::len),
        Some(20)
    );
    assert_eq!(
        listed[1]["_embedded"]["rules"].as_array().map(Vec::len),
        Some(1),
        "default rule"
    );

    org.create(
        &format!("{path}/rules"),
        &json!({ "name": "r20", "type": "PASSWORD" }),
    )
    .await;
    let err = expect_invalid(org.get(&format!("{path}?expand=rules")).await).await;
    assert!(first_cause(&err).contains("20"), "{err}");
    expect_invalid(org.get("/api/v1/policies?type=PASSWORD&expand=rules").await).await;
    // Without expand the policy and its 21 rules are still readable.
    assert_eq!(
        org.get_ok(&format!("{path}/rules"))
            .await
            .as_array()
            .map(Vec::len),
        Some(21)
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn beta_policy_types_are_limited_to_500() {
    let org = Org::start().await;
    // Two seeded defaults (Okta:SignOn, Okta:ProfileEnrollment) count toward the limit.
    let mut created = 0;
    for i in 0..498 {
        let t = if i % 2 == 0 {
            "Okta:SignOn"
        } else {
            "Okta:ProfileEnrollment"
        };
        let resp = org
            .post(
                "/api/v1/policies",
                &json!({ "name": format!("p{i}"), "type": t }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "policy {i}");
        created += 1;
    }
    assert_eq!(created, 498);
    let err = expect_invalid(
        org.post(
            "/api/v1/policies",
            &json!({ "name": "one too many", "type": "Okta:SignOn" }),
        )
        .await,
    )
    .await;
    assert!(first_cause(&err).contains("500"), "{err}");
    // Classic types are unaffected.
    org.create_policy(json!({ "name": "still fine", "type": "OKTA_SIGN_ON" }))
        .await;
    assert_eq!(org.policies("Okta:SignOn").await.len(), 250);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn beta_policy_shape_round_trips() {
    let org = Org::start().await;
    // Doc 003 "Create a Policy" (its request has a stray closing brace; the valid JSON part is sent).
    let created = org
        .create_policy(json!({ "type": "Okta:SignOn", "status": "ACTIVE", "name": "My App Assurance Policy", "default": false }))
        .await;
    assert_eq!(created["default"], false);
    assert!(has_link(&created, "applications") && has_link(&created, "mappings"));
    let id = created["id"].as_str().expect("id");
    let mut update = created.clone();
    update["name"] = json!("My Default App Assurance Policy");
    update["default"] = json!(true);
    let updated = expect_json(
        org.put(&format!("/api/v1/policies/{id}"), &update).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["default"], true);
    assert_eq!(updated["name"], "My Default App Assurance Policy");
    org.sim.shutdown().await;
}

#[tokio::test]
async fn mappings_crud() {
    let org = Org::start().await;
    let auth = org
        .create_policy(json!({ "name": "Auth", "type": "ACCESS_POLICY" }))
        .await;
    let dsc = org
        .create_policy(
            json!({ "name": "DSC", "type": "DEVICE_SIGNAL_COLLECTION", "status": "INACTIVE" }),
        )
        .await;
    let dsc_id = dsc["id"].as_str().expect("id");
    let path = format!("/api/v1/policies/{dsc_id}/mappings");
    assert_eq!(org.get_ok(&path).await, json!([]));
    let mapping = org
        .create(
            &path,
            &json!({ "resourceId": auth["id"], "resourceType": "APP" }),
        )
        .await;
    assert_okta_id(&mapping["id"], "rsm");
    assert_eq!(allow(&mapping, "self"), ["GET", "DELETE"]);
    let app_href = mapping["_links"]["application"]["href"]
        .as_str()
        .expect("href");
    assert!(app_href.ends_with(auth["id"].as_str().expect("id")));
    assert_eq!(
        mapping["_links"]["policy"]["href"],
        org.url(&format!("/api/v1/policies/{dsc_id}"))
    );
    // Mapping the same resource again returns the same mapping.
    let again = org
        .create(
            &path,
            &json!({ "resourceId": auth["id"], "resourceType": "APP" }),
        )
        .await;
    assert_eq!(again["id"], mapping["id"]);
    let app = org
        .create(
            &path,
            &json!({ "resourceId": "0oa10510BvfrKTfzD0g4", "resourceType": "APP" }),
        )
        .await;
    assert_eq!(org.get_ok(&path).await.as_array().map(Vec::len), Some(2));
    let mapping_path = format!("{path}/{}", mapping["id"].as_str().expect("id"));
    assert_eq!(org.get_ok(&mapping_path).await, mapping);
    expect_no_content(org.delete(&mapping_path).await).await;
    expect_not_found(org.get(&mapping_path).await).await;
    expect_not_found(org.delete(&mapping_path).await).await;
    assert_eq!(org.get_ok(&path).await, json!([app]));

    for (body, field) in [
        (json!({ "resourceType": "APP" }), "resourceId"),
        (json!({ "resourceId": "0oa1" }), "resourceType"),
        (
            json!({ "resourceId": "0oa1", "resourceType": "GROUP" }),
            "resourceType",
        ),
    ] {
        let err = expect_invalid(org.post(&path, &body).await).await;
        assert_eq!(
            err["errorSummary"],
            format!("Api validation failed: {field}")
        );
    }
    expect_not_found(
        org.post(
            "/api/v1/policies/rstNOPE/mappings",
            &json!({ "resourceId": "0oa1", "resourceType": "APP" }),
        )
        .await,
    )
    .await;
    // Deleting the policy removes its mappings.
    expect_no_content(org.delete(&format!("/api/v1/policies/{dsc_id}")).await).await;
    expect_not_found(org.get(&path).await).await;
    org.sim.shutdown().await;
}

#[tokio::test]
async fn policy_pagination_uses_link_headers() {
    let org = Org::start().await;
    for i in 0..6 {
        org.create_policy(json!({ "name": format!("P{i}"), "type": "MFA_ENROLL" }))
            .await;
    }
    let mut path = "/api/v1/policies?type=MFA_ENROLL&limit=3".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let resp = org.get(&path).await;
        let links = link_headers(&resp);
        let page = expect_json(resp, StatusCode::OK).await;
        seen.extend(names(page.as_array().expect("array")));
        pages += 1;
        assert_eq!(links[0].1, "self");
        match links.iter().find(|(_, rel)| rel == "next") {
            Some((url, _)) => path = url.trim_start_matches(&org.base).to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["P0", "P1", "P2", "P3", "P4", "P5", "Default Policy"]);
    expect_invalid(
        org.get("/api/v1/policies?type=MFA_ENROLL&after=bogus")
            .await,
    )
    .await;
    expect_invalid(org.get("/api/v1/policies?type=MFA_ENROLL&limit=0").await).await;
    org.sim.shutdown().await;
}

#[tokio::test]
async fn concurrent_creates_get_distinct_ids_and_a_consistent_order() {
    let org = Org::start().await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = org.client.clone();
        let url = org.url("/api/v1/policies");
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("Authorization", format!("SSWS {}", sim_common::TOKEN))
                .json(&json!({ "name": format!("parallel-{i}"), "type": "OKTA_SIGN_ON" }))
                .send()
                .await
                .expect("send");
            expect_json(resp, StatusCode::OK).await
        }));
    }
    let mut ids = HashSet::new();
    for task in tasks {
        let created = task.await.expect("task");
        assert!(ids.insert(created["id"].as_str().expect("id").to_string()));
    }
    assert_eq!(ids.len(), 50);
    let list = org.policies("OKTA_SIGN_ON").await;
    assert_eq!(list.len(), 51);
    assert_eq!(priorities(&list), (1..=51).collect::<Vec<u64>>());
    assert_eq!(list[50]["name"], "Default Policy");
    let listed: HashSet<String> = list[..50]
        .iter()
        .map(|p| p["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(listed, ids);

    // Parallel mixed reads and writes on one policy's rules.
    let policy_id = list[0]["id"].as_str().expect("id").to_string();
    let mut tasks = Vec::new();
    for i in 0..30 {
        let client = org.client.clone();
        let base = org.base.clone();
        let policy_id = policy_id.clone();
        tasks.push(tokio::spawn(async move {
            let auth = format!("SSWS {}", sim_common::TOKEN);
            let url = format!("{base}/api/v1/policies/{policy_id}/rules");
            if i % 3 == 0 {
                client
                    .get(url)
                    .header("Authorization", auth)
                    .send()
                    .await
                    .expect("send")
                    .status()
            } else {
                client
                    .post(url)
                    .header("Authorization", auth)
                    .json(&json!({ "name": format!("rule-{i}"), "type": "SIGN_ON" }))
                    .send()
                    .await
                    .expect("send")
                    .status()
            }
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), StatusCode::OK);
    }
    let rules = org
        .get_ok(&format!("/api/v1/policies/{policy_id}/rules"))
        .await;
    let rules = rules.as_array().expect("array");
    assert_eq!(rules.len(), 20);
    assert_eq!(priorities(rules), (1..=20).collect::<Vec<u64>>());
    org.sim.shutdown().await;
}

#[tokio::test]
async fn whole_numbers_beyond_64_bits_are_refused_not_stored_as_floats() {
    let org = Org::start().await;
    // serde_json would keep this only as a float, answering a different (non-integer) value.
    let body = r#"{"name":"big","type":"PASSWORD","settings":{"password":{"age":{"historyCount":-4080057064378163000000000000000}}}}"#;
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/policies", org.sim.base_url()))
        .header("authorization", "SSWS sim-api-token")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    expect_invalid(resp).await;
    org.sim.shutdown().await;
}

/// Every policy of `policy_type`, following the `next` links at `limit`; also the page count.
async fn list_all_pages(org: &Org, policy_type: &str, limit: usize) -> (Vec<Value>, usize) {
    list_pages(org, &format!("type={policy_type}"), limit).await
}

/// Every policy the list query `query` finds, following the `next` links at `limit`; also the
/// page count.
async fn list_pages(org: &Org, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut path = format!("/api/v1/policies?{query}&limit={limit}");
    let (mut seen, mut pages) = (Vec::new(), 0);
    loop {
        let resp = org.get(&path).await;
        let links = link_headers(&resp);
        let page = expect_json(resp, StatusCode::OK).await;
        let page = page.as_array().cloned().expect("array");
        assert!(page.len() <= limit);
        seen.extend(page);
        pages += 1;
        assert!(pages < 100, "runaway pagination");
        match links.iter().find(|(_, rel)| rel == "next") {
            Some((url, _)) => path = url.trim_start_matches(&org.base).to_string(),
            None => return (seen, pages),
        }
    }
}

#[tokio::test]
async fn a_seeded_org_at_scale_lists_every_policy_over_pages() {
    let org = Org::with(okta_sim::SimConfig {
        device_count: 5,
        policy_count: 600,
        rules_per_policy: 3,
        ..okta_sim::SimConfig::default()
    })
    .await;
    let mut total = 0;
    for policy_type in okta_sim::SEEDED_POLICY_TYPES {
        let everything = org.policies(policy_type).await;
        let (paged, pages) = list_all_pages(&org, policy_type, 50).await;
        assert_eq!(
            paged, everything,
            "{policy_type}: pages hold the whole list"
        );
        assert!(pages >= 3, "{policy_type}: {pages} pages");
        let seeded: Vec<&Value> = paged
            .iter()
            .filter(|p| p["name"].as_str().is_some_and(|n| n.starts_with("Seeded ")))
            .collect();
        assert_eq!(seeded.len(), 120, "{policy_type}");
        total += seeded.len();
        // Consecutive priorities, the default policy last.
        let expected: Vec<u64> = (1..=paged.len() as u64).collect();
        assert_eq!(priorities(&paged), expected, "{policy_type}");
        assert_eq!(paged.last().expect("last")["name"], "Default Policy");
        let first = seeded[0]["id"].as_str().expect("id");
        let rules = org.get_ok(&format!("/api/v1/policies/{first}/rules")).await;
        let rules = rules.as_array().expect("array");
        assert_eq!(rules.len(), 3);
        assert_eq!(priorities(rules), [1, 2, 3]);
        assert_eq!(rules[0]["name"], "Seeded rule 1");
        assert_eq!(rules[0]["system"], false);
        assert_eq!(
            org.get_ok(&format!("/api/v1/policies/{first}")).await,
            seeded[0].clone()
        );
    }
    assert_eq!(total, 600);

    // Creating, moving and deleting keep priorities and cursors consistent in a big list.
    let created = org
        .create_policy(json!({ "name": "added", "type": "PASSWORD" }))
        .await;
    assert_eq!(created["priority"], 121);
    let id = created["id"].as_str().expect("id").to_string();
    let mut moved = created.clone();
    moved["priority"] = json!(2);
    let moved = expect_json(
        org.put(&format!("/api/v1/policies/{id}"), &moved).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["priority"], 2);
    let (paged, _) = list_all_pages(&org, "PASSWORD", 40).await;
    assert_eq!(paged[1]["id"], id.as_str());
    assert_eq!(priorities(&paged), (1..=122).collect::<Vec<u64>>());
    let after = org
        .get_ok(&format!(
            "/api/v1/policies?type=PASSWORD&limit=1&after={id}"
        ))
        .await;
    assert_eq!(after[0]["id"], paged[2]["id"]);
    assert_eq!(after[0]["priority"], 3);
    expect_no_content(org.delete(&format!("/api/v1/policies/{id}")).await).await;
    let (paged, _) = list_all_pages(&org, "PASSWORD", 40).await;
    assert_eq!(paged.len(), 121);
    assert_eq!(priorities(&paged), (1..=121).collect::<Vec<u64>>());
    expect_invalid(
        org.get(&format!("/api/v1/policies?type=PASSWORD&after={id}"))
            .await,
    )
    .await;
    org.sim.shutdown().await;
}

/// The list in `sortBy=name` order: by lower-cased name, equal names in priority order.
fn by_name(priority_order: &[Value]) -> Vec<Value> {
    let mut sorted = priority_order.to_vec();
    sorted.sort_by_key(|p| p["name"].as_str().unwrap_or("").to_lowercase());
    sorted
}

#[tokio::test]
async fn name_sorted_pages_follow_renames_creates_and_deletes() {
    let org = Org::with(okta_sim::SimConfig {
        device_count: 0,
        policy_count: 100,
        ..okta_sim::SimConfig::default()
    })
    .await;
    let sorted_pages = || list_pages(&org, "type=PASSWORD&sortBy=name", 7);
    let (paged, pages) = sorted_pages().await;
    assert_eq!(paged, by_name(&org.policies("PASSWORD").await));
    assert!(pages >= 3, "{pages} pages");
    // "Seeded PASSWORD policy 10" sorts before "... 2": names compare as text.
    let names = names(&paged);
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase())
    );

    // A rename moves the policy; equal names keep their priority order.
    let last = paged.last().expect("policies").clone();
    let mut renamed = last.clone();
    renamed["name"] = json!("aaa renamed");
    // Without a priority, nothing moves in the priority order: only the name changes.
    renamed.as_object_mut().expect("object").remove("priority");
    let path = format!("/api/v1/policies/{}", last["id"].as_str().expect("id"));
    expect_json(org.put(&path, &renamed).await, StatusCode::OK).await;
    let (paged, _) = sorted_pages().await;
    assert_eq!(paged[0]["id"], last["id"]);
    let twin = org
        .create_policy(json!({ "name": "AAA RENAMED", "type": "PASSWORD" }))
        .await;
    let (paged, _) = sorted_pages().await;
    assert_eq!(paged[0]["id"], last["id"]);
    assert_eq!(paged[1]["id"], twin["id"]);
    assert_eq!(paged, by_name(&org.policies("PASSWORD").await));

    // The cursor of a deleted policy is refused; the others still page.
    let gone = paged[3]["id"].as_str().expect("id").to_string();
    expect_no_content(org.delete(&format!("/api/v1/policies/{gone}")).await).await;
    let after = |id: &Value| {
        format!(
            "/api/v1/policies?type=PASSWORD&sortBy=name&limit=1&after={}",
            id.as_str().expect("id")
        )
    };
    expect_invalid(org.get(&after(&json!(gone))).await).await;
    let next = org.get_ok(&after(&paged[2]["id"])).await;
    assert_eq!(next[0]["id"], paged[4]["id"]);
    let (paged, _) = sorted_pages().await;
    assert_eq!(paged, by_name(&org.policies("PASSWORD").await));
    org.sim.shutdown().await;
}
