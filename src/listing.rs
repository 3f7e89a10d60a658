//! Listings that span several calls: every policy of an org, whatever its type.

use std::collections::HashSet;

use futures::stream::{self, BoxStream, StreamExt as _};

use crate::types::{Policy, PolicyType};
use crate::{Client, Error};

impl Client {
    /// Every policy of the org, whatever its type: the policies of each type in
    /// [`PolicyType::KNOWN`] (Okta requires `type` on `listPolicies`), one type after another,
    /// following pages. A policy listed under two type names (the legacy `Okta:*` aliases) is
    /// yielded once, and a type the org refuses to list with a `400` (a type it does not have)
    /// is skipped. Policies of types this crate does not know cannot be listed: Okta offers no
    /// listing of all types.
    ///
    /// ```no_run
    /// # async fn demo(client: okta_mgmt::Client) -> Result<(), okta_mgmt::Error> {
    /// use futures::TryStreamExt as _;
    /// let all: Vec<okta_mgmt::types::Policy> = client.all_policies().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn all_policies(&self) -> BoxStream<'_, Result<Policy, Error>> {
        let mut seen: HashSet<String> = HashSet::new();
        stream::iter(PolicyType::KNOWN.iter().copied())
            .flat_map(move |type_name| {
                self.list_policies()
                    .type_(PolicyType::from(type_name))
                    .items()
                    .filter_map(|item| async move {
                        match item {
                            Err(e) if e.status().map(|s| s.as_u16()) == Some(400) => None,
                            other => Some(other),
                        }
                    })
            })
            .filter(move |item| {
                let first = match item {
                    Ok(policy) => policy.id().is_none_or(|id| seen.insert(id.to_owned())),
                    Err(_) => true,
                };
                futures::future::ready(first)
            })
            .boxed()
    }
}
