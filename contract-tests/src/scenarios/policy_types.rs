//! CRUD and lifecycle of every documented policy type and of a rule shaped for it (docs 000,
//! 003, 004): one scenario per type, all driven by [`run_type`].

use futures::future::BoxFuture;
use okta_mgmt::types::LifecycleStatus;
use serde_json::{Value, json};

use super::kit::{
    PolicyHandle, RuleHandle, create_policy, default_policy, ensure_allow, ensure_at, ensure_same,
    ensure_variant, find_policy, find_rule, inactive_policy_body, lifecycle_step, list_policies,
    replace_renamed, to_json,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        scenario::<0>(),
        scenario::<1>(),
        scenario::<2>(),
        scenario::<3>(),
        scenario::<4>(),
        scenario::<5>(),
        scenario::<6>(),
        scenario::<7>(),
    ]
}

/// What differs between the policy types.
struct TypeSpec {
    /// The scenario's name.
    scenario: &'static str,
    /// The scenario's description.
    description: &'static str,
    /// Whether the scenario only runs on the simulator.
    sim_only: bool,
    /// Name suffix of the created objects.
    slug: &'static str,
    /// The policy `type`.
    policy_type: &'static str,
    /// Expected `Policy::…` variant.
    policy_variant: &'static str,
    /// The rule `type` sent.
    rule_type: &'static str,
    /// Expected `PolicyRule::…` variant.
    rule_variant: &'static str,
    /// Classic type (doc 004) whose policies select people: on a live org the body reuses the
    /// default policy's `conditions` and `settings`, which the org is known to accept.
    classic: bool,
    /// Policy request body (documented example shape) for a name.
    policy_body: fn(&str) -> Value,
    /// Object of the policy body that also gets an unknown field on the simulator.
    policy_nested: Option<&'static str>,
    /// Rule request body for a name.
    rule_body: fn(&str) -> Value,
    /// Object of the rule body that also gets an unknown field on the simulator.
    rule_nested: &'static str,
    /// A pointer and value the created rule must echo (its type-specific content).
    rule_probe: (&'static str, fn() -> Value),
}

/// What a policy's read-modify-write PUT leaves as it was read.
const POLICY_KEPT: [&str; 5] = ["description", "conditions", "settings", "status", "type"];

/// What a rule's read-modify-write PUT leaves as it was read.
const RULE_KEPT: [&str; 6] = [
    "conditions",
    "actions",
    "action",
    "requirement",
    "status",
    "type",
];

/// Unknown field added (on the simulator) at the top level and inside a nested object.
const UNKNOWN_KEY: &str = "oktaContractFuture";

fn unknown_value() -> Value {
    json!({ "enabled": true, "tags": [], "note": null })
}

/// Adds [`UNKNOWN_KEY`] to the top level of `body` and to the object at `nested`.
fn with_unknown(mut body: Value, nested: Option<&str>) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.insert(UNKNOWN_KEY.to_owned(), unknown_value());
    }
    if let Some(obj) = nested
        .and_then(|p| body.pointer_mut(p))
        .and_then(Value::as_object_mut)
    {
        obj.insert(UNKNOWN_KEY.to_owned(), unknown_value());
    }
    body
}

/// Asserts the unknown fields added by [`with_unknown`] are still there.
fn ensure_unknown_kept(raw: &Value, nested: Option<&str>) -> Result<(), StepFailure> {
    ensure_at(raw, &format!("/{UNKNOWN_KEY}"), &unknown_value())?;
    if let Some(p) = nested {
        ensure_at(raw, &format!("{p}/{UNKNOWN_KEY}"), &unknown_value())?;
    }
    Ok(())
}

const EVERYONE: &str = "00g1everyone0000g7";

fn people_everyone() -> Value {
    json!({ "people": { "groups": { "include": [EVERYONE] } } })
}

fn classic_rule_conditions() -> Value {
    json!({
        "people": { "users": { "exclude": [] } },
        "network": { "connection": "ANYWHERE" }
    })
}

fn okta_sign_on_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-okta-sign-on",
        description: "OKTA_SIGN_ON policy (Policy::OktaSignOn) and SIGN_ON rule: CRUD, lifecycle, \
                      read-modify-write keeps unknown fields",
        sim_only: false,
        slug: "okta-sign-on",
        policy_type: "OKTA_SIGN_ON",
        policy_variant: "OktaSignOn",
        rule_type: "SIGN_ON",
        rule_variant: "SignOn",
        classic: true,
        // Doc 004 "Create a Policy" / "Policy JSON Example (Okta Sign On Policy)".
        policy_body: |name| {
            json!({
                "type": "OKTA_SIGN_ON",
                "status": "INACTIVE",
                "name": name,
                "description": "okta-contract: global session policy; deleted at the end of the run",
                "conditions": people_everyone(),
            })
        },
        policy_nested: Some("/conditions/people"),
        // Doc 004 "Create a rule" + "Signon Action Example" (ANYWHERE instead of ON_NETWORK,
        // which needs network zones).
        rule_body: |name| {
            json!({
                "type": "SIGN_ON",
                "name": name,
                "conditions": {
                    "people": { "users": { "exclude": [] } },
                    "network": { "connection": "ANYWHERE" },
                    "authContext": { "authType": "ANY" }
                },
                "actions": {
                    "signon": {
                        "access": "ALLOW",
                        "requireFactor": false,
                        "rememberDeviceByDefault": false,
                        "session": {
                            "usePersistentCookie": false,
                            "maxSessionIdleMinutes": 120,
                            "maxSessionLifetimeMinutes": 0
                        }
                    }
                }
            })
        },
        rule_nested: "/actions/signon",
        rule_probe: ("/actions/signon/session/maxSessionIdleMinutes", || {
            json!(120)
        }),
    }
}

fn password_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-password",
        description: "PASSWORD policy (Policy::Password) and PASSWORD rule: CRUD, lifecycle, \
                      read-modify-write keeps unknown fields",
        sim_only: false,
        slug: "password",
        policy_type: "PASSWORD",
        policy_variant: "Password",
        rule_type: "PASSWORD",
        rule_variant: "Password",
        classic: true,
        // Doc 004 "Password Policy" settings example.
        policy_body: |name| {
            json!({
                "type": "PASSWORD",
                "status": "INACTIVE",
                "name": name,
                "description": "okta-contract: password policy; deleted at the end of the run",
                "conditions": {
                    "people": { "groups": { "include": [EVERYONE] } },
                    "authProvider": { "provider": "OKTA" }
                },
                "settings": {
                    "password": {
                        "complexity": {
                            "minLength": 8, "minLowerCase": 1, "minUpperCase": 1,
                            "minNumber": 1, "minSymbol": 0, "excludeUsername": true
                        },
                        "age": {
                            "maxAgeDays": 0, "expireWarnDays": 0, "minAgeMinutes": 0,
                            "historyCount": 0
                        },
                        "lockout": {
                            "maxAttempts": 10, "autoUnlockMinutes": 0,
                            "showLockoutFailures": false
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
                                "properties": { "recoveryToken": { "tokenLifetimeMinutes": 60 } }
                            },
                            "okta_sms": { "status": "INACTIVE" },
                            "okta_call": { "status": "INACTIVE" }
                        }
                    },
                    "delegation": { "options": { "skipUnlock": false } }
                }
            })
        },
        policy_nested: Some("/settings"),
        // Doc 004 "Rules Message Example (Password Policy)".
        rule_body: |name| {
            json!({
                "type": "PASSWORD",
                "name": name,
                "conditions": classic_rule_conditions(),
                "actions": {
                    "passwordChange": { "access": "ALLOW" },
                    "selfServicePasswordReset": { "access": "ALLOW" },
                    "selfServiceUnlock": { "access": "DENY" }
                }
            })
        },
        rule_nested: "/actions",
        rule_probe: ("/actions/selfServiceUnlock/access", || json!("DENY")),
    }
}

fn mfa_enroll_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-mfa-enroll",
        description: "MFA_ENROLL policy (Policy::MfaEnroll) and MFA_ENROLL rule: CRUD, lifecycle, \
                      read-modify-write keeps unknown fields",
        sim_only: false,
        slug: "mfa-enroll",
        policy_type: "MFA_ENROLL",
        policy_variant: "MfaEnroll",
        rule_type: "MFA_ENROLL",
        rule_variant: "MfaEnroll",
        classic: true,
        // Doc 004 "Multifactor (MFA) Policy" settings example.
        policy_body: |name| {
            json!({
                "type": "MFA_ENROLL",
                "status": "INACTIVE",
                "name": name,
                "description": "okta-contract: MFA enrollment policy; deleted at the end of the run",
                "conditions": people_everyone(),
                "settings": {
                    "factors": {
                        "okta_question": {
                            "enroll": { "self": "OPTIONAL" },
                            "consent": { "type": "NONE" }
                        },
                        "okta_sms": {
                            "enroll": { "self": "REQUIRED" },
                            "consent": { "type": "NONE" }
                        }
                    }
                }
            })
        },
        policy_nested: Some("/settings"),
        // Doc 004 "Multifactor Enrollment Rules Actions Example".
        rule_body: |name| {
            json!({
                "type": "MFA_ENROLL",
                "name": name,
                "conditions": classic_rule_conditions(),
                "actions": { "enroll": { "self": "CHALLENGE" } }
            })
        },
        rule_nested: "/actions/enroll",
        rule_probe: ("/actions/enroll/self", || json!("CHALLENGE")),
    }
}

fn access_rule_body(name: &str) -> Value {
    json!({
        "type": "ACCESS_POLICY",
        "name": name,
        "conditions": null,
        "actions": {
            "appSignOn": {
                "access": "ALLOW",
                "verificationMethod": {
                    "factorMode": "2FA",
                    "type": "ASSURANCE",
                    "reauthenticateIn": "PT2H",
                    "constraints": [
                        { "knowledge": { "types": ["password"] } }
                    ]
                }
            }
        }
    })
}

fn access_policy_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-access-policy",
        description: "ACCESS_POLICY policy (Policy::Access) and appSignOn rule: CRUD, lifecycle, \
                      read-modify-write keeps unknown fields",
        sim_only: false,
        slug: "access-policy",
        policy_type: "ACCESS_POLICY",
        policy_variant: "Access",
        rule_type: "ACCESS_POLICY",
        rule_variant: "Access",
        classic: false,
        // Doc 000 "Create authentication policy request example" (errata E001/E002 applied).
        policy_body: |name| {
            json!({
                "type": "ACCESS_POLICY",
                "status": "INACTIVE",
                "name": name,
                "description": "okta-contract: authentication policy; deleted at the end of the run",
                "system": false,
                "conditions": null,
            })
        },
        policy_nested: None,
        rule_body: access_rule_body,
        rule_nested: "/actions/appSignOn",
        rule_probe: (
            "/actions/appSignOn/verificationMethod/reauthenticateIn",
            || json!("PT2H"),
        ),
    }
}

fn profile_enrollment_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-profile-enrollment",
        description: "PROFILE_ENROLLMENT policy (Policy::ProfileEnrollment) and rule: CRUD, \
                      lifecycle, read-modify-write keeps unknown fields",
        sim_only: false,
        slug: "profile-enrollment",
        policy_type: "PROFILE_ENROLLMENT",
        policy_variant: "ProfileEnrollment",
        rule_type: "PROFILE_ENROLLMENT",
        rule_variant: "ProfileEnrollment",
        classic: false,
        policy_body: |name| {
            json!({
                "type": "PROFILE_ENROLLMENT",
                "status": "INACTIVE",
                "name": name,
                "description": "okta-contract: profile enrollment policy; deleted at the end of the run",
            })
        },
        policy_nested: None,
        // The requirement of doc 003 "Requirement JSON example (Okta:ProfileEnrollment)" in the
        // current `actions.profileEnrollment` shape.
        rule_body: |name| {
            json!({
                "type": "PROFILE_ENROLLMENT",
                "name": name,
                "conditions": null,
                "actions": {
                    "profileEnrollment": {
                        "access": "ALLOW",
                        "preRegistrationInlineHooks": [],
                        "profileAttributes": [
                            { "name": "email", "label": "Email", "required": true }
                        ],
                        "targetGroupIds": [],
                        "unknownUserAction": "DENY",
                        "activationRequirements": { "emailVerification": true }
                    }
                }
            })
        },
        rule_nested: "/actions/profileEnrollment",
        rule_probe: (
            "/actions/profileEnrollment/profileAttributes/0/name",
            || json!("email"),
        ),
    }
}

fn device_signal_collection_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-device-signal-collection",
        description: "DEVICE_SIGNAL_COLLECTION policy and platform rule: CRUD, lifecycle, \
                      read-modify-write keeps unknown fields",
        sim_only: false,
        slug: "device-signal-collection",
        policy_type: "DEVICE_SIGNAL_COLLECTION",
        policy_variant: "DeviceSignalCollection",
        rule_type: "DEVICE_SIGNAL_COLLECTION",
        rule_variant: "DeviceSignalCollection",
        classic: false,
        // Doc 000 "Create device signal collection policy request example".
        policy_body: |name| inactive_policy_body(name, "DEVICE_SIGNAL_COLLECTION"),
        policy_nested: None,
        // Doc 000 rule, on the desktop platforms this time.
        rule_body: |name| {
            json!({
                "type": "DEVICE_SIGNAL_COLLECTION",
                "name": name,
                "actions": {
                    "deviceSignalCollection": {
                        "deviceContextProviders": [
                            { "key": "OKTA_VERIFY", "userIdentification": "IGNORE" }
                        ]
                    }
                },
                "conditions": {
                    "platform": {
                        "include": [
                            { "type": "DESKTOP", "os": { "type": "MACOS" } },
                            { "type": "DESKTOP", "os": { "type": "WINDOWS" } }
                        ]
                    }
                }
            })
        },
        rule_nested: "/actions/deviceSignalCollection",
        rule_probe: ("/conditions/platform/include/1/os/type", || {
            json!("WINDOWS")
        }),
    }
}

fn beta_sign_on_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-beta-sign-on",
        description: "beta Okta:SignOn policy (Policy::BetaSignOn) and key/op/value rule: CRUD, \
                      lifecycle, read-modify-write (simulator only: real orgs reject the beta \
                      types)",
        sim_only: true,
        slug: "beta-sign-on",
        policy_type: "Okta:SignOn",
        policy_variant: "BetaSignOn",
        rule_type: "Okta:SignOn",
        rule_variant: "Beta",
        classic: false,
        // Doc 003 "Create a Policy" (inactive, so it can be activated later).
        policy_body: |name| json!({ "type": "Okta:SignOn", "status": "INACTIVE", "name": name, "default": false }),
        policy_nested: None,
        // Doc 003 "Create a Rule".
        rule_body: |name| {
            json!({
                "type": "Okta:SignOn",
                "name": name,
                "default": false,
                "conditions": [
                    { "key": "Okta:User", "op": "IN_LIST", "value": ["00u1pdsiceJZLRJMSEUA"] }
                ],
                "action": "ALLOW",
                "requirement": {
                    "verificationMethod": {
                        "type": "ASSURANCE",
                        "factorMode": "1FA",
                        "constraints": [ { "knowledge": { "types": ["password"] } } ],
                        "reauthenticateIn": "PT1M"
                    }
                }
            })
        },
        rule_nested: "/requirement",
        rule_probe: ("/conditions/0/op", || json!("IN_LIST")),
    }
}

fn beta_profile_enrollment_spec() -> TypeSpec {
    TypeSpec {
        scenario: "policy-type-beta-profile-enrollment",
        description: "beta Okta:ProfileEnrollment policy and rule: CRUD, lifecycle, \
                      read-modify-write (simulator only: real orgs reject the beta types)",
        sim_only: true,
        slug: "beta-profile-enrollment",
        policy_type: "Okta:ProfileEnrollment",
        policy_variant: "BetaProfileEnrollment",
        rule_type: "Okta:ProfileEnrollment",
        rule_variant: "Beta",
        classic: false,
        policy_body: |name| {
            json!({
                "type": "Okta:ProfileEnrollment",
                "status": "INACTIVE",
                "name": name,
                "default": false
            })
        },
        policy_nested: None,
        // Doc 003 "Rule JSON example (Okta:ProfileEnrollment)" (no conditions for this type).
        rule_body: |name| {
            json!({
                "type": "Okta:ProfileEnrollment",
                "name": name,
                "conditions": [],
                "action": "ALLOW",
                "requirement": {
                    "preRegistrationInlineHooks": [],
                    "profileAttributes": [ { "name": "email", "label": "Email", "required": true } ],
                    "targetGroupIds": [],
                    "unknownUserAction": "REGISTER",
                    "activationRequirements": { "emailVerification": true }
                }
            })
        },
        rule_nested: "/requirement",
        rule_probe: ("/requirement/unknownUserAction", || json!("REGISTER")),
    }
}

/// The policy-type scenarios, in run order; each runs [`run_type`] on its spec.
const SPECS: [fn() -> TypeSpec; 8] = [
    okta_sign_on_spec,
    password_spec,
    mfa_enroll_spec,
    access_policy_spec,
    profile_enrollment_spec,
    device_signal_collection_spec,
    beta_sign_on_spec,
    beta_profile_enrollment_spec,
];

/// The scenario of `SPECS[N]`.
fn scenario<const N: usize>() -> Scenario {
    let spec = SPECS[N]();
    Scenario {
        name: spec.scenario,
        group: "policies",
        description: spec.description,
        writes: true,
        sim_only: spec.sim_only,
        run: run_spec::<N>,
    }
}

/// Proves the type of `SPECS[N]` end to end; see [`run_type`].
fn run_spec<const N: usize>(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(run_type(ctx, SPECS[N]()))
}

/// The shared body of the policy-type scenarios. For one type it proves: a documented-shape
/// policy is created INACTIVE with `activate=false` and decodes as the expected `Policy`
/// variant on create, get and list; a read-modify-write PUT (rename) sends back every field the
/// server returned, including fields the client does not model (unknown fields are added on
/// the simulator), and they are still there afterwards; activate/deactivate change `status` and
/// the lifecycle link; a rule of the fitting shape goes through create (INACTIVE), get, list,
/// read-modify-write PUT, activate, deactivate and delete with the expected `PolicyRule`
/// variant; deleted objects are 404 E0000007.
///
/// Live safety: the policy is activated only while it has no rules, and its rule only while
/// the policy is inactive. Doc 004 ("Policy Evaluation") says a policy without rules is never
/// applied, so no user of a real org is affected at any moment.
async fn run_type(ctx: &Ctx, spec: TypeSpec) -> Result<(), StepFailure> {
    let name = ctx.name(spec.slug);
    let body = policy_body(ctx, &spec, &name).await?;
    let policy = create_and_read_policy(ctx, &spec, &name, &body).await?;
    // Read-modify-write: PUT replaces the whole policy, so everything read is sent back renamed.
    let renamed = format!("{name}-renamed");
    let target = (renamed.as_str(), spec.policy_variant);
    replace_renamed(ctx, &policy, "it", target, |read, after| {
        let name_after = after["name"].as_str();
        ensure_eq("name after get", Some(renamed.as_str()), name_after)?;
        kept_after_put(ctx, (read, after), &POLICY_KEPT, spec.policy_nested)
    })
    .await?;
    policy_lifecycle(ctx, &policy).await?;
    let rule_name = ctx.name(&format!("{}-rule", spec.slug));
    let rule = create_and_read_rule(ctx, &spec, &policy, &rule_name).await?;
    // The rule's read-modify-write: everything read is sent back renamed and kept.
    let rule_renamed = format!("{rule_name}-renamed");
    let target = (rule_renamed.as_str(), spec.rule_variant);
    replace_renamed(ctx, &rule, "the rule", target, |read, after| {
        kept_after_put(ctx, (read, after), &RULE_KEPT, Some(spec.rule_nested))
    })
    .await?;
    rule_lifecycle(ctx, &rule).await?;
    delete_both(ctx, &spec, &policy, &rule).await
}

/// The policy's request body: unknown fields added on the simulator; on a live org a classic
/// type reuses the default policy's `conditions` and `settings`.
async fn policy_body(ctx: &Ctx, spec: &TypeSpec, name: &str) -> Result<Value, StepFailure> {
    let t = spec.policy_type;
    let mut body = (spec.policy_body)(name);
    if ctx.is_sim() {
        return Ok(with_unknown(body, spec.policy_nested));
    }
    if !spec.classic {
        return Ok(body);
    }
    let default = ctx
        .step(
            format!(
                "read the default {t} policy (a live org's own conditions and settings are reused)"
            ),
            default_policy(ctx, t),
        )
        .await?;
    if let (Some(default), Some(map)) = (default, body.as_object_mut()) {
        for key in ["conditions", "settings"] {
            match default.get(key) {
                Some(v) if !v.is_null() => {
                    map.insert(key.to_owned(), v.clone());
                }
                _ => {}
            }
        }
    }
    Ok(body)
}

/// Create (INACTIVE), get and list the policy: the expected variant every time.
async fn create_and_read_policy(
    ctx: &Ctx,
    spec: &TypeSpec,
    name: &str,
    body: &Value,
) -> Result<PolicyHandle, StepFailure> {
    let t = spec.policy_type;
    let policy = ctx
        .step(
            format!(
                "create {t} with activate=false → Policy::{}, INACTIVE",
                spec.policy_variant
            ),
            async {
                let (policy, created) = create_policy(ctx, body, Some(false)).await?;
                ensure_variant(&created, spec.policy_variant)?;
                ensure_eq("type", t, created.type_().as_str())?;
                ensure_eq("name", Some(name), created.name())?;
                ensure_eq("status", Some(LifecycleStatus::Inactive), created.status())?;
                Ok(policy)
            },
        )
        .await?;

    ctx.step(
        format!("get it → Policy::{}, _links", spec.policy_variant),
        async {
            let got = policy.get(ctx).await?;
            ensure_variant(&got, spec.policy_variant)?;
            ensure_eq("id", Some(policy.id.as_str()), got.id())?;
            ensure_eq("name", Some(name), got.name())?;
            let json = to_json(&got)?;
            ensure_allow(&json, "self", &["GET", "PUT", "DELETE"])?;
            ensure_allow(&json, "rules", &["GET", "POST"])?;
            if ctx.is_sim() {
                ensure_allow(&json, "activate", &["POST"])?;
            }
            Ok(())
        },
    )
    .await?;

    ctx.step(format!("list {t} policies → includes it, typed"), async {
        let all = list_policies(ctx, t).await?;
        ensure_variant(find_policy(&all, &policy.id)?, spec.policy_variant)
    })
    .await?;
    Ok(policy)
}

/// Activate the policy while it has no rules (so it applies to no one), then deactivate it.
async fn policy_lifecycle(ctx: &Ctx, policy: &PolicyHandle) -> Result<(), StepFailure> {
    ctx.step(
        "activate (no rules yet, so it applies to no one) → ACTIVE, deactivate link",
        async {
            policy.activate(ctx).await?;
            let raw = policy.get_raw(ctx).await?;
            ensure_eq("status", Some("ACTIVE"), raw["status"].as_str())?;
            ensure_allow(&raw, "deactivate", &["POST"])
        },
    )
    .await?;
    lifecycle_step(
        ctx,
        "deactivate → INACTIVE",
        policy,
        LifecycleStatus::Inactive,
    )
    .await
}

/// Create (INACTIVE), get and list a rule of the fitting shape: the expected variant every time.
async fn create_and_read_rule(
    ctx: &Ctx,
    spec: &TypeSpec,
    policy: &PolicyHandle,
    rule_name: &str,
) -> Result<RuleHandle, StepFailure> {
    let mut rule_body = (spec.rule_body)(rule_name);
    if ctx.is_sim() {
        rule_body = with_unknown(rule_body, Some(spec.rule_nested));
    }
    let rule = ctx
        .step(
            format!(
                "create a {} rule with activate=false → PolicyRule::{}, INACTIVE",
                spec.rule_type, spec.rule_variant
            ),
            async {
                let (handle, rule) = policy.create_rule(ctx, &rule_body, Some(false)).await?;
                ensure_variant(&rule, spec.rule_variant)?;
                ensure_eq("name", Some(rule_name), rule.name())?;
                ensure_eq("status", Some(LifecycleStatus::Inactive), rule.status())?;
                let (pointer, value) = spec.rule_probe;
                ensure_at(&to_json(&rule)?, pointer, &value())?;
                Ok(handle)
            },
        )
        .await?;

    ctx.step(
        format!("get the rule → PolicyRule::{}, _links", spec.rule_variant),
        async {
            let got = rule.get(ctx).await?;
            ensure_variant(&got, spec.rule_variant)?;
            ensure_eq("type", spec.rule_type, got.type_().as_str())?;
            let json = to_json(&got)?;
            ensure_allow(&json, "self", &["GET", "PUT", "DELETE"])?;
            if ctx.is_sim() {
                ensure_allow(&json, "activate", &["POST"])?;
            }
            Ok(())
        },
    )
    .await?;

    ctx.step("list the policy's rules → includes it, typed", async {
        let rules = policy.rules(ctx).await?;
        ensure_variant(find_rule(&rules, &rule.id)?, spec.rule_variant)
    })
    .await?;
    Ok(rule)
}

/// The fields a read-modify-write PUT must leave as they were read, besides the fields the
/// client does not model (checked on the simulator, which adds them under `nested`).
fn kept_after_put(
    ctx: &Ctx,
    (read, after): (&Value, &Value),
    keys: &[&str],
    nested: Option<&str>,
) -> Result<(), StepFailure> {
    ensure_same(read, after, keys)?;
    if ctx.is_sim() {
        ensure_unknown_kept(after, nested)?;
    }
    Ok(())
}

/// Activate the rule while its policy is inactive, then deactivate it.
async fn rule_lifecycle(ctx: &Ctx, rule: &RuleHandle) -> Result<(), StepFailure> {
    lifecycle_step(
        ctx,
        "activate the rule (its policy is inactive) → ACTIVE",
        rule,
        LifecycleStatus::Active,
    )
    .await?;
    lifecycle_step(
        ctx,
        "deactivate the rule → INACTIVE",
        rule,
        LifecycleStatus::Inactive,
    )
    .await
}

/// Delete the rule, then the policy: both 404 E0000007 afterwards, the policy no longer listed.
async fn delete_both(
    ctx: &Ctx,
    spec: &TypeSpec,
    policy: &PolicyHandle,
    rule: &RuleHandle,
) -> Result<(), StepFailure> {
    ctx.step(
        "delete the rule → 404 E0000007",
        rule.delete_and_expect_gone(ctx),
    )
    .await?;

    ctx.step(
        "delete the policy → 404 E0000007, no longer listed",
        async {
            policy.deactivate_and_delete(ctx).await?;
            policy.expect_gone(ctx).await?;
            let all = list_policies(ctx, spec.policy_type).await?;
            ensure(
                all.iter().all(|p| p.id() != Some(policy.id.as_str())),
                "listing",
                "the deleted policy absent",
                "still listed",
            )
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_go_to_the_top_and_the_nested_object() {
        let body = with_unknown(json!({"a": {"b": {}}}), Some("/a/b"));
        assert!(ensure_unknown_kept(&body, Some("/a/b")).is_ok());
        assert!(ensure_unknown_kept(&json!({}), None).is_err());
    }

    #[test]
    fn documented_bodies_decode_into_the_expected_variants() {
        for spec in SPECS.map(|spec| spec()) {
            let policy = okta_mgmt::types::Policy::from_json((spec.policy_body)("n"));
            assert!(
                super::super::kit::ensure_variant(&policy, spec.policy_variant).is_ok(),
                "{}: {policy:?}",
                spec.policy_type
            );
            let rule = okta_mgmt::types::PolicyRule::from_json((spec.rule_body)("r"));
            assert!(
                super::super::kit::ensure_variant(&rule, spec.rule_variant).is_ok(),
                "{}: {rule:?}",
                spec.rule_type
            );
        }
    }
}
