//! Lazy page and item streams for list operations, following Okta's `Link: <…>; rel="next"`.
//!
//! ```no_run
//! # async fn demo(client: okta_mgmt::Client) -> Result<(), okta_mgmt::Error> {
//! use futures::TryStreamExt as _;
//!
//! let mut devices = client.list_devices().limit(20).items();
//! while let Some(device) = devices.try_next().await? {
//!     println!("{device:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! Behaviour:
//! - Nothing is sent until the stream is polled. Page 1 is the operation's own `call` (same
//!   hook, retries and typed errors); later pages fetch the `next` URL verbatim (the
//!   cursor is opaque) through the same client, credentials and retry policy. The stream
//!   holds its own handle to the client.
//! - An empty page that still has a `next` link does not end the stream.
//! - The stream ends after a page without a `next` link.
//! - A `next` link to a URL (or `after` cursor) already followed ends the stream with
//!   [`Error::PaginationLoop`], after yielding the page that carried it: repeating it would
//!   loop forever, and stopping silently could hide a server bug.
//! - A `next` link whose origin (scheme, host, port) differs from the org URL's is not
//!   followed ([`Error::ForeignOrigin`]), so credentials never leave the org.
//! - A `Link` header that cannot be read (no valid `next`, but malformed entries) ends the
//!   stream with [`Error::InvalidLinkHeader`] rather than silently truncating the listing.
//! - After an error the stream ends.

use std::collections::HashSet;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::Client;
use crate::call::Response;
use crate::error::{self, Error};
use crate::link::{Links, NextLink};
use crate::retry::RateLimit;

/// One page of a list operation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's items (possibly empty).
    pub items: Vec<T>,
    /// The `rel="next"` link, if any.
    pub next: Option<NextLink>,
    /// HTTP status of the page.
    pub status: StatusCode,
    /// The `X-Okta-Request-Id` of the page.
    pub request_id: Option<String>,
    /// The page's `X-Rate-Limit-*` headers.
    pub rate_limit: Option<RateLimit>,
}

impl<T> Page<T> {
    /// Whether a `next` link is present.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

/// The first page request: the operation's own `call_with_meta`.
#[doc(hidden)]
pub type FirstPage<'a, T> = BoxFuture<'a, Result<Response<Vec<T>>, Error>>;

#[doc(hidden)]
pub mod sealed {
    /// Only the generated list builders paginate.
    pub trait Sealed {}
}

/// Pagination for the builders of list operations (`list_policies`, `list_policy_rules`,
/// `list_policy_mappings`, `list_devices`, …; build.rs implements it for every operation with
/// an `after` cursor). The builders also have `pages()` and `items()` as inherent methods, so
/// importing the trait is only needed for generic code.
pub trait Paginate<'a>: sealed::Sealed + Sized {
    /// The listed item type.
    type Item: DeserializeOwned + Send + 'static;

    /// A lazy stream of pages (see the module docs for the stopping rules).
    fn pages(self) -> BoxStream<'a, Result<Page<Self::Item>, Error>>;

    /// A lazy stream of items across all pages.
    fn items(self) -> BoxStream<'a, Result<Self::Item, Error>> {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

enum State<'a, T> {
    First(FirstPage<'a, T>, Client, &'static str),
    Next(Box<Cursor>),
    Fail(Error),
    Done,
}

struct Cursor {
    client: Client,
    operation: &'static str,
    url: Url,
    seen_urls: HashSet<String>,
    seen_cursors: HashSet<String>,
    empty_pages: u32,
}

/// The page stream of a list operation: `first` is the operation's call, `client` the client
/// it was made with (later pages are fetched through it).
#[doc(hidden)]
pub fn page_stream<'a, T>(
    client: Client,
    first: FirstPage<'a, T>,
    operation: &'static str,
) -> BoxStream<'a, Result<Page<T>, Error>>
where
    T: DeserializeOwned + Send + 'static,
{
    stream::try_unfold(State::First(first, client, operation), |state| async move {
        match state {
            State::First(first, client, operation) => {
                let response = first.await?;
                let base = Url::parse(&client.baseurl).map_err(|e| Error::InvalidRequest {
                    message: format!("the client's base URL is invalid: {e}"),
                })?;
                let cursor = Cursor {
                    client,
                    operation,
                    url: base.clone(),
                    seen_urls: HashSet::new(),
                    seen_cursors: HashSet::new(),
                    empty_pages: 0,
                };
                let status = response.status();
                let headers = response.headers().clone();
                let items = response.into_inner();
                Ok(Some(advance(cursor, &base, status, &headers, items)))
            }
            State::Next(cursor) => {
                let (status, headers, items) = fetch::<T>(&cursor).await?;
                let url = cursor.url.clone();
                Ok(Some(advance(*cursor, &url, status, &headers, items)))
            }
            State::Fail(error) => Err(error),
            State::Done => Ok(None),
        }
    })
    .boxed()
}

/// Builds the page and decides the next state from its `Link` header.
fn advance<'a, T>(
    mut cursor: Cursor,
    page_url: &Url,
    status: StatusCode,
    headers: &HeaderMap,
    items: Vec<T>,
) -> (Page<T>, State<'a, T>) {
    let request_id = error::request_id(headers);
    let links = Links::from_headers(headers);
    let (next, state) = match links.next(page_url) {
        None if links.malformed > 0 => (
            None,
            State::Fail(Error::InvalidLinkHeader {
                request_id: request_id.clone(),
            }),
        ),
        None => (None, State::Done),
        Some(Err(_)) => (
            None,
            State::Fail(Error::InvalidLinkHeader {
                request_id: request_id.clone(),
            }),
        ),
        Some(Ok(next)) => {
            cursor.empty_pages = if items.is_empty() {
                cursor.empty_pages + 1
            } else {
                0
            };
            let state = follow(&mut cursor, &next).map_or_else(State::Fail, |()| {
                cursor.url = next.url.clone();
                State::Next(Box::new(cursor))
            });
            (Some(next), state)
        }
    };
    let page = Page {
        items,
        next,
        status,
        request_id,
        rate_limit: RateLimit::from_headers(headers),
    };
    (page, state)
}

/// Checks that `next` may be followed and records it.
fn follow(cursor: &mut Cursor, next: &NextLink) -> Result<(), Error> {
    if cursor.empty_pages > cursor.client.inner.max_empty_pages {
        return Err(Error::PaginationStalled {
            pages: cursor.empty_pages,
            url: next.url.to_string(),
        });
    }
    let base = Url::parse(&cursor.client.baseurl).map_err(|e| Error::InvalidRequest {
        message: format!("the client's base URL is invalid: {e}"),
    })?;
    if next.url.origin() != base.origin() {
        return Err(Error::ForeignOrigin {
            origin: next.url.origin().ascii_serialization(),
        });
    }
    let repeated_url = !cursor.seen_urls.insert(next.url.as_str().to_owned());
    let repeated_cursor = next
        .after
        .as_ref()
        .is_some_and(|after| !cursor.seen_cursors.insert(after.clone()));
    if repeated_url || repeated_cursor {
        return Err(Error::PaginationLoop {
            url: next.url.to_string(),
        });
    }
    Ok(())
}

/// Fetches `cursor.url` and decodes a page.
async fn fetch<T: DeserializeOwned>(
    cursor: &Cursor,
) -> Result<(StatusCode, HeaderMap, Vec<T>), Error> {
    let request = cursor
        .client
        .client
        .get(cursor.url.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .build()
        .map_err(|e| Error::InvalidRequest {
            message: e.to_string(),
        })?;
    let exchange = cursor.client.dispatch(request, cursor.operation).await?;
    if let Some(error) = exchange.error() {
        return Err(error);
    }
    let (status, headers, body) = (exchange.status, exchange.headers, exchange.body);
    let items = serde_json::from_slice(&body)
        .map_err(|e| Error::decode(Some(status), Some(&headers), &body, e))?;
    Ok((status, headers, items))
}
