//! Simulator: the Devices API — seeded inventory, lifecycle table, delete rules, pagination with
//! `Link` headers, SCIM search, `expand=user` and the users endpoint.

mod sim_common;

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;
use sim_common::{
    Org, allow, assert_okta_id, assert_timestamp, enc, expect_error, expect_invalid, expect_json,
    expect_no_content, expect_not_found, first_cause, has_link, link_headers,
};

async fn all_devices(org: &Org) -> Vec<Value> {
    org.get_ok("/api/v1/devices")
        .await
        .as_array()
        .cloned()
        .expect("array")
}

async fn device_in(org: &Org, status: &str) -> Option<String> {
    let search = enc(&format!("status eq \"{status}\""));
    let list = org
        .get_ok(&format!("/api/v1/devices?search={search}&limit=1"))
        .await;
    list[0]["id"].as_str().map(str::to_string)
}

/// Brings a device into `status` through legal transitions, starting from any status.
async fn move_to(org: &Org, id: &str, status: &str) {
    let path = format!("/api/v1/devices/{id}");
    for _ in 0..4 {
        let current = org.get_ok(&path).await["status"]
            .as_str()
            .expect("s")
            .to_string();
        if current == status {
            return;
        }
        let action = match (current.as_str(), status) {
            ("ACTIVE", "SUSPENDED") => "suspend",
            ("SUSPENDED", "ACTIVE") => "unsuspend",
            ("ACTIVE" | "SUSPENDED", _) => "deactivate",
            _ => "activate",
        };
        expect_no_content(org.lifecycle(&path, action).await).await;
    }
    panic!("could not bring {id} to {status}");
}

#[tokio::test]
async fn seeded_devices_look_like_the_documented_object() {
    let org = Org::start().await;
    let devices = all_devices(&org).await;
    assert_eq!(devices.len(), 45);
    let statuses: HashSet<&str> = devices
        .iter()
        .map(|d| d["status"].as_str().expect("s"))
        .collect();
    assert_eq!(
        statuses,
        HashSet::from(["ACTIVE", "CREATED", "SUSPENDED", "DEACTIVATED"])
    );
    let platforms: HashSet<&str> = devices
        .iter()
        .map(|d| d["profile"]["platform"].as_str().expect("p"))
        .collect();
    assert_eq!(
        platforms,
        HashSet::from(["ANDROID", "IOS", "MACOS", "WINDOWS"])
    );
    for d in &devices {
        assert_okta_id(&d["id"], "guo");
        assert_timestamp(&d["created"]);
        assert_timestamp(&d["lastUpdated"]);
        assert_eq!(d["resourceType"], "UDDevice");
        assert_eq!(d["resourceId"], d["id"]);
        assert_eq!(d["resourceAlternateId"], Value::Null);
        assert_eq!(
            d["resourceDisplayName"]["value"],
            d["profile"]["displayName"]
        );
        assert_eq!(d["resourceDisplayName"]["sensitive"], false);
        assert!(d["profile"]["registered"].is_boolean());
        assert!(d.get("_embedded").is_none(), "no users without expand");
        assert_eq!(allow(d, "users"), ["GET"]);
        let expected: &[&str] = match d["status"].as_str().expect("s") {
            "CREATED" | "DEACTIVATED" => &["activate"],
            "ACTIVE" => &["suspend", "deactivate"],
            _ => &["unsuspend", "deactivate"],
        };
        for action in ["activate", "deactivate", "suspend", "unsuspend"] {
            assert_eq!(
                has_link(d, action),
                expected.contains(&action),
                "{action} on {}",
                d["status"]
            );
        }
        let id = d["id"].as_str().expect("id");
        assert_eq!(org.get_ok(&format!("/api/v1/devices/{id}")).await, *d);
    }
    // Listing is ordered by creation and is the same for the same seed.
    let other = Org::start().await;
    assert_eq!(
        all_devices(&other).await,
        devices
            .iter()
            .map(|d| {
                let mut d = d.clone();
                rebase(&mut d, &org.base, &other.base);
                d
            })
            .collect::<Vec<_>>()
    );
    org.sim.shutdown().await;
    other.sim.shutdown().await;
}

/// Rewrites the host in every `href` (two simulators have different ports).
fn rebase(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(s) if s.starts_with(from) => *s = s.replacen(from, to, 1),
        Value::Array(items) => items.iter_mut().for_each(|v| rebase(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| rebase(v, from, to)),
        _ => {}
    }
}

#[tokio::test]
async fn lifecycle_table_every_state_and_action() {
    let org = Org::start().await;
    let table = [
        // (from, action, Ok(to) or Err(()))
        ("CREATED", "activate", Some("ACTIVE")),
        ("CREATED", "deactivate", None),
        ("CREATED", "suspend", None),
        ("CREATED", "unsuspend", None),
        // Real orgs answer 204 to activating an ACTIVE device, and nothing changes.
        ("ACTIVE", "activate", Some("ACTIVE")),
        ("ACTIVE", "deactivate", Some("DEACTIVATED")),
        ("ACTIVE", "suspend", Some("SUSPENDED")),
        ("ACTIVE", "unsuspend", None),
        ("SUSPENDED", "activate", None),
        ("SUSPENDED", "deactivate", Some("DEACTIVATED")),
        ("SUSPENDED", "suspend", None),
        ("SUSPENDED", "unsuspend", Some("ACTIVE")),
        ("DEACTIVATED", "activate", Some("ACTIVE")),
        ("DEACTIVATED", "deactivate", None),
        ("DEACTIVATED", "suspend", None),
        ("DEACTIVATED", "unsuspend", None),
    ];
    for (from, action, to) in table {
        // CREATED is only reachable from seeding, so each CREATED row uses a fresh device.
        let id = if from == "CREATED" {
            device_in(&org, "CREATED").await.expect("a CREATED device")
        } else {
            let id = device_in(&org, "ACTIVE").await.expect("an ACTIVE device");
            move_to(&org, &id, from).await;
            id
        };
        let path = format!("/api/v1/devices/{id}");
        let before = org.get_ok(&path).await;
        assert_eq!(before["status"], from);
        let resp = org.lifecycle(&path, action).await;
        match to {
            Some(to) => {
                expect_no_content(resp).await;
                let after = org.get_ok(&path).await;
                assert_eq!(after["status"], to, "{from} --{action}-->");
                assert!(after["lastUpdated"].as_str() >= before["lastUpdated"].as_str());
                assert!(has_link(
                    &after,
                    match to {
                        "ACTIVE" => "suspend",
                        "SUSPENDED" => "unsuspend",
                        _ => "activate",
                    }
                ));
            }
            None => {
                let err = expect_invalid(resp).await;
                let cause = first_cause(&err);
                assert!(cause.contains(from), "{cause}");
                assert_eq!(
                    org.get_ok(&path).await,
                    before,
                    "{from} --{action}--> must not change"
                );
            }
        }
    }
    for action in ["activate", "deactivate", "suspend", "unsuspend"] {
        let err = expect_not_found(
            org.post_empty(&format!("/api/v1/devices/123456/lifecycle/{action}"))
                .await,
        )
        .await;
        assert_eq!(
            err["errorSummary"],
            "Not found: Resource not found: 123456 (GenericUDObject)"
        );
    }
    org.sim.shutdown().await;
}

#[tokio::test]
async fn delete_only_deactivated_devices() {
    let org = Org::start().await;
    let id = device_in(&org, "ACTIVE").await.expect("active");
    let path = format!("/api/v1/devices/{id}");
    for status in ["ACTIVE", "SUSPENDED"] {
        move_to(&org, &id, status).await;
        expect_invalid(org.delete(&path).await).await;
    }
    let created = device_in(&org, "CREATED").await.expect("created");
    expect_invalid(org.delete(&format!("/api/v1/devices/{created}")).await).await;
    move_to(&org, &id, "DEACTIVATED").await;
    let deactivated = org.get_ok(&path).await;
    assert_eq!(
        allow(&deactivated, "self"),
        ["GET", "PATCH", "PUT", "DELETE"]
    );
    expect_no_content(org.delete(&path).await).await;
    expect_not_found(org.get(&path).await).await;
    expect_not_found(org.delete(&path).await).await;
    expect_not_found(org.get(&format!("{path}/users")).await).await;
    let remaining = all_devices(&org).await;
    assert_eq!(remaining.len(), 44);
    assert!(remaining.iter().all(|d| d["id"] != id.as_str()));
    // A cursor naming the deleted device still works.
    let after = org.get_ok(&format!("/api/v1/devices?after={id}")).await;
    assert!(
        after
            .as_array()
            .expect("a")
            .iter()
            .all(|d| d["id"] != id.as_str())
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn pagination_over_many_pages_follows_link_headers() {
    let org = Org::with_devices(95).await;
    let everything = all_devices(&org).await;
    assert_eq!(everything.len(), 95);

    let mut url = org.url("/api/v1/devices?limit=20");
    let mut collected = Vec::new();
    let mut pages = 0;
    loop {
        let path = url.trim_start_matches(&org.base).to_string();
        let resp = org.get(&path).await;
        let links = link_headers(&resp);
        let page = expect_json(resp, StatusCode::OK).await;
        let page = page.as_array().cloned().expect("array");
        pages += 1;
        assert!(page.len() <= 20);
        collected.extend(page.clone());
        let rels: Vec<&str> = links.iter().map(|(_, rel)| rel.as_str()).collect();
        assert_eq!(rels[0], "self");
        assert!(
            links[0].0.starts_with(&org.base),
            "links use the request's host"
        );
        assert!(links[0].0.contains("limit=20"));
        match links.iter().find(|(_, rel)| rel == "next") {
            Some((next, _)) => {
                assert_eq!(page.len(), 20);
                let last = page.last().expect("last")["id"].as_str().expect("id");
                assert!(next.contains(&format!("after={last}")), "{next}");
                url = next.clone();
            }
            None => break,
        }
        assert!(pages < 10, "runaway pagination");
    }
    assert_eq!(pages, 5);
    assert_eq!(collected, everything);

    // Default and maximum limit is 200.
    let big = Org::with_devices(230).await;
    let resp = big.get("/api/v1/devices").await;
    let links = link_headers(&resp);
    assert_eq!(links.len(), 2);
    assert!(
        links[0].0.ends_with("/api/v1/devices?limit=200"),
        "{}",
        links[0].0
    );
    assert_eq!(
        expect_json(resp, StatusCode::OK)
            .await
            .as_array()
            .map(Vec::len),
        Some(200)
    );
    // Cursors the server never issued are E0000031, as real orgs answer.
    let last = big.get("/api/v1/devices?limit=200&after=").await;
    expect_error(last, StatusCode::BAD_REQUEST, "E0000031").await;
    for bad in ["0", "201", "-1", "ten"] {
        expect_invalid(big.get(&format!("/api/v1/devices?limit={bad}")).await).await;
    }
    expect_error(
        big.get("/api/v1/devices?after=guoNOTACURSOR").await,
        StatusCode::BAD_REQUEST,
        "E0000031",
    )
    .await;
    // A single page has only a self link.
    let resp = org.get("/api/v1/devices?limit=200").await;
    assert_eq!(link_headers(&resp).len(), 1);
    org.sim.shutdown().await;
    big.sim.shutdown().await;
}

fn ids(devices: &[Value]) -> Vec<String> {
    devices
        .iter()
        .map(|d| d["id"].as_str().expect("id").to_string())
        .collect()
}

async fn search(org: &Org, expr: &str) -> Vec<Value> {
    let resp = org
        .get(&format!("/api/v1/devices?search={}", enc(expr)))
        .await;
    expect_json(resp, StatusCode::OK)
        .await
        .as_array()
        .cloned()
        .expect("array")
}

/// Every device a search finds, one per page, following the `next` links.
async fn search_by_pages(org: &Org, expr: &str) -> Vec<String> {
    search_in_pages_of(org, expr, 1).await
}

/// Every device a search finds, in pages of `limit`, following the `next` links.
async fn search_in_pages_of(org: &Org, expr: &str, limit: usize) -> Vec<String> {
    let mut path = format!("/api/v1/devices?search={}&limit={limit}", enc(expr));
    let mut found = Vec::new();
    for _ in 0..100 {
        let resp = org.get(&path).await;
        let next = link_headers(&resp)
            .into_iter()
            .find(|(_, rel)| rel == "next");
        found.extend(ids(expect_json(resp, StatusCode::OK)
            .await
            .as_array()
            .expect("a")));
        match next {
            Some((url, _)) => path = url.trim_start_matches(&org.base).to_string(),
            None => return found,
        }
    }
    panic!("runaway pagination for {expr}");
}

/// In an org with more distinct serial numbers, names and IMEIs than a substring search may read
/// as values, `co` reads the devices that have every three-character piece of its text: it
/// must find exactly the devices whose value contains the text, across pages.
#[tokio::test]
async fn substring_searches_of_pieced_properties_find_every_device_that_contains_the_text() {
    let org = Org::with_devices(600).await;
    let mut devices = Vec::new();
    let mut path = "/api/v1/devices?limit=200".to_string();
    loop {
        let resp = org.get(&path).await;
        let next = link_headers(&resp)
            .into_iter()
            .find(|(_, rel)| rel == "next");
        let page = expect_json(resp, StatusCode::OK).await;
        devices.extend(page.as_array().cloned().expect("a page"));
        match next {
            Some((url, _)) => path = url.trim_start_matches(&org.base).to_string(),
            None => break,
        }
    }
    assert_eq!(devices.len(), 600);
    for (n, device) in devices.iter().enumerate().step_by(37) {
        for property in ["serialNumber", "displayName", "imei", "meid"] {
            let Some(value) = device["profile"][property].as_str() else {
                continue;
            };
            let chars: Vec<char> = value.chars().collect();
            let from = n % chars.len().saturating_sub(3).max(1);
            let len = 3 + n % 3;
            let part: String = chars.iter().skip(from).take(len).collect();
            let expected: Vec<String> = devices
                .iter()
                .filter(|d| {
                    d["profile"][property]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().contains(&part.to_lowercase()))
                })
                .map(|d| d["id"].as_str().expect("id").to_string())
                .collect();
            let expr = format!("profile.{property} co \"{part}\"");
            assert!(!expected.is_empty(), "{expr}");
            assert_eq!(
                search_in_pages_of(&org, &expr, 200).await,
                expected,
                "{expr}"
            );
        }
    }
}

#[tokio::test]
async fn status_searches_follow_lifecycle_changes_and_deletes() {
    let org = Org::start().await;
    let suspended = device_in(&org, "SUSPENDED")
        .await
        .expect("a suspended device");
    let active = device_in(&org, "ACTIVE").await.expect("an active device");
    let deactivated = device_in(&org, "DEACTIVATED")
        .await
        .expect("a deactivated device");
    move_to(&org, &active, "SUSPENDED").await;
    move_to(&org, &suspended, "ACTIVE").await;
    let path = format!("/api/v1/devices/{deactivated}");
    expect_no_content(org.delete(&path).await).await;
    let all = all_devices(&org).await;
    assert!(!ids(&all).contains(&deactivated));
    for status in ["ACTIVE", "SUSPENDED", "CREATED", "DEACTIVATED"] {
        let expected: Vec<String> = ids(&all)
            .into_iter()
            .zip(&all)
            .filter(|(_, d)| d["status"] == status)
            .map(|(id, _)| id)
            .collect();
        for expr in [
            format!("status eq \"{status}\""),
            format!("STATUS eq \"{}\"", status.to_lowercase()),
            format!("profile.platform pr and status eq \"{status}\""),
        ] {
            assert_eq!(search_by_pages(&org, &expr).await, expected, "{expr}");
        }
    }
    // The equality indexes follow the delete and the status changes.
    let by_id = |id: &str| format!("id eq \"{id}\"");
    assert!(search_by_pages(&org, &by_id(&deactivated)).await.is_empty());
    assert_eq!(
        search_by_pages(
            &org,
            &format!("{} and status eq \"SUSPENDED\"", by_id(&active))
        )
        .await,
        vec![active.clone()]
    );
    assert!(
        search_by_pages(
            &org,
            &format!("{} and status eq \"ACTIVE\"", by_id(&active))
        )
        .await
        .is_empty()
    );
    let windows: Vec<String> = ids(&all)
        .into_iter()
        .zip(&all)
        .filter(|(_, d)| d["profile"]["platform"] == "WINDOWS")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        search_by_pages(&org, "profile.platform eq \"windows\"").await,
        windows
    );
    assert!(
        search_by_pages(&org, "status eq \"SUSPENDED\"")
            .await
            .contains(&active)
    );
    assert!(
        search_by_pages(&org, "status eq \"ACTIVE\"")
            .await
            .contains(&suspended)
    );
    // The time index follows the changes too: the two changed devices are the newest.
    let seeded_newest = all
        .iter()
        .filter(|d| d["id"] != active.as_str() && d["id"] != suspended.as_str())
        .filter_map(|d| d["lastUpdated"].as_str())
        .max()
        .expect("seeded devices")
        .to_owned();
    let mut changed = vec![active.clone(), suspended.clone()];
    changed.sort_by_key(|id| ids(&all).iter().position(|d| d == id));
    assert_eq!(
        search_by_pages(&org, &format!("lastUpdated gt \"{seeded_newest}\"")).await,
        changed
    );
    org.sim.shutdown().await;
}

#[tokio::test]
async fn search_filters_match_a_client_side_evaluation() {
    let org = Org::start().await;
    let all = all_devices(&org).await;
    let by =
        |f: &dyn Fn(&Value) -> bool| ids(&all.iter().filter(|d| f(d)).cloned().collect::<Vec<_>>());
    let sample = &all[7];
    let sample_id = sample["id"].as_str().expect("id");
    let sid_prefix = all
        .iter()
        .find_map(|d| d["profile"]["sid"].as_str())
        .expect("a WINDOWS device")[..5]
        .to_string();
    let cutoff = all[20]["lastUpdated"].as_str().expect("ts").to_string();
    let later = all[30]["lastUpdated"].as_str().expect("ts").to_string();
    let serial = sample["profile"]["serialNumber"].as_str().expect("serial");

    let cases: Vec<(String, Vec<String>)> =
        vec![
        (
            "status eq \"ACTIVE\"".into(),
            by(&|d| d["status"] == "ACTIVE"),
        ),
        (
            "status EQ \"active\"".into(),
            by(&|d| d["status"] == "ACTIVE"),
        ),
        (
            format!("id eq \"{sample_id}\""),
            vec![sample_id.to_string()],
        ),
        (
            "profile.platform eq \"WINDOWS\"".into(),
            by(&|d| d["profile"]["platform"] == "WINDOWS"),
        ),
        (
            format!("profile.sid sw \"{sid_prefix}\""),
            by(&|d| {
                d["profile"]["sid"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&sid_prefix))
            }),
        ),
        (
            format!("lastUpdated gt \"{cutoff}\""),
            by(&|d| d["lastUpdated"].as_str().expect("ts") > cutoff.as_str()),
        ),
        (
            "lastUpdated gt \"2019-06-01T09:00:00.000Z\"".into(),
            by(&|d| d["lastUpdated"].as_str().expect("ts") > "2019-06-01T09:00:00.000Z"),
        ),
        (
            format!("lastUpdated gt \"{cutoff}\" and lastUpdated lt \"{later}\""),
            by(&|d| {
                let at = d["lastUpdated"].as_str().expect("ts");
                at > cutoff.as_str() && at < later.as_str()
            }),
        ),
        (
            format!("lastUpdated ge \"{cutoff}\" and lastUpdated le \"{cutoff}\""),
            by(&|d| d["lastUpdated"] == cutoff.as_str()),
        ),
        (
            format!("profile.serialNumber sw \"{}\"", serial[..4].to_lowercase()),
            by(&|d| {
                d["profile"]["serialNumber"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(&serial[..4]))
            }),
        ),
        (
            format!("lastUpdated le \"{cutoff}\""),
            by(&|d| d["lastUpdated"].as_str().expect("ts") <= cutoff.as_str()),
        ),
        (
            "profile.displayName sw \"Eng-dev\" and status eq \"ACTIVE\"".into(),
            by(&|d| {
                d["profile"]["displayName"]
                    .as_str()
                    .expect("n")
                    .starts_with("Eng-dev")
                    && d["status"] == "ACTIVE"
            }),
        ),
        (
            "profile.platform eq \"IOS\" or profile.platform eq \"ANDROID\"".into(),
            by(&|d| d["profile"]["platform"] == "IOS" || d["profile"]["platform"] == "ANDROID"),
        ),
        (
            "(status eq \"SUSPENDED\" or status eq \"CREATED\") and profile.platform eq \"MACOS\""
                .into(),
            by(&|d| {
                (d["status"] == "SUSPENDED" || d["status"] == "CREATED")
                    && d["profile"]["platform"] == "MACOS"
            }),
        ),
        (
            format!(
                "profile.displayName eq \"{}\"",
                sample["profile"]["displayName"]
                    .as_str()
                    .expect("n")
                    .to_uppercase()
            ),
            by(&|d| {
                d["profile"]["displayName"]
                    .as_str()
                    .expect("n")
                    .eq_ignore_ascii_case(sample["profile"]["displayName"].as_str().expect("n"))
            }),
        ),
        ("profile.displayName eq \"no such device\"".into(), vec![]),
        (
            format!(
                "profile.serialNumber eq \"{}\"",
                sample["profile"]["serialNumber"]
                    .as_str()
                    .expect("serial")
                    .to_lowercase()
            ),
            by(&|d| d["profile"]["serialNumber"] == sample["profile"]["serialNumber"]),
        ),
        (
            format!(
                "profile.udid eq \"{}\" and status eq \"{}\"",
                sample["profile"]["udid"].as_str().expect("udid"),
                sample["status"].as_str().expect("status")
            ),
            vec![sample_id.to_string()],
        ),
        (
            format!(
                "profile.udid eq \"{}\" and not (status eq \"{}\")",
                sample["profile"]["udid"].as_str().expect("udid"),
                sample["status"].as_str().expect("status")
            ),
            vec![],
        ),
        (
            format!("id eq \"{}\"", sample_id.to_uppercase()),
            by(&|d| d["id"].as_str().expect("id").eq_ignore_ascii_case(sample_id)),
        ),
        (
            format!("profile.serialNumber co \"{}\"", serial[2..6].to_lowercase()),
            by(&|d| {
                d["profile"]["serialNumber"]
                    .as_str()
                    .is_some_and(|s| s.contains(&serial[2..6]))
            }),
        ),
        (
            "profile.model co \"BOOK\" and status ne \"ACTIVE\"".into(),
            by(&|d| {
                d["profile"]["model"]
                    .as_str()
                    .is_some_and(|m| m.to_lowercase().contains("book"))
                    && d["status"] != "ACTIVE"
            }),
        ),
        (
            "profile.displayName co \"desktop-\"".into(),
            by(&|d| {
                d["profile"]["displayName"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains("desktop-"))
            }),
        ),
        ("profile.imei co \"no such\"".into(), vec![]),
    ];
    for (expr, expected) in cases {
        let got = ids(&search(&org, &expr).await);
        assert_eq!(got, expected, "search: {expr}");
    }
    assert!(
        !by(&|d| d["profile"]["displayName"]
            .as_str()
            .expect("n")
            .starts_with("Eng-dev"))
        .is_empty()
    );

    // The documented `+`-encoded form works as well.
    let resp = org
        .get("/api/v1/devices?search=profile.displayName+sw+%22Eng-dev%22+and+status+eq+%22ACTIVE%22")
        .await;
    let plus = expect_json(resp, StatusCode::OK).await;
    assert_eq!(
        ids(plus.as_array().expect("a")),
        by(&|d| d["profile"]["displayName"]
            .as_str()
            .expect("n")
            .starts_with("Eng-dev")
            && d["status"] == "ACTIVE")
    );

    // Search combines with pagination; the next link keeps the search.
    let expr = "status eq \"ACTIVE\"";
    let resp = org
        .get(&format!("/api/v1/devices?search={}&limit=3", enc(expr)))
        .await;
    let links = link_headers(&resp);
    let next = links
        .iter()
        .find(|(_, rel)| rel == "next")
        .expect("next")
        .0
        .clone();
    assert!(next.contains("search=status+eq+%22ACTIVE%22"), "{next}");
    let second = org.get_ok(next.trim_start_matches(&org.base)).await;
    assert_eq!(
        ids(second.as_array().expect("a")),
        by(&|d| d["status"] == "ACTIVE")[3..6].to_vec()
    );

    // Malformed filters → 400 E0000031; hostile nesting and chains too (the simulator's stack
    // survives 3,000 nested parentheses).
    let deep = format!(
        "{}status eq \"ACTIVE\"{}",
        "(".repeat(3000),
        ")".repeat(3000)
    );
    let chain = vec!["status pr"; 2000].join(" and ");
    for bad in [
        "status eq",
        "status like \"A\"",
        "status eq \"A",
        "(status eq \"A\"",
        "status eq ACTIVE",
        "&&",
        deep.as_str(),
        chain.as_str(),
    ] {
        let err = expect_error(
            org.get(&format!("/api/v1/devices?search={}", enc(bad)))
                .await,
            StatusCode::BAD_REQUEST,
            "E0000031",
        )
        .await;
        assert_eq!(err["errorSummary"], "Invalid search criteria.");
        assert_eq!(
            err["errorCauses"].as_array().map(Vec::len),
            Some(1),
            "{}",
            &bad[..bad.len().min(80)]
        );
    }
    org.sim.shutdown().await;
}

/// The ids of the devices `GET /api/v1/users/{user}/devices` answers.
async fn devices_of_user(org: &Org, user: &str) -> Vec<String> {
    let answer = org.get_ok(&format!("/api/v1/users/{user}/devices")).await;
    answer
        .as_array()
        .expect("a")
        .iter()
        .map(|d| d["device"]["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn a_users_devices_are_its_links_and_deactivation_removes_them() {
    let org = Org::start().await;
    let list = org.get_ok("/api/v1/devices?expand=user").await;
    let list = list.as_array().expect("a");
    let linked_to = |user: &str| -> Vec<String> {
        list.iter()
            .filter(|d| {
                d["_embedded"]["users"]
                    .as_array()
                    .is_some_and(|us| us.iter().any(|u| u["user"]["id"] == user))
            })
            .map(|d| d["id"].as_str().expect("id").to_string())
            .collect()
    };
    let user = list
        .iter()
        .flat_map(|d| {
            d["_embedded"]["users"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|u| u["user"]["id"].as_str().expect("id").to_string())
        .find(|u| linked_to(u).len() >= 2)
        .expect("a user with two devices");
    let before = linked_to(&user);
    assert_eq!(devices_of_user(&org, &user).await, before);
    move_to(&org, &before[0], "DEACTIVATED").await;
    assert_eq!(devices_of_user(&org, &user).await, before[1..]);
    assert!(devices_of_user(&org, "00uNOSUCHUSER").await.is_empty());
    org.sim.shutdown().await;
}

#[tokio::test]
async fn expand_user_embeds_device_users_and_deactivation_removes_them() {
    let org = Org::start().await;
    let list = org.get_ok("/api/v1/devices?expand=user").await;
    for d in list.as_array().expect("a") {
        let users = d["_embedded"]["users"].as_array().expect("users");
        if d["status"] == "DEACTIVATED" {
            assert!(users.is_empty(), "deactivated devices have no user links");
            continue;
        }
        assert!(!users.is_empty(), "{}", d["id"]);
        for u in users {
            assert!(
                ["MANAGED", "NOT_MANAGED"].contains(&u["managementStatus"].as_str().expect("m"))
            );
            assert_timestamp(&u["created"]);
            let user = &u["user"];
            assert_okta_id(&user["id"], "00u");
            assert_eq!(user["status"], "ACTIVE");
            for ts in [
                "created",
                "activated",
                "statusChanged",
                "lastLogin",
                "lastUpdated",
                "passwordChanged",
            ] {
                assert_timestamp(&user[ts]);
            }
            assert!(
                user["profile"]["login"]
                    .as_str()
                    .expect("login")
                    .contains('@')
            );
            assert_eq!(user["profile"]["login"], user["profile"]["email"]);
            assert_eq!(user["credentials"]["provider"]["type"], "OKTA");
            assert!(
                user["_links"]["self"]["href"]
                    .as_str()
                    .expect("href")
                    .ends_with(user["id"].as_str().expect("id"))
            );
            assert_eq!(user["_links"]["suspend"]["method"], "POST");
        }
    }
    // The users endpoint returns the same entries.
    let active = list
        .as_array()
        .expect("a")
        .iter()
        .find(|d| d["status"] == "ACTIVE")
        .expect("active")
        .clone();
    let id = active["id"].as_str().expect("id");
    let users = org.get_ok(&format!("/api/v1/devices/{id}/users")).await;
    assert_eq!(users, active["_embedded"]["users"]);
    // userSummary is a lighter embed.
    let summary = org
        .get_ok("/api/v1/devices?expand=userSummary&limit=1")
        .await;
    assert!(
        summary[0]["_embedded"]["users"][0]["user"]
            .get("credentials")
            .is_none()
            || summary[0]["status"] == "DEACTIVATED"
    );
    // Deactivation drops every device-user link (doc 002).
    expect_no_content(
        org.post_empty(&format!("/api/v1/devices/{id}/lifecycle/deactivate"))
            .await,
    )
    .await;
    assert_eq!(
        org.get_ok(&format!("/api/v1/devices/{id}/users")).await,
        serde_json::json!([])
    );
    org.sim.shutdown().await;
}
