//! Helpers shared by the guide, policy-type, mapping, device and error scenarios: paths, typed
//! variant names, create-and-track calls, raw reads, `_links` hints, read-modify-write checks and
//! error assertions that are exact on the simulator and status-only where only the simulator
//! fixes the error code.

use std::num::NonZeroU32;

use futures::TryStreamExt as _;
use okta_mgmt::error::Error;
use okta_mgmt::pagination::Page;
use okta_mgmt::types::{
    Device, DeviceStatus, LifecycleStatus, Policy, PolicyMapping, PolicyMappingRequest, PolicyRule,
    PolicyType,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Ctx, StepFailure, ensure, ensure_eq, expect_error};
use crate::live::Resource;
use crate::typed_object::TypedObject;

/// `/api/v1/policies/{id}`.
pub(super) fn policy_path(id: &str) -> String {
    format!("/api/v1/policies/{id}")
}

/// `/api/v1/policies/{policy_id}/rules/{rule_id}`.
pub(super) fn rule_path(policy_id: &str, rule_id: &str) -> String {
    format!("/api/v1/policies/{policy_id}/rules/{rule_id}")
}

/// `/api/v1/policies/{policy_id}/mappings/{mapping_id}`.
pub(super) fn mapping_path(policy_id: &str, mapping_id: &str) -> String {
    format!("/api/v1/policies/{policy_id}/mappings/{mapping_id}")
}

/// `/api/v1/devices/{id}`.
pub(super) fn device_path(id: &str) -> String {
    format!("/api/v1/devices/{id}")
}

/// An id no Okta org issues (ids are 20 alphanumerics), for 404 checks.
pub(super) const UNKNOWN_ID: &str = "okta-contract-no-such-id";

/// A page size for the generated `limit` builders (a non-zero integer whatever width the spec
/// gives it; 0 becomes 1).
pub(super) fn page_size(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// JSON of any serializable value.
pub(super) fn to_json<T: Serialize>(value: &T) -> Result<Value, StepFailure> {
    Ok(serde_json::to_value(value)?)
}

/// The string at `pointer`, if any.
pub(super) fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Asserts that `pointer` in `value` holds `expected`.
pub(super) fn ensure_at(value: &Value, pointer: &str, expected: &Value) -> Result<(), StepFailure> {
    let actual = value.pointer(pointer).unwrap_or(&Value::Null);
    ensure(
        actual == expected,
        &format!("value at {pointer}"),
        expected,
        actual,
    )
}

/// The typed variant of a policy or a rule, or `Other` with its type and the reason it is
/// untyped.
pub(super) fn variant_of<T: TypedObject>(object: &T) -> String {
    object.described_variant()
}

/// Asserts the decoded variant of a policy or a rule (`Policy::<expected>`,
/// `PolicyRule::<expected>`).
pub(super) fn ensure_variant<T: TypedObject>(
    object: &T,
    expected: &str,
) -> Result<(), StepFailure> {
    let actual = object.described_variant();
    ensure(
        actual == expected,
        "decoded variant",
        format!("{}::{expected}", T::ENUM),
        format!("{}::{actual}", T::ENUM),
    )
}

/// Renames a typed policy or rule in place (the read-modify-write of a PUT).
pub(super) fn rename_typed<T: TypedObject>(object: &mut T, name: &str) -> Result<(), StepFailure> {
    if !object.is_typed() {
        return Err(StepFailure::mismatch(
            &format!("{} to rename", T::NOUN),
            format!("a typed {}", T::NOUN),
            format!("{}::{}", T::ENUM, object.described_variant()),
        ));
    }
    object.rename_to(name);
    Ok(())
}

/// The smallest policy request body: `name`, `type` and `status: INACTIVE`, in that order.
pub(super) fn inactive_policy_body(name: &str, policy_type: &str) -> Value {
    json!({ "name": name, "type": policy_type, "status": "INACTIVE" })
}

/// The `id` of a created object, or a failure naming what lacked it.
pub(super) fn require_id(id: Option<&str>, what: &str) -> Result<String, StepFailure> {
    id.map(str::to_owned)
        .ok_or_else(|| StepFailure::mismatch(what, "an id", "no id"))
}

/// Asserts that `result` is 404 E0000007 (not found).
pub(super) fn expect_not_found<T, E: Into<Error>>(result: Result<T, E>) -> Result<(), StepFailure> {
    expect_error(result, 404, "E0000007").map(drop)
}

/// Asserts that `result` is 400 E0000001 (a request Okta refuses).
pub(super) fn expect_invalid<T, E: Into<Error>>(result: Result<T, E>) -> Result<(), StepFailure> {
    expect_error(result, 400, "E0000001").map(drop)
}

/// One-request operations of a handle, each `async fn name(&self, ctx) -> Result<_, Error>`
/// sending `ctx.client().op().setter(&self.field)….call()`: `fn name = op(…)` answers `()`,
/// `fn name -> T = op(…)` the decoded body. `tracked` adds `delete` (the request, then the
/// tracker is told) and `expect_gone` (GET is 404 E0000007).
macro_rules! handle_calls {
    () => {};
    ($(#[$doc:meta])* fn $name:ident = $op:ident($($setter:ident: $field:ident),*); $($rest:tt)*) => {
        $(#[$doc])*
        pub(super) async fn $name(&self, ctx: &Ctx) -> Result<(), Error> {
            ctx.client().$op()$(.$setter(&self.$field))*.call().await.map(drop)
        }
        handle_calls!($($rest)*);
    };
    ($(#[$doc:meta])* fn $name:ident -> $ret:ty = $op:ident($($setter:ident: $field:ident),*); $($rest:tt)*) => {
        $(#[$doc])*
        pub(super) async fn $name(&self, ctx: &Ctx) -> Result<$ret, Error> {
            ctx.client().$op()$(.$setter(&self.$field))*.call().await
        }
        handle_calls!($($rest)*);
    };
    (tracked; $($rest:tt)*) => {
        /// Deletes it and tells the tracker.
        pub(super) async fn delete(&self, ctx: &Ctx) -> Result<(), StepFailure> {
            self.send_delete(ctx).await?;
            ctx.forget(&self.resource());
            Ok(())
        }

        /// Asserts that it is gone: GET is 404 E0000007.
        pub(super) async fn expect_gone(&self, ctx: &Ctx) -> Result<(), StepFailure> {
            expect_not_found(self.get(ctx).await)
        }
        handle_calls!($($rest)*);
    };
}

/// A policy a scenario works on: one it created with [`create_policy`] (tracked for cleanup
/// at once) or one it found ([`PolicyHandle::existing`], never tracked).
#[derive(Debug, Clone)]
pub(super) struct PolicyHandle {
    /// The policy id.
    pub(super) id: String,
    /// The name it was created with (empty for a policy the scenario did not create).
    pub(super) name: String,
}

/// `POST /api/v1/policies[?activate=…]` with `body`; the policy is tracked for cleanup as soon
/// as the call returns.
pub(super) async fn create_policy(
    ctx: &Ctx,
    body: &Value,
    activate: Option<bool>,
) -> Result<(PolicyHandle, Policy), StepFailure> {
    let created = try_create_policy(ctx, Policy::from_json(body.clone()), activate).await?;
    let policy = PolicyHandle {
        id: require_id(created.id(), "created policy")?,
        name: created.name().unwrap_or_default().to_owned(),
    };
    Ok((policy, created))
}

/// `POST /api/v1/policies[?activate=…]` that a step may expect to be refused: a policy that
/// comes back all the same is tracked at once, so cleanup removes it.
pub(super) async fn try_create_policy(
    ctx: &Ctx,
    body: Policy,
    activate: Option<bool>,
) -> Result<Policy, Error> {
    let mut call = ctx.client().create_policy().body(body);
    if let Some(activate) = activate {
        call = call.activate(activate);
    }
    let created = call.call().await?;
    if let Some(id) = created.id() {
        ctx.track(Resource::Policy {
            id: id.to_owned(),
            name: created.name().unwrap_or_default().to_owned(),
        });
    }
    Ok(created)
}

impl PolicyHandle {
    /// A policy the scenario did not create (a default policy, an unknown id): not tracked.
    pub(super) fn existing(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: String::new(),
        }
    }

    /// What the tracker knows it as.
    fn resource(&self) -> Resource {
        Resource::Policy {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }

    /// `/api/v1/policies/{id}`.
    pub(super) fn path(&self) -> String {
        policy_path(&self.id)
    }

    /// `/api/v1/policies/{id}/rules`.
    pub(super) fn rules_path(&self) -> String {
        format!("{}/rules", self.path())
    }

    handle_calls! {
        /// `GET /api/v1/policies/{id}`, typed.
        fn get -> Policy = get_policy(policy_id: id);
        /// `POST …/lifecycle/activate`.
        fn activate = activate_policy(policy_id: id);
        /// `POST …/lifecycle/deactivate`.
        fn deactivate = deactivate_policy(policy_id: id);
        /// `DELETE /api/v1/policies/{id}` alone: the tracker is not told (for refusals).
        fn send_delete = delete_policy(policy_id: id);
        tracked;
    }

    /// `GET /api/v1/policies/{id}`, the server's JSON.
    pub(super) async fn get_raw(&self, ctx: &Ctx) -> Result<Value, StepFailure> {
        get_raw(ctx, &self.path()).await
    }

    /// The policy's current status.
    pub(super) async fn status(&self, ctx: &Ctx) -> Result<Option<LifecycleStatus>, StepFailure> {
        Ok(self.get(ctx).await?.status())
    }

    /// Reads the policy and asserts its `status`.
    pub(super) async fn expect_status(
        &self,
        ctx: &Ctx,
        status: LifecycleStatus,
    ) -> Result<(), StepFailure> {
        ensure_eq("status", Some(status), self.status(ctx).await?)
    }

    /// `PUT /api/v1/policies/{id}` with `body`.
    pub(super) async fn replace(&self, ctx: &Ctx, body: Policy) -> Result<Policy, Error> {
        ctx.client()
            .replace_policy()
            .policy_id(&self.id)
            .body(body)
            .call()
            .await
    }

    /// Deletes a policy the scenario created, after checking its current name carries the
    /// run's prefix and deactivating it when active; tells the tracker.
    pub(super) async fn deactivate_and_delete(&self, ctx: &Ctx) -> Result<(), StepFailure> {
        let current = self.get(ctx).await?;
        let name = current.name().unwrap_or_default().to_owned();
        ensure(
            name.starts_with(&ctx.prefix()),
            "policy name",
            format!("a name starting with {}", ctx.prefix()),
            &name,
        )?;
        if current.status() == Some(LifecycleStatus::Active) {
            self.deactivate(ctx).await?;
        }
        self.delete(ctx).await
    }

    /// Every rule of the policy, following pagination.
    pub(super) async fn rules(&self, ctx: &Ctx) -> Result<Vec<PolicyRule>, StepFailure> {
        Ok(ctx
            .client()
            .list_policy_rules()
            .policy_id(&self.id)
            .items()
            .try_collect()
            .await?)
    }

    /// `POST /api/v1/policies/{id}/rules[?activate=…]`; the rule is tracked at once.
    pub(super) async fn create_rule(
        &self,
        ctx: &Ctx,
        body: &Value,
        activate: Option<bool>,
    ) -> Result<(RuleHandle, PolicyRule), StepFailure> {
        let created = self
            .try_create_rule(ctx, PolicyRule::from_json(body.clone()), activate)
            .await?;
        let rule = self.rule(require_id(created.id(), "created rule")?);
        Ok((rule, created))
    }

    /// `POST /api/v1/policies/{id}/rules[?activate=…]` that a step may expect to be refused: a
    /// rule that comes back all the same is tracked at once.
    pub(super) async fn try_create_rule(
        &self,
        ctx: &Ctx,
        body: PolicyRule,
        activate: Option<bool>,
    ) -> Result<PolicyRule, Error> {
        let mut call = ctx
            .client()
            .create_policy_rule()
            .policy_id(&self.id)
            .body(body);
        if let Some(activate) = activate {
            call = call.activate(activate);
        }
        let created = call.call().await?;
        if let Some(id) = created.id() {
            ctx.track(self.rule(id).resource());
        }
        Ok(created)
    }

    /// A rule of this policy, by id.
    pub(super) fn rule(&self, id: impl Into<String>) -> RuleHandle {
        RuleHandle {
            policy_id: self.id.clone(),
            id: id.into(),
        }
    }

    /// `POST /api/v1/policies/{id}/mappings` with `body`; a mapping that comes back is tracked
    /// at once (even one the step expected to be refused).
    pub(super) async fn map(&self, ctx: &Ctx, body: &Value) -> Result<PolicyMapping, Error> {
        let request: PolicyMappingRequest =
            serde_json::from_value(body.clone()).map_err(|e| Error::InvalidRequest {
                message: e.to_string(),
            })?;
        let mapping = ctx
            .client()
            .map_resource_to_policy()
            .policy_id(&self.id)
            .body(request)
            .call()
            .await?;
        if let Some(id) = mapping.id.as_deref() {
            ctx.track(self.mapping(id).resource());
        }
        Ok(mapping)
    }

    /// [`PolicyHandle::map`] that must succeed with an id.
    pub(super) async fn create_mapping(
        &self,
        ctx: &Ctx,
        body: &Value,
    ) -> Result<(MappingHandle, PolicyMapping), StepFailure> {
        let mapping = self.map(ctx, body).await?;
        let handle = self.mapping(require_id(mapping.id.as_deref(), "created mapping")?);
        Ok((handle, mapping))
    }

    /// A mapping of this policy, by id.
    pub(super) fn mapping(&self, id: impl Into<String>) -> MappingHandle {
        MappingHandle {
            policy_id: self.id.clone(),
            id: id.into(),
        }
    }

    /// The ids of the policy's mappings, following pagination.
    pub(super) async fn mapping_ids(&self, ctx: &Ctx) -> Result<Vec<String>, StepFailure> {
        let all: Vec<PolicyMapping> = ctx
            .client()
            .list_policy_mappings()
            .policy_id(&self.id)
            .items()
            .try_collect()
            .await?;
        Ok(all.iter().filter_map(|m| m.id.clone()).collect())
    }
}

/// Declares a handle on an object that belongs to a policy: its ids, what the tracker knows it
/// as, and its path.
macro_rules! policy_child {
    ($(#[$doc:meta])* $name:ident: $resource:ident at $path:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub(super) struct $name {
            /// The policy's id.
            pub(super) policy_id: String,
            /// The object's own id.
            pub(super) id: String,
        }

        impl $name {
            fn resource(&self) -> Resource {
                Resource::$resource {
                    policy_id: self.policy_id.clone(),
                    id: self.id.clone(),
                }
            }

            /// Its path: `/api/v1/policies/{policy_id}/…/{id}`.
            pub(super) fn path(&self) -> String {
                $path(&self.policy_id, &self.id)
            }

            /// Deletes it (the tracker is told), then asserts that it is gone.
            pub(super) async fn delete_and_expect_gone(
                &self,
                ctx: &Ctx,
            ) -> Result<(), StepFailure> {
                self.delete(ctx).await?;
                self.expect_gone(ctx).await
            }
        }
    };
}

policy_child!(
    /// A rule of a policy: created with [`PolicyHandle::create_rule`] (tracked at once) or
    /// named with [`PolicyHandle::rule`].
    RuleHandle: Rule at rule_path
);

policy_child!(
    /// A resource mapping of a policy: created with [`PolicyHandle::create_mapping`] (tracked
    /// at once) or named with [`PolicyHandle::mapping`].
    MappingHandle: Mapping at mapping_path
);

impl RuleHandle {
    handle_calls! {
        /// `GET` the rule, typed.
        fn get -> PolicyRule = get_policy_rule(policy_id: policy_id, rule_id: id);
        /// `POST …/lifecycle/activate`.
        fn activate = activate_policy_rule(policy_id: policy_id, rule_id: id);
        /// `POST …/lifecycle/deactivate`.
        fn deactivate = deactivate_policy_rule(policy_id: policy_id, rule_id: id);
        /// `DELETE` the rule alone: the tracker is not told (for refusals).
        fn send_delete = delete_policy_rule(policy_id: policy_id, rule_id: id);
        tracked;
    }

    /// `GET` the rule, the server's JSON.
    pub(super) async fn get_raw(&self, ctx: &Ctx) -> Result<Value, StepFailure> {
        get_raw(ctx, &self.path()).await
    }

    /// Reads the rule and asserts its `status`.
    pub(super) async fn expect_status(
        &self,
        ctx: &Ctx,
        status: LifecycleStatus,
    ) -> Result<(), StepFailure> {
        let rule = self.get(ctx).await?;
        ensure_eq("status", Some(status), rule.status())
    }

    /// `PUT` the rule with `body`.
    pub(super) async fn replace(&self, ctx: &Ctx, body: PolicyRule) -> Result<PolicyRule, Error> {
        ctx.client()
            .replace_policy_rule()
            .policy_id(&self.policy_id)
            .rule_id(&self.id)
            .body(body)
            .call()
            .await
    }
}

impl MappingHandle {
    handle_calls! {
        /// `GET` the mapping.
        fn get -> PolicyMapping = get_policy_mapping(policy_id: policy_id, mapping_id: id);
        /// `DELETE` the mapping alone: the tracker is not told (for refusals).
        fn send_delete = delete_policy_resource_mapping(policy_id: policy_id, mapping_id: id);
        tracked;
    }
}

/// A policy or a rule a scenario edits: read (typed and raw), replaced, activated and
/// deactivated. [`lifecycle_step`] and [`replace_renamed`] serve both.
pub(super) trait EditableHandle {
    /// The typed object: [`Policy`] or [`PolicyRule`].
    type Object: TypedObject + Serialize + Clone + Send + Sync;
    /// `GET`, typed.
    fn get(&self, ctx: &Ctx) -> impl Future<Output = Result<Self::Object, Error>> + Send;
    /// `GET`, the server's JSON.
    fn get_raw(&self, ctx: &Ctx) -> impl Future<Output = Result<Value, StepFailure>> + Send;
    /// `PUT` with `body`.
    fn replace(
        &self,
        ctx: &Ctx,
        body: Self::Object,
    ) -> impl Future<Output = Result<Self::Object, Error>> + Send;
    /// `POST …/lifecycle/activate`.
    fn activate(&self, ctx: &Ctx) -> impl Future<Output = Result<(), Error>> + Send;
    /// `POST …/lifecycle/deactivate`.
    fn deactivate(&self, ctx: &Ctx) -> impl Future<Output = Result<(), Error>> + Send;
    /// Reads it and asserts its `status`.
    fn expect_status(
        &self,
        ctx: &Ctx,
        status: LifecycleStatus,
    ) -> impl Future<Output = Result<(), StepFailure>> + Send;
}

/// Implements [`EditableHandle`] with the handles' own calls.
macro_rules! editable_handle {
    ($($handle:ident => $object:ident),*) => {$(
        impl EditableHandle for $handle {
            type Object = $object;
            async fn get(&self, ctx: &Ctx) -> Result<$object, Error> {
                $handle::get(self, ctx).await
            }
            async fn get_raw(&self, ctx: &Ctx) -> Result<Value, StepFailure> {
                $handle::get_raw(self, ctx).await
            }
            async fn replace(&self, ctx: &Ctx, body: $object) -> Result<$object, Error> {
                $handle::replace(self, ctx, body).await
            }
            async fn activate(&self, ctx: &Ctx) -> Result<(), Error> {
                $handle::activate(self, ctx).await
            }
            async fn deactivate(&self, ctx: &Ctx) -> Result<(), Error> {
                $handle::deactivate(self, ctx).await
            }
            async fn expect_status(
                &self,
                ctx: &Ctx,
                status: LifecycleStatus,
            ) -> Result<(), StepFailure> {
                $handle::expect_status(self, ctx, status).await
            }
        }
    )*};
}

editable_handle!(PolicyHandle => Policy, RuleHandle => PolicyRule);

/// One step named `name`: activate `handle` (`status` ACTIVE) or deactivate it (any other
/// `status`), then read it back with that status.
pub(super) async fn lifecycle_step<H: EditableHandle>(
    ctx: &Ctx,
    name: &str,
    handle: &H,
    status: LifecycleStatus,
) -> Result<(), StepFailure> {
    ctx.step(name, async {
        if status == LifecycleStatus::Active {
            handle.activate(ctx).await?;
        } else {
            handle.deactivate(ctx).await?;
        }
        handle.expect_status(ctx, status).await
    })
    .await
}

/// Read-modify-write in two steps: read `it` (raw JSON and typed) and rename the typed object
/// to `renamed`; PUT it back, which must send every field read, answer the `variant` with the
/// new name, and pass `kept(read, after)` on the raw JSON read before and after the PUT.
pub(super) async fn replace_renamed<H: EditableHandle>(
    ctx: &Ctx,
    handle: &H,
    it: &str,
    (renamed, variant): (&str, &str),
    kept: impl FnOnce(&Value, &Value) -> Result<(), StepFailure>,
) -> Result<(), StepFailure> {
    let (read, changed) = ctx
        .step(
            format!("read {it} for a read-modify-write (raw JSON and typed)"),
            async {
                let raw = handle.get_raw(ctx).await?;
                let mut typed = handle.get(ctx).await?;
                rename_typed(&mut typed, renamed)?;
                Ok((raw, typed))
            },
        )
        .await?;
    let sent = to_json(&changed)?;
    ctx.step(
        format!("PUT {it} back renamed → every field it read is sent and kept"),
        async {
            ensure_kept(&read, &sent, &["name"])?;
            let replaced = handle.replace(ctx, changed.clone()).await?;
            ensure_variant(&replaced, variant)?;
            ensure_eq("name", Some(renamed), replaced.name_of())?;
            let after = handle.get_raw(ctx).await?;
            kept(&read, &after)
        },
    )
    .await
}

/// A lifecycle action of a device (doc 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeviceAction {
    Activate,
    Deactivate,
    Suspend,
    Unsuspend,
}

/// Every device lifecycle action.
pub(super) const DEVICE_ACTIONS: [DeviceAction; 4] = [
    DeviceAction::Activate,
    DeviceAction::Deactivate,
    DeviceAction::Suspend,
    DeviceAction::Unsuspend,
];

impl DeviceAction {
    /// The action's name (and `_links` relation).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            DeviceAction::Activate => "activate",
            DeviceAction::Deactivate => "deactivate",
            DeviceAction::Suspend => "suspend",
            DeviceAction::Unsuspend => "unsuspend",
        }
    }
}

/// A device of the org, by id (devices are never created by a scenario, so never tracked).
#[derive(Debug, Clone)]
pub(super) struct DeviceHandle {
    /// The device id.
    pub(super) id: String,
}

impl DeviceHandle {
    handle_calls! {
        /// `GET /api/v1/devices/{id}`.
        fn get -> Device = get_device(device_id: id);
        /// `DELETE /api/v1/devices/{id}`.
        fn send_delete = delete_device(device_id: id);
    }

    /// `POST …/lifecycle/<action>`.
    pub(super) async fn send(&self, ctx: &Ctx, action: DeviceAction) -> Result<(), Error> {
        let client = ctx.client();
        let id = self.id.as_str();
        match action {
            DeviceAction::Activate => client.activate_device().device_id(id).call().await?,
            DeviceAction::Deactivate => client.deactivate_device().device_id(id).call().await?,
            DeviceAction::Suspend => client.suspend_device().device_id(id).call().await?,
            DeviceAction::Unsuspend => client.unsuspend_device().device_id(id).call().await?,
        };
        Ok(())
    }

    /// Reads the device and asserts its `status`.
    pub(super) async fn expect_status(
        &self,
        ctx: &Ctx,
        status: &DeviceStatus,
    ) -> Result<(), StepFailure> {
        let device = self.get(ctx).await?;
        ensure_eq("status", Some(status), device.status.as_ref())
    }
}

/// `GET path` through the raw escape hatch: the server's JSON, untouched by the typed model.
pub(super) async fn get_raw(ctx: &Ctx, path: &str) -> Result<Value, StepFailure> {
    Ok(ctx.client().raw().get(path).send_json::<Value>().await?)
}

/// The policy `id` in a listing, or a mismatch naming how many policies it holds.
pub(super) fn find_policy<'a>(all: &'a [Policy], id: &str) -> Result<&'a Policy, StepFailure> {
    all.iter().find(|p| p.id() == Some(id)).ok_or_else(|| {
        StepFailure::mismatch(
            "listing",
            format!("policy {id}"),
            format!("{} policies without it", all.len()),
        )
    })
}

/// The rule `id` in a listing, or a mismatch naming how many rules it holds.
pub(super) fn find_rule<'a>(
    rules: &'a [PolicyRule],
    id: &str,
) -> Result<&'a PolicyRule, StepFailure> {
    rules.iter().find(|r| r.id() == Some(id)).ok_or_else(|| {
        StepFailure::mismatch(
            "rules listing",
            format!("rule {id}"),
            format!("{} rules without it", rules.len()),
        )
    })
}

/// The default policy of `policy_type` (the one with `system: true`), as JSON.
pub(super) async fn default_policy(
    ctx: &Ctx,
    policy_type: &str,
) -> Result<Option<Value>, StepFailure> {
    for policy in list_policies(ctx, policy_type).await? {
        let json = to_json(&policy)?;
        if json.get("system") == Some(&Value::Bool(true)) {
            return Ok(Some(json));
        }
    }
    Ok(None)
}

/// Asserts that `after` holds what `before` held under each of `keys`.
pub(super) fn ensure_same(before: &Value, after: &Value, keys: &[&str]) -> Result<(), StepFailure> {
    for key in keys {
        ensure_eq(key, before.get(key), after.get(key))?;
    }
    Ok(())
}

/// The user ids a device user list (or `_embedded.users`) names.
pub(super) fn user_ids(device_users: &Value) -> Vec<String> {
    strs_at(device_users, "/user/id")
}

/// The string at `pointer` of every element of the JSON array `list` that has one.
pub(super) fn strs_at<C: FromIterator<String>>(list: &Value, pointer: &str) -> C {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| str_at(item, pointer).map(str::to_owned))
        .collect()
}

/// Every device of the listing with page size `limit`, following pagination.
pub(super) async fn all_devices(
    client: &okta_mgmt::Client,
    limit: u32,
) -> Result<Vec<Device>, Error> {
    client
        .list_devices()
        .limit(limit)
        .items()
        .try_collect()
        .await
}

/// Every page of the device listing with `limit`.
pub(super) async fn device_pages(
    client: &okta_mgmt::Client,
    limit: u32,
) -> Result<Vec<Page<Device>>, Error> {
    client
        .list_devices()
        .limit(limit)
        .pages()
        .try_collect()
        .await
}

/// Asserts that every page but the last has a `next` link; `each` checks each page further.
pub(super) fn ensure_next_links<T>(
    pages: &[Page<T>],
    mut each: impl FnMut(usize, &Page<T>) -> Result<(), StepFailure>,
) -> Result<(), StepFailure> {
    let last = pages.len().saturating_sub(1);
    for (i, page) in pages.iter().enumerate() {
        ensure_eq(
            &format!("next link on page {}", i + 1),
            i != last,
            page.has_next(),
        )?;
        each(i, page)?;
    }
    Ok(())
}

/// Every policy of `policy_type`, following pagination.
pub(super) async fn list_policies(
    ctx: &Ctx,
    policy_type: &str,
) -> Result<Vec<Policy>, StepFailure> {
    Ok(ctx
        .client()
        .list_policies()
        .type_(PolicyType::from(policy_type))
        .items()
        .try_collect()
        .await?)
}

/// `_links.<rel>.hints.allow` of an object, sorted.
pub(super) fn allow(value: &Value, rel: &str) -> Option<Vec<String>> {
    let list = value
        .pointer(&format!("/_links/{rel}/hints/allow"))?
        .as_array()?;
    let mut methods: Vec<String> = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    methods.sort();
    Some(methods)
}

/// Asserts `_links.<rel>.hints.allow` lists exactly `expected` (in any order).
pub(super) fn ensure_allow(value: &Value, rel: &str, expected: &[&str]) -> Result<(), StepFailure> {
    let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    let got = allow(value, rel);
    ensure(
        got.as_ref() == Some(&want),
        &format!("_links.{rel}.hints.allow"),
        format!("{want:?}"),
        got.map_or_else(|| "no such link".to_owned(), |g| format!("{g:?}")),
    )
}

/// Asserts that `_links.<rel>` is absent.
pub(super) fn ensure_no_link(value: &Value, rel: &str) -> Result<(), StepFailure> {
    let link = value.pointer(&format!("/_links/{rel}"));
    ensure(
        link.is_none(),
        &format!("_links.{rel}"),
        "no such link",
        link.map(Value::to_string).unwrap_or_default(),
    )
}

/// Asserts that a PUT body built by read-modify-write (`sent`) carries everything the server
/// returned (`read`), unchanged except under the top-level keys in `changed`: nothing the client
/// does not model is dropped, no `null` or empty list is lost.
pub(super) fn ensure_kept(read: &Value, sent: &Value, changed: &[&str]) -> Result<(), StepFailure> {
    let (Some(read), Some(sent)) = (read.as_object(), sent.as_object()) else {
        return Err(StepFailure::mismatch(
            "read-modify-write body",
            "JSON objects",
            "something else",
        ));
    };
    for (key, value) in read {
        if changed.contains(&key.as_str()) {
            continue;
        }
        compare_kept(&format!("/{key}"), value, sent.get(key))?;
    }
    Ok(())
}

fn compare_kept(path: &str, read: &Value, sent: Option<&Value>) -> Result<(), StepFailure> {
    let Some(sent) = sent else {
        return Err(StepFailure::mismatch(
            &format!("PUT body at {path} (dropped by the client)"),
            read,
            "absent",
        ));
    };
    match (read, sent) {
        (Value::Object(r), Value::Object(s)) => {
            for (key, value) in r {
                compare_kept(&format!("{path}/{key}"), value, s.get(key))?;
            }
            Ok(())
        }
        _ => ensure(read == sent, &format!("PUT body at {path}"), read, sent),
    }
}

/// Like [`expect_error`], but the Okta error code is only required on the simulator: on a real
/// org only the status is checked, for refusals whose code no source document fixes.
pub(super) fn expect_refusal<T, E: Into<Error>>(
    ctx: &Ctx,
    result: Result<T, E>,
    status: u16,
    sim_code: &str,
) -> Result<(), StepFailure> {
    if ctx.is_sim() {
        return expect_error(result, status, sim_code).map(drop);
    }
    match result {
        Ok(_) => Err(StepFailure::mismatch(
            "success",
            format!("HTTP {status}"),
            "a 2xx response",
        )),
        Err(e) => {
            let e: Error = e.into();
            let got = e.status().map(|s| s.as_u16());
            if got == Some(status) {
                Ok(())
            } else {
                let mut f = StepFailure::mismatch("error", format!("HTTP {status}"), describe(&e));
                f.request_id = e.request_id().map(str::to_owned);
                Err(f)
            }
        }
    }
}

fn describe(e: &Error) -> String {
    super::describe_error(e)
}

/// Asserts that an error body's `field` is present and not empty.
fn ensure_non_empty(
    field: &str,
    expected: &str,
    value: &Option<String>,
) -> Result<(), StepFailure> {
    ensure(
        value.as_deref().is_some_and(|s| !s.is_empty()),
        field,
        expected,
        format!("{value:?}"),
    )
}

/// Asserts that an Okta error body is complete: code, summary, link, id and a causes list.
pub(super) fn ensure_error_body(e: &Error, code: &str) -> Result<(), StepFailure> {
    let okta = e
        .okta_error()
        .ok_or_else(|| StepFailure::mismatch("error", "an Okta error body", describe(e)))?;
    ensure_eq("errorCode", Some(code), okta.error_code.as_deref())?;
    ensure_non_empty("errorSummary", "a non-empty summary", &okta.error_summary)?;
    ensure(okta.error_link.is_some(), "errorLink", "present", "absent")?;
    ensure_non_empty("errorId", "a non-empty id", &okta.error_id)?;
    ensure(
        okta.error_causes.is_some(),
        "errorCauses",
        "a list (possibly empty)",
        "absent",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ensure_kept_finds_dropped_and_changed_fields() {
        let read = json!({"name": "a", "x": {"y": null, "z": [1]}, "n": null});
        assert!(
            ensure_kept(
                &read,
                &json!({"name": "b", "x": {"y": null, "z": [1]}, "n": null}),
                &["name"]
            )
            .is_ok()
        );
        let dropped = ensure_kept(
            &read,
            &json!({"name": "a", "x": {"z": [1]}, "n": null}),
            &[],
        )
        .unwrap_err();
        assert!(dropped.message.contains("/x/y"), "{dropped:?}");
        let changed = ensure_kept(
            &read,
            &json!({"name": "b", "x": {"y": null, "z": [2]}, "n": null}),
            &["name"],
        )
        .unwrap_err();
        assert!(changed.message.contains("/x/z"), "{changed:?}");
        assert!(ensure_kept(&read, &json!({"name": "b"}), &["name"]).is_err());
    }

    #[test]
    fn allow_hints_compare_as_sets() {
        let v = json!({"_links": {"self": {"hints": {"allow": ["PUT", "GET"]}}}});
        assert!(ensure_allow(&v, "self", &["GET", "PUT"]).is_ok());
        assert!(ensure_allow(&v, "self", &["GET"]).is_err());
        assert!(ensure_allow(&v, "rules", &["GET"]).is_err());
        assert!(ensure_no_link(&v, "rules").is_ok());
        assert!(ensure_no_link(&v, "self").is_err());
    }

    #[test]
    fn variants_are_named_and_renamed() {
        let mut p = Policy::from_json(json!({"type": "PASSWORD", "name": "p"}));
        assert!(ensure_variant(&p, "Password").is_ok());
        rename_typed(&mut p, "q").unwrap();
        assert_eq!(p.name(), Some("q"));
        let other = Policy::from_json(json!({"type": "FUTURE", "name": "f"}));
        assert!(variant_of(&other).starts_with("Other (type \"FUTURE\""));
        let mut r = PolicyRule::from_json(json!({"type": "SIGN_ON", "name": "r"}));
        assert!(ensure_variant(&r, "SignOn").is_ok());
        rename_typed(&mut r, "s").unwrap();
        assert_eq!(r.name(), Some("s"));
    }
}
