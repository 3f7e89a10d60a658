//! Device scenarios: pagination over many pages (read-only) and the device lifecycle (sim only).

use std::collections::HashSet;

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::pagination::Page;
use okta_mgmt::types::{Device, DeviceStatus};

use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq, expect_error};

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
                let devices: Vec<Device> = client
                    .list_devices()
                    .limit(FULL_PAGE)
                    .items()
                    .try_collect()
                    .await?;
                Ok(ids(&devices))
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
                let pages: Vec<Page<Device>> = client
                    .list_devices()
                    .limit(limit)
                    .pages()
                    .try_collect()
                    .await?;
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
            let last = pages.len() - 1;
            for (i, page) in pages.iter().enumerate() {
                ensure_eq(
                    &format!("next link on page {}", i + 1),
                    i != last,
                    page.has_next(),
                )?;
                ensure(
                    page.items.len() <= limit as usize,
                    "page size",
                    format!("at most {limit} devices on page {}", i + 1),
                    page.items.len(),
                )?;
            }
            Ok(())
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
            let items: Vec<Device> = client
                .list_devices()
                .limit(limit)
                .items()
                .try_collect()
                .await?;
            ensure_eq("ids in order", all.clone(), ids(&items))
        })
        .await
    })
}

async fn status_of(ctx: &Ctx, id: &str) -> Result<Option<DeviceStatus>, StepFailure> {
    let device = ctx.client().get_device().device_id(id).call().await?;
    Ok(device.status.clone())
}

fn lifecycle(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let client = ctx.client();
        let search = "status eq \"ACTIVE\"";
        let id = ctx
            .step("find an ACTIVE device", async {
                let page = client
                    .list_devices()
                    .search(search)
                    .limit(1u32)
                    .call()
                    .await?;
                let device = page
                    .first()
                    .ok_or_else(|| StepFailure::mismatch("listing", "an ACTIVE device", "none"))?;
                ensure_eq("status", Some(DeviceStatus::Active), device.status.clone())?;
                device
                    .id
                    .clone()
                    .ok_or_else(|| StepFailure::mismatch("device", "an id", "none"))
            })
            .await?;

        ctx.step("suspend → SUSPENDED", async {
            client.suspend_device().device_id(&id).call().await?;
            ensure_eq(
                "status",
                Some(DeviceStatus::Suspended),
                status_of(ctx, &id).await?,
            )
        })
        .await?;
        ctx.step("suspend again → 400 E0000001", async {
            expect_error(
                client.suspend_device().device_id(&id).call().await,
                400,
                "E0000001",
            )
            .map(drop)
        })
        .await?;
        ctx.step("unsuspend → ACTIVE", async {
            client.unsuspend_device().device_id(&id).call().await?;
            ensure_eq(
                "status",
                Some(DeviceStatus::Active),
                status_of(ctx, &id).await?,
            )
        })
        .await?;
        ctx.step(
            "activate an ACTIVE device → 204, still ACTIVE (recorded real orgs)",
            async {
                client.activate_device().device_id(&id).call().await?;
                ensure_eq(
                    "status",
                    Some(DeviceStatus::Active),
                    status_of(ctx, &id).await?,
                )
            },
        )
        .await?;
        ctx.step("delete an ACTIVE device → 400 E0000001", async {
            expect_error(
                client.delete_device().device_id(&id).call().await,
                400,
                "E0000001",
            )
            .map(drop)
        })
        .await?;
        ctx.step("deactivate → DEACTIVATED", async {
            client.deactivate_device().device_id(&id).call().await?;
            ensure_eq(
                "status",
                Some(DeviceStatus::Deactivated),
                status_of(ctx, &id).await?,
            )
        })
        .await?;
        ctx.step("delete the DEACTIVATED device", async {
            client.delete_device().device_id(&id).call().await?;
            Ok(())
        })
        .await?;
        ctx.step("get the deleted device → 404 E0000007", async {
            expect_error(
                client.get_device().device_id(&id).call().await,
                404,
                "E0000007",
            )
            .map(drop)
        })
        .await?;
        ctx.step("lifecycle of the deleted device → 404 E0000007", async {
            expect_error(
                client.activate_device().device_id(&id).call().await,
                404,
                "E0000007",
            )
            .map(drop)
        })
        .await
    })
}
