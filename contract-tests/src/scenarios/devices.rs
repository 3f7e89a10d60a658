//! Device scenarios: pagination over many pages (read-only) and the device lifecycle (sim only).

use std::collections::HashSet;

use futures::future::BoxFuture;
use okta_mgmt::pagination::Page;
use okta_mgmt::types::{Device, DeviceStatus};

use super::kit::{
    DeviceAction, DeviceHandle, all_devices, device_pages, ensure_next_links, expect_invalid,
    expect_not_found,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "devices-pagination",
            group: "devices",
            description: "list devices over more than three pages with a small limit; the pages \
                          follow Link rel=next and give exactly the full listing",
            writes: false,
            sim_only: false,
            run: pagination,
        },
        Scenario {
            name: "device-lifecycle",
            group: "devices",
            description: "suspend, unsuspend, deactivate and delete a device; illegal transitions \
                          and deleting an active device are 400 E0000001, a deleted device 404",
            writes: true,
            sim_only: true,
            run: lifecycle,
        },
    ]
}

/// Page size of the reference listing (the API's maximum).
const FULL_PAGE: u32 = 200;
/// The small-limit walk must span more than this many pages.
const MIN_PAGES: usize = 4;

fn ids(devices: &[Device]) -> Vec<String> {
    devices.iter().filter_map(|d| d.id.clone()).collect()
}

fn pagination(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let all = ctx
            .step("list every device (limit=200)", async {
                Ok(ids(&all_devices(client, FULL_PAGE).await?))
            })
            .await?;
        if all.len() < MIN_PAGES {
            ctx.skip_step(
                "walk more than three pages",
                format!(
                    "the org has {} devices; at least {MIN_PAGES} are needed",
                    all.len()
                ),
            );
            return Ok(());
        }
        // Largest limit that still gives at least MIN_PAGES pages.
        let limit = u32::try_from(all.len() / MIN_PAGES)
            .unwrap_or(FULL_PAGE)
            .max(1);
        let pages: Vec<Page<Device>> = ctx
            .step(format!("walk the pages with limit={limit}"), async {
                let pages = device_pages(client, limit).await?;
                ensure(
                    pages.len() >= MIN_PAGES,
                    "page count",
                    format!("at least {MIN_PAGES} pages"),
                    format!("{} pages", pages.len()),
                )?;
                Ok(pages)
            })
            .await?;
        ctx.step("every page but the last has rel=next", async {
            ensure_next_links(&pages, |i, page| {
                ensure(
                    page.items.len() <= limit as usize,
                    "page size",
                    format!("at most {limit} devices on page {}", i + 1),
                    page.items.len(),
                )
            })
        })
        .await?;
        ctx.step("the pages give exactly the full listing", async {
            let walked: Vec<String> = pages.iter().flat_map(|p| ids(&p.items)).collect();
            let unique: HashSet<&String> = walked.iter().collect();
            ensure_eq("number of distinct ids", walked.len(), unique.len())?;
            ensure_eq("ids in order", all.clone(), walked)
        })
        .await?;
        ctx.step(format!("the item stream (limit={limit}) matches"), async {
            let items = all_devices(client, limit).await?;
            ensure_eq("ids in order", all.clone(), ids(&items))
        })
        .await
    })
}

/// What a step of [`lifecycle`] sends to the device.
#[derive(Clone, Copy)]
enum Op {
    Act(DeviceAction),
    Delete,
    Get,
}

/// What a step of [`lifecycle`] expects.
enum Outcome {
    /// Accepted, and the device is now in this status.
    Now(DeviceStatus),
    /// Accepted.
    Done,
    /// 400 E0000001.
    Refused,
    /// 404 E0000007.
    NotFound,
}

/// The steps of [`lifecycle`] after the device is found, in order.
const LIFECYCLE: [(&str, Op, Outcome); 9] = [
    (
        "suspend → SUSPENDED",
        Op::Act(DeviceAction::Suspend),
        Outcome::Now(DeviceStatus::Suspended),
    ),
    (
        "suspend again → 400 E0000001",
        Op::Act(DeviceAction::Suspend),
        Outcome::Refused,
    ),
    (
        "unsuspend → ACTIVE",
        Op::Act(DeviceAction::Unsuspend),
        Outcome::Now(DeviceStatus::Active),
    ),
    (
        "activate an ACTIVE device → 204, still ACTIVE (recorded real orgs)",
        Op::Act(DeviceAction::Activate),
        Outcome::Now(DeviceStatus::Active),
    ),
    (
        "delete an ACTIVE device → 400 E0000001",
        Op::Delete,
        Outcome::Refused,
    ),
    (
        "deactivate → DEACTIVATED",
        Op::Act(DeviceAction::Deactivate),
        Outcome::Now(DeviceStatus::Deactivated),
    ),
    ("delete the DEACTIVATED device", Op::Delete, Outcome::Done),
    (
        "get the deleted device → 404 E0000007",
        Op::Get,
        Outcome::NotFound,
    ),
    (
        "lifecycle of the deleted device → 404 E0000007",
        Op::Act(DeviceAction::Activate),
        Outcome::NotFound,
    ),
];

/// Suspends, unsuspends, deactivates and deletes an ACTIVE device ([`LIFECYCLE`]): illegal
/// transitions and deleting an active device are 400 E0000001, the deleted device 404.
fn lifecycle(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let search = "status eq \"ACTIVE\"";
        let device = ctx
            .step("find an ACTIVE device", async {
                let page = ctx
                    .client()
                    .list_devices()
                    .search(search)
                    .limit(1u32)
                    .call()
                    .await?;
                let device = page
                    .first()
                    .ok_or_else(|| StepFailure::mismatch("listing", "an ACTIVE device", "none"))?;
                ensure_eq("status", Some(DeviceStatus::Active), device.status.clone())?;
                let id = device
                    .id
                    .clone()
                    .ok_or_else(|| StepFailure::mismatch("device", "an id", "none"))?;
                Ok(DeviceHandle { id })
            })
            .await?;
        for (name, op, outcome) in &LIFECYCLE {
            ctx.step(*name, async {
                let result = match *op {
                    Op::Act(action) => device.send(ctx, action).await,
                    Op::Delete => device.send_delete(ctx).await,
                    Op::Get => device.get(ctx).await.map(drop),
                };
                match outcome {
                    Outcome::Now(status) => {
                        result?;
                        device.expect_status(ctx, status).await
                    }
                    Outcome::Done => Ok(result?),
                    Outcome::Refused => expect_invalid(result),
                    Outcome::NotFound => expect_not_found(result),
                }
            })
            .await?;
        }
        Ok(())
    })
}
