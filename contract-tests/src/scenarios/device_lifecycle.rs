//! The device lifecycle of doc 002 ("Lifecycle operations", "Delete Device"): every legal
//! transition, every illegal one, and unknown ids. Simulator only: it changes devices.

use futures::future::BoxFuture;
use okta_mgmt::types::{Device, DeviceStatus};
use serde_json::Value;

use super::kit::{
    DEVICE_ACTIONS, DeviceAction, DeviceHandle, UNKNOWN_ID, device_path, expect_invalid,
    expect_not_found, get_raw, page_size, to_json,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "device-lifecycle-matrix",
        group: "devices",
        description: "doc 002 lifecycle: every legal transition (CREATED→ACTIVE⇄SUSPENDED→\
                      DEACTIVATED→ACTIVE, delete when DEACTIVATED), every illegal one \
                      (400 E0000001, status unchanged) and unknown ids (404 E0000007)",
        writes: true,
        sim_only: true,
        run: lifecycle_matrix,
    }]
}

impl DeviceAction {
    /// The status the action leads to from `from`, when doc 002 allows it there.
    fn target_from(self, from: &DeviceStatus) -> Option<DeviceStatus> {
        match (self, from) {
            (DeviceAction::Activate, DeviceStatus::Created | DeviceStatus::Deactivated) => {
                Some(DeviceStatus::Active)
            }
            (DeviceAction::Deactivate, DeviceStatus::Active | DeviceStatus::Suspended) => {
                Some(DeviceStatus::Deactivated)
            }
            (DeviceAction::Suspend, DeviceStatus::Active) => Some(DeviceStatus::Suspended),
            (DeviceAction::Unsuspend, DeviceStatus::Suspended) => Some(DeviceStatus::Active),
            _ => None,
        }
    }
}

const STATUSES: [DeviceStatus; 4] = [
    DeviceStatus::Created,
    DeviceStatus::Active,
    DeviceStatus::Suspended,
    DeviceStatus::Deactivated,
];

fn status_name(status: &DeviceStatus) -> &str {
    status.as_str()
}

async fn get_device(ctx: &Ctx, id: &str) -> Result<Device, okta_mgmt::Error> {
    handle(id).get(ctx).await
}

/// A handle on the device `id`.
fn handle(id: &str) -> DeviceHandle {
    DeviceHandle { id: id.to_owned() }
}

/// The device's lifecycle `_links` (relations other than self/users), sorted.
fn lifecycle_links(device: &Device) -> Result<Vec<String>, StepFailure> {
    let json = to_json(device)?;
    let mut rels: Vec<String> = json
        .get("_links")
        .and_then(Value::as_object)
        .map(|links| {
            links
                .keys()
                .filter(|k| DEVICE_ACTIONS.iter().any(|a| a.as_str() == k.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    rels.sort();
    Ok(rels)
}

/// The first device with `status`, found with `search=status eq "…"`.
async fn find_device(ctx: &Ctx, status: &DeviceStatus) -> Result<Device, StepFailure> {
    let search = format!("status eq \"{}\"", status_name(status));
    let page = ctx
        .client()
        .list_devices()
        .search(search.as_str())
        .limit(page_size(1))
        .call()
        .await?;
    let device = page.into_iter().next().ok_or_else(|| {
        StepFailure::mismatch(
            "seeded devices",
            format!("a {} device", status_name(status)),
            "none",
        )
    })?;
    ensure_eq("status", Some(status), device.status.as_ref())?;
    Ok(device)
}

/// Applies a legal action and checks the new status and that `lastUpdated` moved.
async fn transition(
    ctx: &Ctx,
    id: &str,
    action: DeviceAction,
    from: DeviceStatus,
) -> Result<(), StepFailure> {
    let to = action.target_from(&from).ok_or_else(|| {
        StepFailure::new(format!(
            "scenario bug: {} is not legal from {}",
            action.as_str(),
            status_name(&from)
        ))
    })?;
    let name = format!(
        "{} {} → {}",
        status_name(&from),
        action.as_str(),
        status_name(&to)
    );
    ctx.step(name, async {
        let before = get_device(ctx, id).await?;
        ensure_eq("status before", Some(&from), before.status.as_ref())?;
        handle(id).send(ctx, action).await?;
        let after = get_device(ctx, id).await?;
        ensure_eq("status", Some(&to), after.status.as_ref())?;
        let (b, a) = (to_json(&before)?, to_json(&after)?);
        let (b, a) = (b["lastUpdated"].as_str(), a["lastUpdated"].as_str());
        ensure(
            a.is_some() && a >= b,
            "lastUpdated",
            format!("not earlier than {b:?}"),
            format!("{a:?}"),
        )
    })
    .await
}

/// Proves doc 002's lifecycle on the seeded devices: for a device in each status, the
/// lifecycle `_links` offer exactly the legal actions, every other action is 400 E0000001 and
/// leaves the status unchanged (except activate on an ACTIVE device: 204, a no-op as on real
/// orgs), and DELETE is 400 E0000001 unless the device is DEACTIVATED.
/// A CREATED device then walks every legal transition (activate, suspend, unsuspend,
/// deactivate from ACTIVE, activate from DEACTIVATED, suspend, deactivate from SUSPENDED);
/// deactivation drops its users; it is deleted and is then 404 E0000007 for get, delete and
/// every action, and gone from search. Unknown ids are 404 E0000007 for every operation.
fn lifecycle_matrix(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let mut ids = Vec::new();
        for status in &STATUSES {
            ids.push(illegal_actions(ctx, status).await?);
        }
        // Walk the CREATED device through every legal transition.
        let id = ids
            .first()
            .cloned()
            .ok_or_else(|| StepFailure::new("no CREATED device"))?;
        let walk = [
            (DeviceAction::Activate, DeviceStatus::Created),
            (DeviceAction::Suspend, DeviceStatus::Active),
            (DeviceAction::Unsuspend, DeviceStatus::Suspended),
            (DeviceAction::Deactivate, DeviceStatus::Active),
            (DeviceAction::Activate, DeviceStatus::Deactivated),
            (DeviceAction::Suspend, DeviceStatus::Active),
            (DeviceAction::Deactivate, DeviceStatus::Suspended),
        ];
        for (action, from) in walk {
            transition(ctx, &id, action, from).await?;
        }
        delete_deactivated(ctx, &id).await?;
        check_gone(ctx, &id, "the deleted device").await?;
        check_gone(ctx, UNKNOWN_ID, "an unknown id").await?;
        ctx.step("search by id no longer finds the deleted device", async {
            let found = ctx
                .client()
                .list_devices()
                .search(format!("id eq \"{id}\""))
                .call()
                .await?;
            ensure_eq("devices found", 0, found.len())
        })
        .await
    })
}

/// For a device with `status`: its `_links` offer exactly the legal actions, every illegal
/// action (and DELETE unless DEACTIVATED) is refused with the status unchanged. Returns its id.
async fn illegal_actions(ctx: &Ctx, status: &DeviceStatus) -> Result<String, StepFailure> {
    let device = ctx
        .step(
            format!("find a {} device (search)", status_name(status)),
            find_device(ctx, status),
        )
        .await?;
    let id = device
        .id
        .clone()
        .ok_or_else(|| StepFailure::mismatch("device", "an id", "none"))?;
    ctx.step(
        format!(
            "{}: _links offer exactly the legal actions",
            status_name(status)
        ),
        async {
            let mut legal: Vec<String> = DEVICE_ACTIONS
                .iter()
                .filter(|a| a.target_from(status).is_some())
                .map(|a| a.as_str().to_owned())
                .collect();
            legal.sort();
            ensure_eq("lifecycle links", legal, lifecycle_links(&device)?)
        },
    )
    .await?;
    for action in DEVICE_ACTIONS
        .iter()
        .filter(|a| a.target_from(status).is_none())
    {
        // Recorded on real orgs: activating an ACTIVE device is a 204 no-op.
        let no_op = *status == DeviceStatus::Active && *action == DeviceAction::Activate;
        let name = if no_op {
            "ACTIVE: activate → 204 (already active), status unchanged".to_owned()
        } else {
            format!(
                "{}: {} → 400 E0000001, status unchanged",
                status_name(status),
                action.as_str()
            )
        };
        ctx.step(name, async {
            let result = handle(&id).send(ctx, *action).await;
            if no_op {
                result?;
            } else {
                expect_invalid(result)?;
            }
            ensure_status(ctx, &id, status).await
        })
        .await?;
    }
    if *status != DeviceStatus::Deactivated {
        ctx.step(
            format!(
                "{}: delete → 400 E0000001, still there",
                status_name(status)
            ),
            async {
                expect_invalid(delete_device(ctx, &id).await)?;
                ensure_status(ctx, &id, status).await
            },
        )
        .await?;
    }
    Ok(id)
}

/// Reads the device and asserts its status.
async fn ensure_status(ctx: &Ctx, id: &str, status: &DeviceStatus) -> Result<(), StepFailure> {
    handle(id).expect_status(ctx, status).await
}

/// `DELETE /api/v1/devices/{id}`.
async fn delete_device(ctx: &Ctx, id: &str) -> Result<(), okta_mgmt::Error> {
    handle(id).send_delete(ctx).await
}

/// A DEACTIVATED device has no users left and is deleted with 204.
async fn delete_deactivated(ctx: &Ctx, id: &str) -> Result<(), StepFailure> {
    let users_path = format!("{}/users", device_path(id));
    ctx.step("a DEACTIVATED device has no users left", async {
        let users = get_raw(ctx, &users_path).await?;
        ensure_eq("users", Some(0), users.as_array().map(Vec::len))
    })
    .await?;
    ctx.step("DEACTIVATED: delete → 204", async {
        let response = ctx
            .client()
            .delete_device()
            .device_id(id)
            .call_with_meta()
            .await?;
        ensure_eq("status", 204, response.status().as_u16())
    })
    .await
}

/// Get, delete and every lifecycle action on `id` are 404 E0000007.
async fn check_gone(ctx: &Ctx, id: &str, what: &str) -> Result<(), StepFailure> {
    ctx.step(format!("{what}: get and delete → 404 E0000007"), async {
        expect_not_found(get_device(ctx, id).await)?;
        expect_not_found(delete_device(ctx, id).await)
    })
    .await?;
    for action in DEVICE_ACTIONS {
        ctx.step(
            format!("{what}: {} → 404 E0000007", action.as_str()),
            async { expect_not_found(handle(id).send(ctx, action).await) },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transition_table_is_doc_002s() {
        let legal: Vec<String> = STATUSES
            .iter()
            .flat_map(|s| {
                DEVICE_ACTIONS.iter().filter_map(move |a| {
                    a.target_from(s)
                        .map(|to| format!("{} {} {}", status_name(s), a.as_str(), to.as_str()))
                })
            })
            .collect();
        assert_eq!(
            legal,
            [
                "CREATED activate ACTIVE",
                "ACTIVE deactivate DEACTIVATED",
                "ACTIVE suspend SUSPENDED",
                "SUSPENDED deactivate DEACTIVATED",
                "SUSPENDED unsuspend ACTIVE",
                "DEACTIVATED activate ACTIVE",
            ]
        );
    }
}
