//! Listing devices (doc 002 "List Devices"): pagination with the item stream, SCIM `search`
//! filters and `expand=user`. Read-only, so it also runs against a live org.

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use okta_mgmt::types::Device;
use serde_json::Value;

use super::kit::{
    device_pages, device_path, ensure_next_links, get_raw, page_size, str_at, to_json, user_ids,
};
use super::{Ctx, Scenario, StepFailure, ensure, ensure_eq};

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "devices-search-and-expand",
        group: "devices",
        description: "doc 002 listing: item stream over more than three pages, search with eq, \
                      sw, and, or, lastUpdated gt and id eq, empty results, expand=user",
        writes: false,
        sim_only: false,
        run: listing,
    }]
}

/// The API's maximum page size.
const FULL_PAGE: u32 = 200;
/// Pages a small-limit walk must span.
const MIN_PAGES: usize = 4;

fn id_of(device: &Value) -> String {
    str_at(device, "/id").unwrap_or_default().to_owned()
}

/// Every device matching `search` (all devices without one), as JSON, following pagination.
async fn list(
    ctx: &Ctx,
    search: Option<&str>,
    limit: u32,
    expand: Option<&str>,
) -> Result<Vec<Value>, StepFailure> {
    let mut call = ctx.client().list_devices().limit(page_size(limit));
    if let Some(search) = search {
        call = call.search(search);
    }
    if let Some(expand) = expand {
        call = call.expand(expand);
    }
    let devices: Vec<Device> = call.items().try_collect().await?;
    devices.iter().map(to_json).collect()
}

fn ci_eq(value: Option<&str>, expected: &str) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case(expected))
}

fn ci_starts_with(value: Option<&str>, prefix: &str) -> bool {
    value.is_some_and(|v| v.to_lowercase().starts_with(&prefix.to_lowercase()))
}

fn parse_ts(value: Option<&str>) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    value.and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
}

/// A search expression and the predicate it means, as doc 002 defines it.
struct Filter {
    expr: String,
    /// The step name when `expr` holds data of the org (an id, a timestamp): step names, and so
    /// JUnit test cases, must not change with the org's data.
    label: Option<&'static str>,
    matches: Box<dyn Fn(&Value) -> bool + Send + Sync>,
}

/// Runs `filter` and checks it against the full listing `all`: every result matches, and on the
/// simulator the results are exactly the matching devices of `all`, in order (a real org's
/// search index is eventually consistent, doc 002). `must_match` requires a non-empty result on
/// the simulator.
async fn check_filter(
    ctx: &Ctx,
    all: &[Value],
    filter: &Filter,
    must_match: bool,
) -> Result<(), StepFailure> {
    ctx.step(
        filter
            .label
            .map_or_else(|| format!("search {}", filter.expr), str::to_owned),
        async {
            let found = list(ctx, Some(&filter.expr), FULL_PAGE, None).await?;
            if let Some(bad) = found.iter().find(|d| !(filter.matches)(d)) {
                return Err(StepFailure::mismatch(
                    "search result",
                    format!("only devices matching {}", filter.expr),
                    format!("device {} ({})", id_of(bad), bad),
                ));
            }
            if ctx.is_sim() {
                let expected: Vec<String> = all
                    .iter()
                    .filter(|d| (filter.matches)(d))
                    .map(id_of)
                    .collect();
                if must_match {
                    ensure(
                        !expected.is_empty(),
                        "seeded devices",
                        format!("some device matching {}", filter.expr),
                        "none",
                    )?;
                }
                ensure_eq(
                    "matching ids in order",
                    expected,
                    found.iter().map(id_of).collect(),
                )?;
            }
            Ok(())
        },
    )
    .await
}

/// A filter whose step name is its expression.
fn filter(expr: &str, matches: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Filter {
    Filter {
        expr: expr.to_owned(),
        label: None,
        matches: Box::new(matches),
    }
}

/// The searches of doc 002 with whether each must match on the simulator: fixed expressions,
/// then ones built from the org's data (the median `lastUpdated`, the first device's id).
fn search_filters(all: &[Value]) -> Vec<(Filter, bool)> {
    let mut filters = vec![
        (
            filter("status eq \"ACTIVE\"", |d| {
                ci_eq(str_at(d, "/status"), "ACTIVE")
            }),
            true,
        ),
        (
            filter("profile.displayName sw \"Eng-dev\"", |d| {
                ci_starts_with(str_at(d, "/profile/displayName"), "Eng-dev")
            }),
            true,
        ),
        (
            filter(
                "profile.displayName sw \"Eng-dev\" and status eq \"ACTIVE\"",
                |d| {
                    ci_starts_with(str_at(d, "/profile/displayName"), "Eng-dev")
                        && ci_eq(str_at(d, "/status"), "ACTIVE")
                },
            ),
            true,
        ),
        (
            filter(
                "profile.platform eq \"IOS\" or profile.platform eq \"ANDROID\"",
                |d| {
                    let p = str_at(d, "/profile/platform");
                    ci_eq(p, "IOS") || ci_eq(p, "ANDROID")
                },
            ),
            true,
        ),
        (
            filter(
                "profile.displayName eq \"okta-contract-no-such-device\"",
                |d| {
                    ci_eq(
                        str_at(d, "/profile/displayName"),
                        "okta-contract-no-such-device",
                    )
                },
            ),
            false,
        ),
    ];
    let mut updated: Vec<_> = all
        .iter()
        .filter_map(|d| parse_ts(str_at(d, "/lastUpdated")))
        .collect();
    updated.sort();
    let median = updated
        .get(updated.len() / 2)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    if let Some(median) = median {
        let threshold = parse_ts(Some(&median));
        filters.push((
            Filter {
                expr: format!("lastUpdated gt \"{median}\""),
                label: Some("search lastUpdated gt \"<the median lastUpdated>\""),
                matches: Box::new(move |d| {
                    parse_ts(str_at(d, "/lastUpdated")).is_some_and(|t| Some(t) > threshold)
                }),
            },
            true,
        ));
    }
    if let Some(first) = all.first().map(id_of) {
        let wanted = first.clone();
        filters.push((
            Filter {
                expr: format!("id eq \"{first}\""),
                label: Some("search id eq \"<the first device's id>\""),
                matches: Box::new(move |d| str_at(d, "/id") == Some(wanted.as_str())),
            },
            true,
        ));
    }
    filters
}

/// Proves doc 002's listing against the target: the item stream with a small `limit` walks more
/// than three pages (every page but the last has `rel="next"`) and yields exactly the full
/// listing; `search` with `eq`, `sw`, `and`, `or`, `lastUpdated gt` and `id eq` returns only
/// matching devices (on the simulator: exactly the matching devices of the full listing);
/// a search matching nothing is an empty list; `expand=user` embeds `_embedded.users` (typed
/// `DeviceUser`s with a user id), consistent with `GET /api/v1/devices/{id}/users`, and a plain
/// listing embeds nothing.
fn listing(ctx: &Ctx) -> BoxFuture<'_, Result<(), StepFailure>> {
    Box::pin(async move {
        let all = ctx
            .step(
                "list every device (limit=200)",
                list(ctx, None, FULL_PAGE, None),
            )
            .await?;
        item_stream_spans_pages(ctx, &all).await?;
        for (filter, must_match) in &search_filters(&all) {
            check_filter(ctx, &all, filter, *must_match).await?;
        }
        let expanded = expand_user(ctx, &all).await?;
        ctx.step("a plain listing embeds nothing", async {
            let embedded = all.iter().filter(|d| d.get("_embedded").is_some()).count();
            ensure_eq("devices with _embedded", 0, embedded)
        })
        .await?;
        embedded_users_match(ctx, expanded).await
    })
}

/// The item stream with a small `limit` spans more than three pages and yields `all`; skipped
/// when the org has too few devices.
async fn item_stream_spans_pages(ctx: &Ctx, all: &[Value]) -> Result<(), StepFailure> {
    if all.len() < MIN_PAGES {
        ctx.skip_step(
            "item stream spans more than three pages",
            format!("the org has {} devices; {MIN_PAGES} are needed", all.len()),
        );
        return Ok(());
    }
    let limit = u32::try_from(all.len().div_ceil(MIN_PAGES + 1))
        .unwrap_or(FULL_PAGE)
        .max(1);
    ctx.step(
        format!("item stream with limit={limit} spans more than three pages"),
        async {
            let pages = device_pages(ctx.client(), page_size(limit).get()).await?;
            ensure(
                pages.len() >= MIN_PAGES,
                "page count",
                format!("at least {MIN_PAGES}"),
                pages.len(),
            )?;
            ensure_next_links(&pages, |_, _| Ok(()))?;
            let items = list(ctx, None, limit, None).await?;
            ensure_eq(
                "ids in order",
                all.iter().map(id_of).collect::<Vec<_>>(),
                items.iter().map(id_of).collect::<Vec<_>>(),
            )
        },
    )
    .await
}

/// `expand=user` embeds `_embedded.users` on every device, as many as the typed model holds;
/// returns a device with users, if any.
async fn expand_user(ctx: &Ctx, all: &[Value]) -> Result<Option<Value>, StepFailure> {
    ctx.step("expand=user embeds _embedded.users", async {
        let devices: Vec<Device> = ctx
            .client()
            .list_devices()
            .expand("user")
            .limit(page_size(FULL_PAGE))
            .items()
            .try_collect()
            .await?;
        let mut with_users = None;
        for device in &devices {
            let json = to_json(device)?;
            let users = json.pointer("/_embedded/users").and_then(Value::as_array);
            ensure(
                users.is_some(),
                "_embedded.users",
                "a list on every device",
                format!("device {} without it", id_of(&json)),
            )?;
            let typed = device.embedded.as_ref().map_or(0, |e| e.users.len());
            ensure_eq("typed DeviceUser count", users.map_or(0, Vec::len), typed)?;
            if with_users.is_none() && typed > 0 {
                with_users = Some(json);
            }
        }
        if ctx.is_sim() {
            ensure_eq("devices", all.len(), devices.len())?;
            ensure(
                with_users.is_some(),
                "seeded devices",
                "some device with users",
                "none",
            )?;
        }
        Ok(with_users)
    })
    .await
}

/// The users `expand=user` embeds in `device` are those of `GET /api/v1/devices/{id}/users`.
async fn embedded_users_match(ctx: &Ctx, device: Option<Value>) -> Result<(), StepFailure> {
    let Some(device) = device else {
        ctx.skip_step(
            "embedded users match GET /api/v1/devices/{id}/users",
            "no device with users",
        );
        return Ok(());
    };
    let users_path = format!("{}/users", device_path(&id_of(&device)));
    ctx.step(
        "embedded users match GET /api/v1/devices/{id}/users",
        async {
            let embedded = user_ids(&device["_embedded"]["users"]);
            ensure(
                !embedded.is_empty(),
                "embedded users",
                "user objects with an id",
                "none",
            )?;
            let listed = get_raw(ctx, &users_path).await?;
            ensure_eq("user ids", embedded, user_ids(&listed))
        },
    )
    .await
}
