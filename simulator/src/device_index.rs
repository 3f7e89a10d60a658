//! Equality indexes over device attributes: a search that requires `attribute eq "value"` on an
//! indexed attribute reads only the devices with that value, so its cost does not grow with the
//! org. Other searches read the devices in listing order and stop once the page is full.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::scim::Filter;

/// The indexed attributes, as paths into a device body: the lifecycle status, the platform and
/// the attributes that name one device.
pub const INDEXED: [&[&str]; 7] = [
    &["id"],
    &["status"],
    &["profile", "platform"],
    &["profile", "displayName"],
    &["profile", "serialNumber"],
    &["profile", "udid"],
    &["profile", "sid"],
];

/// The sequence numbers of the devices with one value. Most values of the naming attributes
/// belong to one device, which takes no allocation of its own.
#[derive(Debug, Clone, PartialEq)]
enum Seqs {
    One(u64),
    Many(BTreeSet<u64>),
}

impl Seqs {
    fn insert(&mut self, seq: u64) {
        match self {
            Self::One(only) if *only == seq => {}
            Self::One(only) => *self = Self::Many(BTreeSet::from([*only, seq])),
            Self::Many(set) => {
                set.insert(seq);
            }
        }
    }

    /// Removes `seq`; `false` when none is left.
    fn remove(&mut self, seq: u64) -> bool {
        match self {
            Self::One(only) => *only != seq,
            Self::Many(set) => {
                set.remove(&seq);
                if let (1, Some(&last)) = (set.len(), set.first()) {
                    *self = Self::One(last);
                }
                !matches!(self, Self::Many(set) if set.is_empty())
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(set) => set.len(),
        }
    }

    /// The sequence numbers from `start` on, in order.
    fn from(&self, start: u64) -> Box<dyn Iterator<Item = u64> + '_> {
        match self {
            Self::One(only) => Box::new((*only >= start).then_some(*only).into_iter()),
            Self::Many(set) => Box::new(set.range(start..).copied()),
        }
    }
}

/// One map per [`INDEXED`] attribute, from the lowercased value (SCIM `eq` ignores case) to
/// the devices that have it.
#[derive(Debug, Default)]
pub struct DeviceIndex {
    by: [HashMap<String, Seqs>; INDEXED.len()],
}

/// Where a search can find its devices.
pub enum Candidates<'a> {
    /// Every device, in listing order.
    All,
    /// Only these sequence numbers (from the page's start, in order).
    Only(Box<dyn Iterator<Item = u64> + 'a>),
}

impl DeviceIndex {
    /// Adds device `seq` under each indexed value of `body`.
    pub fn insert(&mut self, seq: u64, body: &Map<String, Value>) {
        for (map, path) in self.by.iter_mut().zip(INDEXED) {
            if let Some(key) = key(body, path) {
                map.entry(key)
                    .and_modify(|seqs| seqs.insert(seq))
                    .or_insert(Seqs::One(seq));
            }
        }
    }

    /// Takes device `seq` out from under each indexed value of `body` (the body it was
    /// indexed with).
    pub fn remove(&mut self, seq: u64, body: &Map<String, Value>) {
        for (map, path) in self.by.iter_mut().zip(INDEXED) {
            if let Some(key) = key(body, path)
                && let Some(seqs) = map.get_mut(&key)
                && !seqs.remove(seq)
            {
                map.remove(&key);
            }
        }
    }

    /// The devices `filter` can match from sequence number `start`: those of the smallest
    /// index entry among the equalities the filter requires, or all devices when it requires
    /// none on an indexed attribute.
    pub fn candidates(&self, filter: &Filter, start: u64) -> Candidates<'_> {
        let mut best: Option<Option<&Seqs>> = None;
        for (map, path) in self.by.iter().zip(INDEXED) {
            let Some(value) = filter.required_equal(path) else {
                continue;
            };
            let found = map.get(&value);
            let smaller = match (&best, found) {
                (None, _) | (Some(Some(_)), None) => true,
                (Some(Some(old)), Some(new)) => new.len() < old.len(),
                (Some(None), _) => false,
            };
            if smaller {
                best = Some(found);
            }
        }
        match best {
            None => Candidates::All,
            Some(None) => Candidates::Only(Box::new(std::iter::empty())),
            Some(Some(seqs)) => Candidates::Only(seqs.from(start)),
        }
    }
}

/// The lowercased string at `path` in `body`, if it is a string.
fn key(body: &Map<String, Value>, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    let mut value = body.get(*first)?;
    for name in rest {
        value = value.get(name)?;
    }
    value.as_str().map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(status: &str, serial: &str) -> Map<String, Value> {
        match json!({"status": status, "profile": {"platform": "MACOS", "serialNumber": serial, "sid": null}})
        {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn only(index: &DeviceIndex, search: &str, start: u64) -> Option<Vec<u64>> {
        let filter = crate::scim::parse(search).expect("parses");
        match index.candidates(&filter, start) {
            Candidates::All => None,
            Candidates::Only(seqs) => Some(seqs.collect()),
        }
    }

    #[test]
    fn a_search_reads_the_smallest_entry_it_requires() {
        let mut index = DeviceIndex::default();
        index.insert(0, &body("ACTIVE", "C02A"));
        index.insert(1, &body("ACTIVE", "C02B"));
        index.insert(2, &body("SUSPENDED", "C02C"));
        assert_eq!(only(&index, "status eq \"active\"", 0), Some(vec![0, 1]));
        assert_eq!(only(&index, "status eq \"ACTIVE\"", 1), Some(vec![1]));
        assert_eq!(
            only(
                &index,
                "status eq \"ACTIVE\" and profile.serialNumber eq \"c02b\"",
                0
            ),
            Some(vec![1])
        );
        assert_eq!(
            only(
                &index,
                "profile.platform eq \"MACOS\" and status eq \"SUSPENDED\"",
                0
            ),
            Some(vec![2])
        );
        assert_eq!(
            only(&index, "profile.serialNumber eq \"nope\"", 0),
            Some(vec![])
        );
        assert_eq!(only(&index, "profile.serialNumber sw \"C02\"", 0), None);
        assert_eq!(
            only(&index, "status eq \"ACTIVE\" or status eq \"SUSPENDED\"", 0),
            None
        );
    }

    #[test]
    fn removed_and_changed_devices_leave_their_old_entries() {
        let mut index = DeviceIndex::default();
        let (a, b) = (body("ACTIVE", "S1"), body("ACTIVE", "S2"));
        index.insert(0, &a);
        index.insert(1, &b);
        index.remove(0, &a);
        let suspended = body("SUSPENDED", "S2");
        index.remove(1, &b);
        index.insert(1, &suspended);
        assert_eq!(only(&index, "status eq \"ACTIVE\"", 0), Some(vec![]));
        assert_eq!(only(&index, "status eq \"SUSPENDED\"", 0), Some(vec![1]));
        assert_eq!(
            only(&index, "profile.serialNumber eq \"S1\"", 0),
            Some(vec![])
        );
        assert!(index.by.iter().all(|map| map.values().all(|s| s.len() > 0)));
        assert_eq!(index.by[1].len(), 1, "no empty ACTIVE entry is kept");
    }
}
