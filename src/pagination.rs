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
//! - `items()` decodes a page's items one at a time, as they are taken: a listing holds one
//!   page body and one decoded item at once, whatever the page size. An item that does not
//!   decode ends the stream with [`Error::Decode`] after the items before it.

use std::collections::HashSet;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::Client;
use crate::error::{self, Error};
use crate::link::{Links, NextLink};
use crate::retry::RateLimit;
use crate::send::Exchange;

mod array;

use array::ArrayItems;

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

/// The first page request: the operation's own request, its status checked.
pub(crate) type FirstPage<'a> = BoxFuture<'a, Result<Exchange, Error>>;

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

    /// A lazy stream of items across all pages, each decoded when it is taken.
    fn items(self) -> BoxStream<'a, Result<Self::Item, Error>>;
}

/// A page as received (read in full, not decoded) and its `next` link.
struct RawPage {
    exchange: Exchange,
    next: Option<NextLink>,
}

enum State<'a> {
    First(FirstPage<'a>, Client, &'static str),
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

/// The page stream of a list operation: `first` is the operation's request, `client` the
/// client it was made with (later pages are fetched through it). Each page is decoded whole.
pub(crate) fn page_stream<'a, T>(
    client: Client,
    first: FirstPage<'a>,
    operation: &'static str,
) -> BoxStream<'a, Result<Page<T>, Error>>
where
    T: DeserializeOwned + Send + 'static,
{
    ends_at_error(
        raw_pages(client, first, operation).and_then(|page| async move { decode_page(page) }),
    )
}

/// The item stream of a list operation (see [`page_stream`]): each item is decoded from its
/// page's body when it is taken.
pub(crate) fn item_stream<'a, T>(
    client: Client,
    first: FirstPage<'a>,
    operation: &'static str,
) -> BoxStream<'a, Result<T, Error>>
where
    T: DeserializeOwned + Send + 'static,
{
    let items = raw_pages(client, first, operation)
        .map_ok(|page| stream::iter(ArrayItems::<T>::new(page.exchange)))
        .try_flatten();
    ends_at_error(items)
}

/// `stream` up to and including its first error. `try_flatten` and `and_then` go on after an
/// item's error; a listing ends there, without asking for the next page.
fn ends_at_error<'a, T: Send + 'a>(
    stream: impl futures::Stream<Item = Result<T, Error>> + Send + 'a,
) -> BoxStream<'a, Result<T, Error>> {
    stream::unfold((stream.boxed(), false), |(mut stream, failed)| async move {
        if failed {
            return None;
        }
        let item = stream.next().await?;
        let failed = item.is_err();
        Some((item, (stream, failed)))
    })
    .boxed()
}

/// The pages of a listing as received, following `next` links.
fn raw_pages<'a>(
    client: Client,
    first: FirstPage<'a>,
    operation: &'static str,
) -> BoxStream<'a, Result<RawPage, Error>> {
    stream::try_unfold(State::First(first, client, operation), |state| async move {
        match state {
            State::First(first, client, operation) => {
                let exchange = first.await?;
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
                Ok(Some(advance(cursor, &base, exchange)))
            }
            State::Next(cursor) => {
                let exchange = fetch(&cursor).await?;
                let url = cursor.url.clone();
                Ok(Some(advance(*cursor, &url, exchange)))
            }
            State::Fail(error) => Err(error),
            State::Done => Ok(None),
        }
    })
    .boxed()
}

/// A page with its items decoded.
fn decode_page<T: DeserializeOwned>(page: RawPage) -> Result<Page<T>, Error> {
    let RawPage { exchange, next } = page;
    let Exchange {
        status,
        headers,
        body,
        ..
    } = exchange;
    let items = serde_json::from_slice(&body)
        .map_err(|e| Error::decode(Some(status), Some(&headers), &body, e))?;
    Ok(Page {
        items,
        next,
        status,
        request_id: error::request_id(&headers),
        rate_limit: RateLimit::from_headers(&headers),
    })
}

/// Decides the next state from the page's `Link` header.
fn advance<'a>(mut cursor: Cursor, page_url: &Url, exchange: Exchange) -> (RawPage, State<'a>) {
    let headers = &exchange.headers;
    let links = Links::from_headers(headers);
    let malformed = || {
        State::Fail(Error::InvalidLinkHeader {
            request_id: error::request_id(headers),
        })
    };
    let (next, state) = match links.next(page_url) {
        None if links.malformed > 0 => (None, malformed()),
        None => (None, State::Done),
        Some(Err(_)) => (None, malformed()),
        Some(Ok(next)) => {
            cursor.empty_pages = if array::is_empty_array(&exchange.body) {
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
    (RawPage { exchange, next }, state)
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

/// Fetches `cursor.url`; a non-success answer is an error.
async fn fetch(cursor: &Cursor) -> Result<Exchange, Error> {
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
    match exchange.error() {
        Some(error) => Err(error),
        None => Ok(exchange),
    }
}
