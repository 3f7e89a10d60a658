//! Pagination over `Link: <…>; rel="next"`: several pages, empty pages, loops, malformed
//! and foreign links, separate vs comma-joined header lines, retries and errors on later
//! pages.

mod common;

use common::{TOKEN, client, device, mock_json, mock_rate_limited_first, not_found_body};
use futures::{StreamExt as _, TryStreamExt as _};
use httpmock::Method::GET;
use httpmock::{Mock, MockServer, Then};
use okta_mgmt::prelude::*;
use okta_mgmt::types::Device;

const DEVICES: &str = "/api/v1/devices";

fn devices(ids: &[&str]) -> serde_json::Value {
    serde_json::Value::Array(ids.iter().map(|id| device(id)).collect())
}

fn next_link(server: &MockServer, after: &str) -> String {
    format!(
        "<{}?after={after}&limit=2>; rel=\"next\"",
        server.url(DEVICES)
    )
}

fn self_link(server: &MockServer) -> String {
    format!("<{}?limit=2>; rel=\"self\"", server.url(DEVICES))
}

/// A 200 page of the devices `ids` with the request id `request_id` and one `Link` line each of
/// `links`.
fn answer_page(then: Then, request_id: &str, ids: &[&str], links: &[String]) {
    let mut then = then
        .status(200)
        .header("content-type", "application/json")
        .header("x-okta-request-id", request_id);
    for link in links {
        then = then.header("link", link.as_str());
    }
    then.json_body(devices(ids));
}

/// Page 1 (no cursor) of `/api/v1/devices`.
async fn first_page<'a>(server: &'a MockServer, ids: &[&str], links: &[String]) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(DEVICES)
                .query_param("limit", "2")
                .query_param_missing("after");
            answer_page(then, "req-page-1", ids, links);
        })
        .await
}

/// Mounts a mock of `GET /api/v1/devices?after={after}` whose answer `answer` sets.
async fn later_page<'a>(
    server: &'a MockServer,
    after: &str,
    answer: impl FnOnce(Then),
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET).path(DEVICES).query_param("after", after);
            answer(then);
        })
        .await
}

/// The page at cursor `after`.
async fn page<'a>(server: &'a MockServer, after: &str, ids: &[&str], links: &[String]) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(DEVICES)
                .query_param("after", after)
                .query_param("limit", "2")
                .header("authorization", format!("SSWS {TOKEN}"))
                .header_missing("api-version");
            answer_page(then, &format!("req-{after}"), ids, links);
        })
        .await
}

/// Every page of `GET /api/v1/devices?limit=2` through a [`client`] of `server`, as it came.
async fn device_pages(server: &MockServer) -> Vec<Result<Page<Device>, Error>> {
    client(server)
        .list_devices()
        .limit(2)
        .pages()
        .collect()
        .await
}

/// Every page of `GET /api/v1/devices?limit=2` through a [`client`] of `server`, which must all
/// arrive.
async fn ok_device_pages(server: &MockServer) -> Vec<Page<Device>> {
    let client = client(server);
    let pages = client.list_devices().limit(2).pages();
    pages.try_collect().await.expect("every page arrives")
}

/// Every device of `GET /api/v1/devices?limit=2` through a [`client`] of `server`, which must all
/// arrive.
async fn ok_devices(server: &MockServer) -> Vec<Device> {
    let client = client(server);
    let items = client.list_devices().limit(2).items();
    items.try_collect().await.expect("every page arrives")
}

fn ids(devices: &[Device]) -> Vec<String> {
    devices
        .iter()
        .map(|d| d.id.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn follows_next_links_across_three_pages() {
    let server = MockServer::start_async().await;
    let p1 = first_page(
        &server,
        &["d1", "d2"],
        &[self_link(&server), next_link(&server, "c2")],
    )
    .await;
    let p2 = page(&server, "c2", &["d3", "d4"], &[next_link(&server, "c3")]).await;
    let p3 = page(&server, "c3", &["d5"], &[self_link(&server)]).await;
    let client = client(&server);

    let stream = client.list_devices().limit(2).items();
    // Lazy: nothing is sent before the stream is polled.
    p1.assert_calls_async(0).await;
    let all: Vec<_> = stream.try_collect().await.unwrap();

    assert_eq!(ids(&all), ["d1", "d2", "d3", "d4", "d5"]);
    for page in [p1, p2, p3] {
        page.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn pages_expose_next_link_and_request_id() {
    let server = MockServer::start_async().await;
    first_page(&server, &["d1", "d2"], &[next_link(&server, "c2")]).await;
    page(&server, "c2", &["d3"], &[]).await;

    let pages = ok_device_pages(&server).await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].request_id.as_deref(), Some("req-page-1"));
    assert_eq!(
        pages[0].next.as_ref().and_then(|n| n.after.as_deref()),
        Some("c2")
    );
    assert!(pages[0].has_next());
    assert_eq!(pages[1].request_id.as_deref(), Some("req-c2"));
    assert!(pages[1].next.is_none());
}

#[tokio::test]
async fn comma_joined_link_header_is_followed() {
    let server = MockServer::start_async().await;
    let joined = format!("{}, {}", self_link(&server), next_link(&server, "c2"));
    first_page(&server, &["d1", "d2"], &[joined]).await;
    let p2 = page(&server, "c2", &["d3"], &[self_link(&server)]).await;
    assert_eq!(ids(&ok_devices(&server).await), ["d1", "d2", "d3"]);
    p2.assert_calls_async(1).await;
}

#[tokio::test]
async fn empty_middle_page_with_next_does_not_stop() {
    let server = MockServer::start_async().await;
    first_page(&server, &["d1", "d2"], &[next_link(&server, "c2")]).await;
    let empty = page(&server, "c2", &[], &[next_link(&server, "c3")]).await;
    let last = page(&server, "c3", &["d3"], &[]).await;

    let pages = ok_device_pages(&server).await;
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [2, 0, 1]
    );
    empty.assert_calls_async(1).await;
    last.assert_calls_async(1).await;
}

#[tokio::test]
async fn repeated_cursor_ends_with_pagination_loop() {
    let server = MockServer::start_async().await;
    first_page(&server, &["d1", "d2"], &[next_link(&server, "c2")]).await;
    // Page c2 points at itself.
    let p2 = page(&server, "c2", &["d3", "d4"], &[next_link(&server, "c2")]).await;

    let results = device_pages(&server).await;
    assert_eq!(results.len(), 3, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap().items.len(), 2);
    assert_eq!(results[1].as_ref().unwrap().items.len(), 2);
    match &results[2] {
        Err(Error::PaginationLoop { url }) => assert!(url.contains("after=c2"), "{url}"),
        other => panic!("expected PaginationLoop, got {other:?}"),
    }
    p2.assert_calls_async(1).await;
}

#[tokio::test]
async fn malformed_link_header_is_an_error_not_a_silent_end() {
    let server = MockServer::start_async().await;
    let broken = format!("{}?after=c2>; rel=\"next\"", server.url(DEVICES)); // no '<'
    first_page(&server, &["d1", "d2"], &[broken]).await;
    let results = device_pages(&server).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    match &results[1] {
        Err(e @ Error::InvalidLinkHeader { .. }) => {
            assert_eq!(e.request_id(), Some("req-page-1"));
        }
        other => panic!("expected InvalidLinkHeader, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_self_link_next_to_valid_next_is_ignored() {
    let server = MockServer::start_async().await;
    first_page(
        &server,
        &["d1"],
        &["garbage; rel=self".to_owned(), next_link(&server, "c2")],
    )
    .await;
    page(&server, "c2", &["d2"], &[]).await;
    assert_eq!(ids(&ok_devices(&server).await), ["d1", "d2"]);
}

#[tokio::test]
async fn next_link_to_another_origin_is_refused() {
    let server = MockServer::start_async().await;
    let other = MockServer::start_async().await; // same host, different port = other origin
    let foreign = common::mock_any(&other, devices(&["stolen"])).await;
    let link = format!("<{}?after=c2&limit=2>; rel=\"next\"", other.url(DEVICES));
    first_page(&server, &["d1", "d2"], &[link]).await;

    let results = device_pages(&server).await;
    assert_eq!(results.len(), 2, "{results:?}");
    match &results[1] {
        Err(Error::ForeignOrigin { origin }) => assert_eq!(origin, &other.base_url()),
        other => panic!("expected ForeignOrigin, got {other:?}"),
    }
    foreign.assert_calls_async(0).await;
}

#[tokio::test]
async fn single_page_without_next_ends() {
    let server = MockServer::start_async().await;
    let p1 = first_page(&server, &["d1"], &[self_link(&server)]).await;
    assert_eq!(ok_device_pages(&server).await.len(), 1);
    p1.assert_calls_async(1).await;
}

#[tokio::test]
async fn later_pages_are_retried_and_errors_are_typed() {
    let server = MockServer::start_async().await;
    first_page(&server, &["d1", "d2"], &[next_link(&server, "c2")]).await;
    let limited = mock_rate_limited_first(&server, |when| {
        when.method(GET).path(DEVICES).query_param("after", "c2")
    })
    .await;
    page(&server, "c2", &["d3"], &[next_link(&server, "c3")]).await;
    let missing = later_page(&server, "c3", |then| {
        then.status(404)
            .header("x-okta-request-id", "req-404")
            .json_body(not_found_body());
    })
    .await;

    let results: Vec<_> = client(&server)
        .list_devices()
        .limit(2)
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(results[..3].iter().all(Result::is_ok));
    let error = results[3].as_ref().unwrap_err();
    assert_eq!(error.okta_error_code(), Some("E0000007"));
    assert_eq!(error.request_id(), Some("req-404"));
    limited.assert_calls_async(1).await;
    missing.assert_calls_async(1).await;
}

#[tokio::test]
async fn bad_json_on_a_later_page_is_a_decode_error_with_status() {
    let server = MockServer::start_async().await;
    first_page(&server, &["d1"], &[next_link(&server, "c2")]).await;
    later_page(&server, "c2", |then| {
        then.status(200)
            .header("x-okta-request-id", "req-bad")
            .body("[{\"id\": ");
    })
    .await;
    let results = device_pages(&server).await;
    assert_decode_error(&results[1], "req-bad");
}

/// `result` is a decode error of a 200 answer with the request id `request_id`.
fn assert_decode_error<T: std::fmt::Debug>(result: &Result<T, Error>, request_id: &str) {
    match result {
        Err(Error::Decode {
            status,
            request_id: id,
            ..
        }) => {
            assert_eq!(status.map(|s| s.as_u16()), Some(200));
            assert_eq!(id.as_deref(), Some(request_id));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn items_before_an_undecodable_item_arrive_then_the_stream_ends() {
    let server = MockServer::start_async().await;
    first_page(&server, &["d1", "d2"], &[next_link(&server, "c2")]).await;
    let bad = serde_json::json!([device("d3"), {"id": 4}, device("d5")]);
    later_page(&server, "c2", |then| {
        then.status(200)
            .header("x-okta-request-id", "req-bad-item")
            .header("link", next_link(&server, "c3").as_str())
            .json_body(bad);
    })
    .await;
    let never = page(&server, "c3", &["d6"], &[]).await;
    let results: Vec<_> = client(&server)
        .list_devices()
        .limit(2)
        .items()
        .collect()
        .await;
    let arrived: Vec<Device> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    assert_eq!(ids(&arrived), ["d1", "d2", "d3"]);
    assert_eq!(
        results.len(),
        4,
        "three items, then one error, then nothing"
    );
    assert_decode_error(&results[3], "req-bad-item");
    never.assert_calls_async(0).await;
    // The page stream refuses the whole page.
    let pages = device_pages(&server).await;
    assert!(matches!(
        pages.as_slice(),
        [Ok(_), Err(Error::Decode { .. })]
    ));
}

#[tokio::test]
async fn first_page_error_is_typed() {
    let summary = "You do not have permission to perform the requested action";
    let server = MockServer::start_async().await;
    let body = common::okta_error("E0000006", summary);
    mock_json(&server, GET, "/api/v1/policies", 403, body).await;
    let results: Vec<_> = client(&server)
        .list_policies()
        .type_("PASSWORD")
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].as_ref().unwrap_err().okta_error_code(),
        Some("E0000006")
    );
}

#[tokio::test]
async fn policies_paginate_too() {
    let server = MockServer::start_async().await;
    let next = format!(
        "<{}?after=p2&type=PASSWORD>; rel=\"next\"",
        server.url("/api/v1/policies")
    );
    let first = serde_json::json!([
        {"id": "p1", "type": "PASSWORD", "name": "Default", "status": "ACTIVE"}
    ]);
    common::mock_first_page(&server, "/api/v1/policies", &next, first).await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/policies")
                .query_param("after", "p2");
            then.status(200).json_body(serde_json::json!([
                {"id": "p2", "type": "SOMETHING_NEW", "name": "Future"}
            ]));
        })
        .await;
    let all: Vec<_> = client(&server)
        .list_policies()
        .type_("PASSWORD")
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all
        .iter()
        .map(|p| p.id().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids, ["p1", "p2"]);
}

/// A server that answers empty pages forever, each with a new cursor, stops the item stream
/// after the configured number of empty pages (before: it was followed without end).
#[tokio::test]
async fn endless_empty_pages_stop_with_pagination_stalled() {
    let server = MockServer::start_async().await;
    first_page(&server, &[], &[next_link(&server, "e1")]).await;
    let mut mocks = Vec::new();
    for i in 1..=10 {
        let next = next_link(&server, &format!("e{}", i + 1));
        mocks.push(page(&server, &format!("e{i}"), &[], &[next]).await);
    }
    let client = Client::builder()
        .org_url(server.base_url())
        .api_token(TOKEN)
        .max_empty_pages(3)
        .build()
        .expect("client builds");

    let items: Vec<_> = client.list_devices().limit(2).items().collect().await;
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0] {
        Err(Error::PaginationStalled { pages, url }) => {
            assert_eq!(*pages, 4);
            assert!(url.contains("after=e4"), "{url}");
        }
        other => panic!("expected PaginationStalled, got {other:?}"),
    }
    // The first page and three empty pages were fetched; e4 was not followed.
    mocks[2].assert_calls_async(1).await;
    mocks[3].assert_calls_async(0).await;
}
