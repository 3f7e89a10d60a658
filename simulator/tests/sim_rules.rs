//! Simulator: policy rules — CRUD, lifecycle and hints, priorities, type inference and checks,
//! default-rule protections and the 100-rule limit.

mod sim_common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sim_common::{
    Org, allow, assert_okta_id, assert_timestamp, expect_error, expect_invalid, expect_json,
    expect_no_content, expect_not_found, first_cause, has_link,
};

/// Creates a policy of this type; returns the path of its rules collection.
async fn new_policy_rules(org: &Org, policy_type: &str) -> String {
    let p = org
        .create_policy(json!({ "name": format!("{policy_type} rules"), "type": policy_type }))
        .await;
    format!("/api/v1/policies/{}/rules", p["id"].as_str().expect("id"))
}

fn names(rules: &Value) -> Vec<String> {
    rules
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn rule_crud_lifecycle_and_hints() {
    let org = Org::start().await;
    let rules = new_policy_rules(&org, "OKTA_SIGN_ON").await;
    // Doc 004 "Create a rule" with the `type` its example omits (erratum E047).
    let rule = org
        .create(&rules, &json!({
            "name": "New Policy Rule",
            "type": "SIGN_ON",
            "conditions": { "people": { "users": { "exclude": [] } }, "network": { "connection": "ON_NETWORK" }, "authContext": { "authType": "ANY" } },
            "actions": { "signon": { "access": "ALLOW" } },
            "x-extension": [true]
        }))
        .await;
    assert_okta_id(&rule["id"], "rul");
    assert_timestamp(&rule["created"]);
    assert_eq!(rule["type"], "SIGN_ON");
    assert_eq!(rule["status"], "ACTIVE");
    assert_eq!(rule["system"], false);
    assert_eq!(rule["priority"], 1);
    assert_eq!(rule["x-extension"], json!([true]));
    assert_eq!(allow(&rule, "self"), ["GET", "PUT", "DELETE"]);
    assert_eq!(allow(&rule, "deactivate"), ["POST"]);
    assert_eq!(
        rule["_links"]["policy"]["href"],
        org.url(rules.trim_end_matches("/rules"))
    );
    let path = format!("{rules}/{}", rule["id"].as_str().expect("id"));
    assert_eq!(org.get_ok(&path).await, rule);

    expect_no_content(org.lifecycle(&path, "deactivate").await).await;
    let inactive = org.get_ok(&path).await;
    assert_eq!(inactive["status"], "INACTIVE");
    assert!(has_link(&inactive, "activate") && !has_link(&inactive, "deactivate"));
    expect_no_content(org.lifecycle(&path, "activate").await).await;
    assert_eq!(org.get_ok(&path).await["status"], "ACTIVE");

    let mut update = org.get_ok(&path).await;
    update["name"] = json!("My Updated Policy Rule");
    update["actions"]["signon"]["access"] = json!("DENY");
    let updated = expect_json(org.put(&path, &update).await, StatusCode::OK).await;
    assert_eq!(updated["name"], "My Updated Policy Rule");
    assert_eq!(updated["actions"]["signon"]["access"], "DENY");
    assert_eq!(updated["created"], rule["created"]);
    // The classic doc's rule type name OKTA_SIGN_ON is accepted too, but type can't change.
    let mut retyped = updated.clone();
    retyped["type"] = json!("PASSWORD");
    expect_invalid(org.put(&path, &retyped).await).await;

    expect_no_content(org.delete(&path).await).await;
    let err = expect_not_found(org.get(&path).await).await;
    assert!(
        err["errorSummary"]
            .as_str()
            .expect("s")
            .ends_with("(PolicyRule)")
    );
    expect_not_found(org.delete(&path).await).await;
    expect_not_found(org.get("/api/v1/policies/rstNOPE/rules").await).await;
    org.sim.shutdown().await;
}

#[tokio::test]
async fn rule_creation_checks_and_activate_parameter() {
    let org = Org::start().await;
    let rules = new_policy_rules(&org, "PASSWORD").await;
    for (body, field) in [
        (json!({ "type": "PASSWORD" }), "name"),
        (json!({ "name": "r", "type": "MFA_ENROLL" }), "type"),
        (json!({ "name": "r", "type": "BOGUS" }), "type"),
        (json!({ "name": "r" }), "type"),
        (
            json!({ "name": "r", "type": "PASSWORD", "status": "ON" }),
            "status",
        ),
    ] {
        let err = expect_invalid(org.post(&rules, &body).await).await;
        assert_eq!(
            err["errorSummary"],
            format!("Api validation failed: {field}"),
            "{body}"
        );
    }
    let resp = org
        .client
        .post(org.url(&rules))
        .header("Authorization", format!("SSWS {}", sim_common::TOKEN))
        .header("Content-Type", "application/json")
        .body("{\"name\": \"x\", }")
        .send()
        .await
        .expect("send");
    expect_error(resp, StatusCode::BAD_REQUEST, "E0000003").await;
    let inactive = expect_json(
        org.post(
            &format!("{rules}?activate=false"),
            &json!({ "name": "off", "type": "PASSWORD" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(inactive["status"], "INACTIVE");
    let explicit = org
        .create(
            &rules,
            &json!({ "name": "body wins", "type": "PASSWORD", "status": "INACTIVE" }),
        )
        .await;
    assert_eq!(explicit["status"], "INACTIVE");
    // OKTA_SIGN_ON policies accept both SIGN_ON and the doc's OKTA_SIGN_ON rule type.
    let sign_on_rules = new_policy_rules(&org, "OKTA_SIGN_ON").await;
    for t in ["SIGN_ON", "OKTA_SIGN_ON"] {
        let r = org
            .create(&sign_on_rules, &json!({ "name": t, "type": t }))
            .await;
        assert_eq!(r["type"], t);
    }
    org.sim.shutdown().await;
}

#[tokio::test]
async fn rule_priorities_shift_and_default_rule_stays_last() {
    let org = Org::start().await;
    let list = org.policies("PASSWORD").await;
    let default_policy = list.last().expect("default")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let rules = format!("/api/v1/policies/{default_policy}/rules");
    org.create(&rules, &json!({ "name": "A", "type": "PASSWORD" }))
        .await;
    org.create(&rules, &json!({ "name": "B", "type": "PASSWORD" }))
        .await;
    let c = org
        .create(
            &rules,
            &json!({ "name": "C", "type": "PASSWORD", "priority": 1 }),
        )
        .await;
    assert_eq!(c["priority"], 1);
    org.create(
        &rules,
        &json!({ "name": "Z", "type": "PASSWORD", "priority": 50 }),
    )
    .await;
    let listed = org.get_ok(&rules).await;
    assert_eq!(names(&listed), ["C", "A", "B", "Z", "Default Rule"]);
    let prios: Vec<u64> = listed
        .as_array()
        .expect("a")
        .iter()
        .map(|r| r["priority"].as_u64().expect("p"))
        .collect();
    assert_eq!(prios, [1, 2, 3, 4, 5]);
    // Move Z to the top through PUT.
    let mut z = listed[3].clone();
    z["priority"] = json!(1);
    let z_path = format!("{rules}/{}", z["id"].as_str().expect("id"));
    assert_eq!(
        expect_json(org.put(&z_path, &z).await, StatusCode::OK).await["priority"],
        1
    );
    assert_eq!(
        names(&org.get_ok(&rules).await),
        ["Z", "C", "A", "B", "Default Rule"]
    );
    let limited = org.get_ok(&format!("{rules}?limit=2")).await;
    assert_eq!(names(&limited), ["Z", "C"]);
    org.sim.shutdown().await;
}

#[tokio::test]
async fn default_rules_cannot_be_deleted_changed_or_deactivated() {
    let org = Org::start().await;
    for t in [
        "OKTA_SIGN_ON",
        "PASSWORD",
        "MFA_ENROLL",
        "ACCESS_POLICY",
        "Okta:ProfileEnrollment",
    ] {
        let default_policy = org.policies(t).await.last().expect("default").clone();
        let rules = format!(
            "/api/v1/policies/{}/rules",
            default_policy["id"].as_str().expect("id")
        );
        let listed = org.get_ok(&rules).await;
        let rule = listed
            .as_array()
            .expect("a")
            .last()
            .expect("default rule")
            .clone();
        assert_eq!(rule["system"], true, "{t}");
        assert_eq!(allow(&rule, "self"), ["GET", "PUT"], "{t}");
        assert!(!has_link(&rule, "deactivate"), "{t}");
        let path = format!("{rules}/{}", rule["id"].as_str().expect("id"));
        let err = expect_invalid(org.delete(&path).await).await;
        assert!(
            first_cause(&err).contains("Default Rule is immutable"),
            "{err}"
        );
        expect_invalid(org.lifecycle(&path, "deactivate").await).await;
        expect_no_content(org.lifecycle(&path, "activate").await).await;
        for (field, value) in [
            ("name", json!("Renamed")),
            ("status", json!("INACTIVE")),
            // (`{}` would not do: ACCESS_POLICY rules get their server defaults filled in.)
            ("conditions", json!({ "network": { "connection": "ZONE" } })),
            ("priority", json!(1)),
        ] {
            let mut changed = rule.clone();
            changed[field] = value;
            if field == "priority" {
                // Only meaningful when another rule exists.
                org.create(
                    &rules,
                    &json!({ "name": format!("{t} extra"), "type": rule["type"].clone() }),
                )
                .await;
            }
            expect_invalid(org.put(&path, &changed).await).await;
        }
        // An unchanged PUT (GET-modify-PUT tools) is accepted and changes nothing.
        let current = org.get_ok(&path).await;
        let same = expect_json(org.put(&path, &current).await, StatusCode::OK).await;
        assert_eq!(same, current);
        // The default rule stays last after new rules are added.
        let listed = org.get_ok(&rules).await;
        assert_eq!(
            listed.as_array().expect("a").last().expect("last")["id"],
            rule["id"]
        );
    }
    org.sim.shutdown().await;
}

#[tokio::test]
async fn a_policy_holds_at_most_100_rules() {
    let org = Org::start().await;
    let rules = new_policy_rules(&org, "Okta:SignOn").await;
    for i in 0..100 {
        let resp = org
            .post(&rules, &json!({
                "type": "Okta:SignOn", "name": format!("rule {i}"), "priority": 0,
                "conditions": [ { "key": "Okta:User", "op": "IN_LIST", "value": ["00u1pdsiceJZLRJMSEUA"] } ],
                "action": "ALLOW"
            }))
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "rule {i}");
    }
    let err = expect_invalid(
        org.post(
            &rules,
            &json!({ "type": "Okta:SignOn", "name": "rule 100" }),
        )
        .await,
    )
    .await;
    let causes = err["errorCauses"].as_array().expect("causes");
    assert_eq!(causes.len(), 1);
    assert!(
        causes[0]["errorSummary"]
            .as_str()
            .expect("s")
            .contains("100")
    );
    let listed = org.get_ok(&rules).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(100));
    // Beta rules keep their key/op/value conditions and `default` flag; a rule sent with
    // priority 0 goes first and keeps echoing 0, as recorded real orgs do.
    assert_eq!(listed[0]["name"], "rule 99");
    assert_eq!(listed[0]["priority"], 0);
    assert_eq!(listed[0]["default"], false);
    assert_eq!(listed[0]["conditions"][0]["op"], "IN_LIST");
    // After deleting one, there is room again.
    let first = format!("{rules}/{}", listed[0]["id"].as_str().expect("id"));
    expect_no_content(org.delete(&first).await).await;
    org.create(
        &rules,
        &json!({ "type": "Okta:SignOn", "name": "replacement" }),
    )
    .await;
    org.sim.shutdown().await;
}
