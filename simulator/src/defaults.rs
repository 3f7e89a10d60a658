//! Server-filled fields: what recorded real orgs add to (or drop from) the objects they store.
//! Values are the published spec's `default:`s where it gives one.

use serde_json::{Map, Value, json};

/// Rule fields the server normalises on create and replace (and on seeded rules):
///
/// - an empty `conditions.platform` object is not echoed (any rule type);
/// - ACCESS_POLICY rules get `conditions.people.users.exclude: []`, `conditions.userType`
///   (`{include: [], exclude: []}`, both required by `UserTypeCondition`) and
///   `actions.appSignOn.keepMeSignedIn` (`postAuth: NOT_ALLOWED`, `postAuthPromptFrequency`:
///   the spec's default `P30D`) when the request leaves them out;
/// - an AUTH_METHOD_CHAIN verification method keeps only its chains: `factorMode` and
///   `inactivityPeriod` (fields of ASSURANCE) are not stored.
pub fn normalize_rule(policy_type: &str, body: &mut Map<String, Value>) {
    if let Some(Value::Object(conditions)) = body.get_mut("conditions")
        && conditions
            .get("platform")
            .is_some_and(|p| p.as_object().is_some_and(Map::is_empty))
    {
        conditions.remove("platform");
    }
    if policy_type != "ACCESS_POLICY" {
        return;
    }
    let mut conditions = take_object(body, "conditions");
    let mut people = take_object(&mut conditions, "people");
    let mut users = take_object(&mut people, "users");
    users.entry("exclude").or_insert_with(|| json!([]));
    people.insert("users".into(), Value::Object(users));
    conditions.insert("people".into(), Value::Object(people));
    conditions
        .entry("userType")
        .or_insert_with(|| json!({ "include": [], "exclude": [] }));
    body.insert("conditions".into(), Value::Object(conditions));
    if let Some(Value::Object(actions)) = body.get_mut("actions")
        && let Some(Value::Object(app_sign_on)) = actions.get_mut("appSignOn")
    {
        app_sign_on.entry("keepMeSignedIn").or_insert_with(
            || json!({ "postAuth": "NOT_ALLOWED", "postAuthPromptFrequency": "P30D" }),
        );
        if let Some(Value::Object(method)) = app_sign_on.get_mut("verificationMethod")
            && method.get("type").and_then(Value::as_str) == Some("AUTH_METHOD_CHAIN")
        {
            method.remove("factorMode");
            method.remove("inactivityPeriod");
        }
    }
}

/// Removes and returns the object at `key` (an empty object when missing, `null` or not an
/// object); the caller puts it back.
fn take_object(map: &mut Map<String, Value>, key: &str) -> Map<String, Value> {
    match map.remove(key) {
        Some(Value::Object(inner)) => inner,
        _ => Map::new(),
    }
}

/// `settings` of the default PASSWORD policy as real orgs return it: the seeded values plus the
/// server-filled `recovery`, `complexity.dictionary`, `complexity.excludeAttributes`,
/// `lockout.userLockoutNotificationChannels` and `password.breachedProtection` (spec defaults;
/// recovery factor statuses as doc 004's example shows them).
pub fn default_password_settings() -> Value {
    json!({
        "password": {
            "complexity": {
                "minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1,
                "minSymbol": 0, "excludeUsername": true,
                "dictionary": { "common": { "exclude": false } },
                "excludeAttributes": []
            },
            "age": { "maxAgeDays": 0, "expireWarnDays": 0, "minAgeMinutes": 0, "historyCount": 0 },
            "lockout": {
                "maxAttempts": 10, "autoUnlockMinutes": 0, "showLockoutFailures": false,
                "userLockoutNotificationChannels": []
            },
            "breachedProtection": {
                "expireAfterDays": null, "logoutEnabled": false, "delegatedWorkflowId": null
            }
        },
        "recovery": {
            "factors": {
                "recovery_question": {
                    "status": "ACTIVE",
                    "properties": { "complexity": { "minLength": 4 } }
                },
                "okta_email": {
                    "status": "ACTIVE",
                    "properties": { "recoveryToken": { "tokenLifetimeMinutes": 10080 } }
                },
                "okta_sms": { "status": "INACTIVE" },
                "okta_call": { "status": "INACTIVE" }
            }
        },
        "delegation": { "options": { "skipUnlock": false } }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn access_rules_get_the_server_defaults_and_keep_what_was_sent() {
        let mut body = obj(json!({
            "conditions": null,
            "actions": { "appSignOn": { "access": "ALLOW" } }
        }));
        normalize_rule("ACCESS_POLICY", &mut body);
        assert_eq!(body["conditions"]["people"]["users"]["exclude"], json!([]));
        assert_eq!(
            body["conditions"]["userType"],
            json!({"include": [], "exclude": []})
        );
        assert_eq!(
            body["actions"]["appSignOn"]["keepMeSignedIn"]["postAuthPromptFrequency"],
            "P30D"
        );
        let mut sent = obj(json!({
            "conditions": { "people": { "users": { "exclude": ["00u1"] } }, "platform": {} },
            "actions": { "appSignOn": { "keepMeSignedIn": { "postAuth": "ALLOWED" } } }
        }));
        normalize_rule("ACCESS_POLICY", &mut sent);
        assert_eq!(
            sent["conditions"]["people"]["users"]["exclude"],
            json!(["00u1"])
        );
        assert_eq!(
            sent["actions"]["appSignOn"]["keepMeSignedIn"],
            json!({"postAuth": "ALLOWED"})
        );
        assert!(sent["conditions"].get("platform").is_none());
    }

    #[test]
    fn auth_method_chain_rules_drop_the_assurance_fields() {
        let mut body = obj(json!({ "actions": { "appSignOn": { "verificationMethod": {
            "type": "AUTH_METHOD_CHAIN", "factorMode": "2FA", "inactivityPeriod": "PT1H", "chains": []
        } } } }));
        normalize_rule("ACCESS_POLICY", &mut body);
        assert_eq!(
            body["actions"]["appSignOn"]["verificationMethod"],
            json!({ "type": "AUTH_METHOD_CHAIN", "chains": [] })
        );
        let mut assurance = obj(json!({ "actions": { "appSignOn": { "verificationMethod": {
            "type": "ASSURANCE", "factorMode": "2FA"
        } } } }));
        normalize_rule("ACCESS_POLICY", &mut assurance);
        assert_eq!(
            assurance["actions"]["appSignOn"]["verificationMethod"]["factorMode"],
            "2FA"
        );
    }

    #[test]
    fn other_rule_types_only_lose_an_empty_platform() {
        let mut body = obj(json!({ "conditions": { "platform": {}, "network": {} } }));
        normalize_rule("PASSWORD", &mut body);
        assert_eq!(
            Value::Object(body),
            json!({ "conditions": { "network": {} } })
        );
    }
}
