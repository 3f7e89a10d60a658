//! JSON helpers shared across the suite: the one walk over two values that the extractor's and
//! the replay's diffs share, and the strings listed under a key.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// In which order the keys of two objects are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyOrder {
    /// Every key of either object, sorted.
    Sorted,
    /// The first object's keys in its order, then the second's own keys in its order.
    FirstThenSecond,
}

impl KeyOrder {
    fn keys<'v>(self, x: &'v Map<String, Value>, y: &'v Map<String, Value>) -> Vec<&'v String> {
        match self {
            KeyOrder::Sorted => x
                .keys()
                .chain(y.keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            KeyOrder::FirstThenSecond => x
                .keys()
                .chain(y.keys().filter(|k| !x.contains_key(*k)))
                .collect(),
        }
    }
}

/// How the two values differ at one place.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mismatch<'v> {
    /// Both have a value there, and they differ (first, second).
    Differs(&'v Value, &'v Value),
    /// Only the first value has this key.
    Missing(&'v Value),
    /// Only the second value has this key.
    Unexpected(&'v Value),
}

/// Calls `report(pointer, mismatch)` for each place (at most `limit`) where `a` and `b` differ,
/// and collects what it returns. Objects are compared key by key in `order`, arrays of equal
/// length item by item; anything else that differs is one place.
pub(crate) fn diff_places<T>(
    a: &Value,
    b: &Value,
    limit: usize,
    order: KeyOrder,
    report: &impl Fn(String, Mismatch<'_>) -> T,
) -> Vec<T> {
    let mut out = Vec::new();
    let walk = Walk {
        limit,
        order,
        report,
    };
    walk.visit(a, b, String::new(), &mut out);
    out
}

struct Walk<'r, F> {
    limit: usize,
    order: KeyOrder,
    report: &'r F,
}

impl<F> Walk<'_, F> {
    fn visit<T>(&self, a: &Value, b: &Value, ptr: String, out: &mut Vec<T>)
    where
        F: Fn(String, Mismatch<'_>) -> T,
    {
        if out.len() >= self.limit || a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in self.order.keys(x, y) {
                    let p = format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1"));
                    match (x.get(k), y.get(k)) {
                        (Some(u), Some(v)) => self.visit(u, v, p, out),
                        (Some(u), None) => out.push((self.report)(p, Mismatch::Missing(u))),
                        (None, Some(v)) => out.push((self.report)(p, Mismatch::Unexpected(v))),
                        (None, None) => {}
                    }
                    if out.len() >= self.limit {
                        return;
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    self.visit(u, v, format!("{ptr}/{i}"), out);
                }
            }
            _ => {
                let at = if ptr.is_empty() { "/".into() } else { ptr };
                out.push((self.report)(at, Mismatch::Differs(a, b)));
            }
        }
    }
}

/// The strings in the array under `key` of each of `nodes`, in order (nodes without such an
/// array, and items that are not strings, are passed over).
pub(crate) fn strings_under<'v>(
    nodes: impl IntoIterator<Item = &'v Value>,
    key: &str,
) -> impl Iterator<Item = String> {
    nodes
        .into_iter()
        .filter_map(move |n| n.get(key))
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
}
