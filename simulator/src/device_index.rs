//! Indexes over device attributes, for the searches Okta documents for devices and their
//! suffix and substring counterparts: `eq`, `sw`, `ew` and `co` on the device's id, status and
//! every profile property the spec declares, and time ranges on `lastUpdated`. A search that
//! requires one of those comparisons (alone or under `and`) reads only the devices that satisfy
//! it, as long as they are few. `co` reads the values that contain its text when an attribute has
//! few distinct values, and otherwise the devices that have every three-character piece of it
//! (for the naming attributes in [`PIECED`]). A search that requires none (`ne`, a number, a
//! property the spec does not declare, `co` on another attribute), or whose smallest
//! requirement holds for many devices, reads the devices in listing order and stops once the
//! page is full: those devices are then common enough that the page fills early.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::scim::{Filter, Literal, Op, parse_instant};

/// The indexed attributes, as paths into a device body: the id, the lifecycle status and the
/// profile properties the spec declares. A text value is indexed lowercased (SCIM comparisons
/// ignore case), a boolean as `true` or `false`.
pub const INDEXED: [&[&str]; 18] = [
    &["id"],
    &["status"],
    &["profile", "platform"],
    &["profile", "displayName"],
    &["profile", "serialNumber"],
    &["profile", "udid"],
    &["profile", "sid"],
    &["profile", "imei"],
    &["profile", "meid"],
    &["profile", "manufacturer"],
    &["profile", "model"],
    &["profile", "osVersion"],
    &["profile", "tpmPublicKeyHash"],
    &["profile", "diskEncryptionType"],
    &["profile", "registered"],
    &["profile", "secureHardwarePresent"],
    &["profile", "integrityJailbreak"],
    &["profile", "managed"],
];

/// The attributes whose text values are also indexed by their three-character pieces, for
/// `co` on attributes with many distinct values: the names people search by parts of. The
/// long opaque identifiers (`id`, `udid`, `sid`, `tpmPublicKeyHash`) are left out, as their
/// pieces would take most of the index's memory.
pub const PIECED: [&[&str]; 4] = [
    &["profile", "displayName"],
    &["profile", "serialNumber"],
    &["profile", "imei"],
    &["profile", "meid"],
];

/// The indexed time attribute.
const LAST_UPDATED: &str = "lastUpdated";

/// A time-range search's bounds on `lastUpdated`: (lower, upper).
type TimeRange = (Bound<DateTime<Utc>>, Bound<DateTime<Utc>>);

/// The most devices one page of a device search returns.
const PAGE: usize = 200;

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

/// The sequence numbers of the devices whose value has one piece (see [`PIECED`]), in order.
/// Quicker to build than [`Seqs`], as devices are added in order (so at the end), and smaller; a
/// removal shifts the later numbers, and only a device's deletion removes one.
#[derive(Debug, Default, Clone, PartialEq)]
struct Sorted(Vec<u64>);

impl Sorted {
    fn insert(&mut self, seq: u64) {
        match self.0.last() {
            Some(&last) if last >= seq => {
                if let Err(at) = self.0.binary_search(&seq) {
                    self.0.insert(at, seq);
                }
            }
            _ => self.0.push(seq),
        }
    }

    /// Removes `seq`; `false` when none is left.
    fn remove(&mut self, seq: u64) -> bool {
        if let Ok(at) = self.0.binary_search(&seq) {
            self.0.remove(at);
        }
        !self.0.is_empty()
    }

    fn contains(&self, seq: u64) -> bool {
        self.0.binary_search(&seq).is_ok()
    }

    /// The sequence numbers from `start` on, in order.
    fn from(&self, start: u64) -> impl Iterator<Item = u64> + '_ {
        let at = self.0.partition_point(|&seq| seq < start);
        self.0[at..].iter().copied()
    }
}

/// One map per [`INDEXED`] attribute, from the lowercased value to the devices that have it; one
/// per attribute from the lowercased text values written backwards (for `ew`); one per attribute
/// from the three-character pieces of its values (for `co`; empty but for [`PIECED`]); and one
/// from `lastUpdated` (as an instant) to the devices updated then.
#[derive(Debug, Default)]
pub struct DeviceIndex {
    by: [BTreeMap<String, Seqs>; INDEXED.len()],
    by_reversed: [BTreeMap<String, Seqs>; INDEXED.len()],
    by_piece: [HashMap<u64, Sorted>; INDEXED.len()],
    by_last_updated: BTreeMap<DateTime<Utc>, Seqs>,
    /// Devices whose `lastUpdated` is text that is not a timestamp: a range compares it as text,
    /// which the time index cannot answer, so no range search uses the index while there are any.
    untimed: usize,
    /// The devices indexed.
    len: usize,
}

/// Where a search can find its devices.
pub enum Candidates<'a> {
    /// Every device, in listing order.
    All,
    /// Only these sequence numbers (from the page's start, in order).
    Only(Box<dyn Iterator<Item = u64> + 'a>),
}

/// The devices that satisfy one requirement of a search, from the page's start.
enum Found<'a> {
    /// An index entry (`None`: no device has the value).
    Entry(Option<&'a Seqs>),
    /// Collected from several entries, in order.
    Listed(Vec<u64>),
}

impl Found<'_> {
    fn len(&self) -> usize {
        match self {
            Self::Entry(entry) => entry.map_or(0, Seqs::len),
            Self::Listed(seqs) => seqs.len(),
        }
    }
}

impl DeviceIndex {
    /// Adds device `seq` under each indexed value of `body`.
    pub fn insert(&mut self, seq: u64, body: &Map<String, Value>) {
        self.apply(seq, None, Some(&Entries::of(body)));
        self.len += 1;
    }

    /// Takes device `seq` out from under each indexed value of `body` (the body it was
    /// indexed with).
    pub fn remove(&mut self, seq: u64, body: &Map<String, Value>) {
        self.apply(seq, Some(&Entries::of(body)), None);
        self.len = self.len.saturating_sub(1);
    }

    /// Moves device `seq` from the values it was indexed with (`before`, taken with
    /// [`Entries::of`] before the change) to those of `body`; only the changed ones are touched.
    pub fn update(&mut self, seq: u64, before: &Entries, body: &Map<String, Value>) {
        self.apply(seq, Some(before), Some(&Entries::of(body)));
    }

    /// Takes `seq` out from under the values of `old` that `new` does not have, and adds it
    /// under those of `new` that `old` does not have.
    fn apply(&mut self, seq: u64, old: Option<&Entries>, new: Option<&Entries>) {
        for (i, path) in INDEXED.iter().enumerate() {
            let was = old.and_then(|e| e.keys[i].as_ref());
            let is = new.and_then(|e| e.keys[i].as_ref());
            if was == is {
                continue;
            }
            if let Some(key) = was {
                self.unindex(i, path, key, seq);
            }
            if let Some(key) = is {
                self.index(i, path, key, seq);
            }
        }
        let was = old.and_then(|e| e.updated.as_ref());
        let is = new.and_then(|e| e.updated.as_ref());
        if was == is {
            return;
        }
        match was {
            Some(Ok(at)) => take(&mut self.by_last_updated, at, seq),
            Some(Err(())) => self.untimed = self.untimed.saturating_sub(1),
            None => {}
        }
        match is {
            Some(Ok(at)) => add(&mut self.by_last_updated, *at, seq),
            Some(Err(())) => self.untimed += 1,
            None => {}
        }
    }

    /// Adds `seq` under `key` of attribute `i` (at `path`).
    fn index(&mut self, i: usize, path: &[&str], key: &Key, seq: u64) {
        if key.text {
            add(&mut self.by_reversed[i], backwards(&key.value), seq);
            if PIECED.contains(&path) {
                for piece in pieces(&key.value) {
                    self.by_piece[i].entry(piece).or_default().insert(seq);
                }
            }
        }
        add(&mut self.by[i], key.value.clone(), seq);
    }

    /// Takes `seq` out from under `key` of attribute `i` (at `path`).
    fn unindex(&mut self, i: usize, path: &[&str], key: &Key, seq: u64) {
        if key.text {
            take(&mut self.by_reversed[i], &backwards(&key.value), seq);
            if PIECED.contains(&path) {
                for piece in pieces(&key.value) {
                    let map = &mut self.by_piece[i];
                    if let Some(seqs) = map.get_mut(&piece)
                        && !seqs.remove(seq)
                    {
                        map.remove(&piece);
                    }
                }
            }
        }
        take(&mut self.by[i], &key.value, seq);
    }

    /// The devices `filter` can match from sequence number `start`: those of its smallest
    /// indexed requirement, or all devices when it has none. An equality reads its entry
    /// however large; a prefix or a time range counts only when it holds for at most
    /// [`Self::few`] devices from `start` on.
    pub fn candidates(&self, filter: &Filter, start: u64) -> Candidates<'_> {
        let mut best: Option<Found<'_>> = None;
        // A collection is kept to the devices a page may read; an entry is read lazily.
        let size = |best: &Option<Found<'_>>| best.as_ref().map_or(usize::MAX, Found::len);
        for (i, path) in INDEXED.iter().enumerate() {
            let maps = Maps {
                by: &self.by[i],
                reversed: &self.by_reversed[i],
                pieces: &self.by_piece[i],
                few: self.few(),
            };
            for (op, literal) in filter.required_comparisons(path) {
                let most = size(&best).min(self.few());
                if let Some(found) = maps.requirement(op, literal, start, most)
                    && found.len() < size(&best)
                {
                    best = Some(found);
                }
            }
        }
        if self.untimed == 0
            && let Some(range) = time_range(&filter.required_comparisons(&[LAST_UPDATED]))
        {
            let most = size(&best).min(self.few());
            if let Some(seqs) = collect(range_entries(&self.by_last_updated, range), start, most) {
                best = Some(Found::Listed(seqs));
            }
        }
        match best {
            None => Candidates::All,
            Some(Found::Entry(None)) => Candidates::Only(Box::new(std::iter::empty())),
            Some(Found::Entry(Some(seqs))) => Candidates::Only(seqs.from(start)),
            Some(Found::Listed(seqs)) => Candidates::Only(Box::new(seqs.into_iter())),
        }
    }

    /// How many devices a collected requirement may hold before the search reads the org in
    /// order instead: √(200·N) for N devices. Past it, one in fewer than √(N/200) devices
    /// matches, so a page of 200 fills within about √(200·N) devices read (when matches are
    /// spread over the org); either way a page reads about √(200·N) devices at most.
    fn few(&self) -> usize {
        PAGE.saturating_mul(self.len).isqrt()
    }
}

/// One attribute's maps (see [`DeviceIndex`]), and how many distinct values `co` may read.
struct Maps<'a> {
    by: &'a BTreeMap<String, Seqs>,
    reversed: &'a BTreeMap<String, Seqs>,
    pieces: &'a HashMap<u64, Sorted>,
    few: usize,
}

impl<'a> Maps<'a> {
    /// The devices that satisfy `op literal` on the attribute, when its maps can answer it:
    /// `eq` a text (not a timestamp, which `eq` compares as an instant) or a boolean is one
    /// entry; `sw`, `ew` and `co` a text collect the matching entries, if they hold at most
    /// `most` devices.
    fn requirement(&self, op: Op, literal: &Literal, start: u64, most: usize) -> Option<Found<'a>> {
        let text = match literal {
            Literal::Str(text) => text,
            Literal::Bool(value) if op == Op::Eq => {
                return Some(Found::Entry(self.by.get(bool_key(*value))));
            }
            _ => return None,
        };
        let timestamp = parse_instant(text).is_some();
        let text = text.to_lowercase();
        let listed = match op {
            Op::Eq if !timestamp => return Some(Found::Entry(self.by.get(&text))),
            Op::Sw => collect(starting_with(self.by, &text), start, most),
            Op::Ew => collect(starting_with(self.reversed, &backwards(&text)), start, most),
            Op::Co => self.containing(&text, start, most),
            _ => None,
        };
        listed.map(Found::Listed)
    }

    /// The devices whose value contains `text`: read from the values themselves when the
    /// attribute has at most `few` of them; otherwise from the devices that have every piece
    /// of `text` (those of its rarest piece, kept when they have the others), if the attribute's
    /// pieces are indexed and `text` has one. `None` past `most` devices.
    fn containing(&self, text: &str, start: u64, most: usize) -> Option<Vec<u64>> {
        if self.by.len() <= self.few {
            let values = self.by.iter().filter(|(value, _)| value.contains(text));
            return collect(values.map(|(_, seqs)| seqs), start, most);
        }
        let wanted = pieces(text);
        if self.pieces.is_empty() || wanted.is_empty() {
            return None;
        }
        let Some(mut entries) = wanted
            .iter()
            .map(|piece| self.pieces.get(piece))
            .collect::<Option<Vec<_>>>()
        else {
            return Some(Vec::new());
        };
        entries.sort_by_key(|seqs| seqs.0.len());
        let (rarest, others) = entries.split_first()?;
        let seqs: Vec<u64> = rarest
            .from(start)
            .filter(|seq| others.iter().all(|other| other.contains(*seq)))
            .take(most.saturating_add(1))
            .collect();
        (seqs.len() <= most).then_some(seqs)
    }
}

/// The distinct three-character pieces of `text` (none when it is shorter), each as one number:
/// the three characters' code points side by side (21 bits each), so that indexing a value
/// allocates no text per piece.
fn pieces(text: &str) -> Vec<u64> {
    let chars: Vec<u64> = text.chars().map(u64::from).collect();
    let mut pieces: Vec<u64> = chars
        .windows(3)
        .map(|w| (w[0] << 42) | (w[1] << 21) | w[2])
        .collect();
    pieces.sort_unstable();
    pieces.dedup();
    pieces
}

/// The entries of `map` whose key starts with `prefix`.
fn starting_with<'a>(
    map: &'a BTreeMap<String, Seqs>,
    prefix: &'a str,
) -> impl Iterator<Item = &'a Seqs> {
    map.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(move |(key, _)| key.starts_with(prefix))
        .map(|(_, seqs)| seqs)
}

/// `text` with its characters in reverse order: a suffix of `text` is a prefix of this.
fn backwards(text: &str) -> String {
    text.chars().rev().collect()
}

/// The key a boolean value is indexed under.
fn bool_key(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// The instants every match must have been updated between, from the comparisons a search
/// requires of `lastUpdated` whose value is a timestamp; `None` when there are none.
fn time_range(required: &[(Op, &Literal)]) -> Option<TimeRange> {
    let mut range = None;
    for (op, literal) in required {
        let Literal::Str(text) = literal else {
            continue;
        };
        let Some(at) = parse_instant(text) else {
            continue;
        };
        let (lower, upper) = match op {
            Op::Eq => (Bound::Included(at), Bound::Included(at)),
            Op::Gt => (Bound::Excluded(at), Bound::Unbounded),
            Op::Ge => (Bound::Included(at), Bound::Unbounded),
            Op::Lt => (Bound::Unbounded, Bound::Excluded(at)),
            Op::Le => (Bound::Unbounded, Bound::Included(at)),
            _ => continue,
        };
        let (low, high) = range.unwrap_or((Bound::Unbounded, Bound::Unbounded));
        range = Some((tighter(low, lower, true), tighter(high, upper, false)));
    }
    range
}

/// The stricter of two lower (`lower`) or upper bounds.
fn tighter(a: Bound<DateTime<Utc>>, b: Bound<DateTime<Utc>>, lower: bool) -> Bound<DateTime<Utc>> {
    let at = |bound: &Bound<DateTime<Utc>>| match bound {
        Bound::Included(t) | Bound::Excluded(t) => Some(*t),
        Bound::Unbounded => None,
    };
    match (at(&a), at(&b)) {
        (None, _) => b,
        (_, None) => a,
        (Some(x), Some(y)) if x == y => {
            if matches!(a, Bound::Excluded(_)) {
                a
            } else {
                b
            }
        }
        (Some(x), Some(y)) => {
            if (x > y) == lower {
                a
            } else {
                b
            }
        }
    }
}

/// The entries of `map` in `range`; none when the range is empty (where `BTreeMap::range` would
/// panic).
fn range_entries(
    map: &BTreeMap<DateTime<Utc>, Seqs>,
    (low, high): TimeRange,
) -> impl Iterator<Item = &Seqs> {
    let empty = match (low, high) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
            a >= b
        }
        _ => false,
    };
    let entries = (!empty).then(|| map.range((low, high)).map(|(_, seqs)| seqs));
    entries.into_iter().flatten()
}

/// The sequence numbers from `start` on in `entries`, in order; `None` when there are more than
/// `most`.
fn collect<'a>(
    entries: impl Iterator<Item = &'a Seqs>,
    start: u64,
    most: usize,
) -> Option<Vec<u64>> {
    let mut seqs = Vec::new();
    for entry in entries {
        let room = (most + 1).saturating_sub(seqs.len());
        seqs.extend(entry.from(start).take(room));
        if seqs.len() > most {
            return None;
        }
    }
    seqs.sort_unstable();
    Some(seqs)
}

/// Adds `seq` under `key`.
fn add<K: Ord>(map: &mut BTreeMap<K, Seqs>, key: K, seq: u64) {
    map.entry(key)
        .and_modify(|seqs| seqs.insert(seq))
        .or_insert(Seqs::One(seq));
}

/// Takes `seq` out from under `key`, dropping the entry when it is left empty.
fn take<K: Ord>(map: &mut BTreeMap<K, Seqs>, key: &K, seq: u64) {
    if let Some(seqs) = map.get_mut(key)
        && !seqs.remove(seq)
    {
        map.remove(key);
    }
}

/// The values a device is indexed under: one per [`INDEXED`] attribute, and its
/// `lastUpdated` (as an instant, or `Err` for text that is not a timestamp).
pub struct Entries {
    keys: [Option<Key>; INDEXED.len()],
    updated: Option<Result<DateTime<Utc>, ()>>,
}

impl Entries {
    /// The values of `body`.
    pub fn of(body: &Map<String, Value>) -> Self {
        Self {
            keys: INDEXED.map(|path| key(body, path)),
            updated: last_updated(body),
        }
    }
}

/// An indexed value: lowercased text, or a boolean's [`bool_key`].
#[derive(PartialEq)]
struct Key {
    value: String,
    text: bool,
}

/// The key of the value at `path` in `body`, if it is a string or a boolean.
fn key(body: &Map<String, Value>, path: &[&str]) -> Option<Key> {
    let (first, rest) = path.split_first()?;
    let mut value = body.get(*first)?;
    for name in rest {
        value = value.get(name)?;
    }
    match value {
        Value::String(text) => Some(Key {
            value: text.to_lowercase(),
            text: true,
        }),
        Value::Bool(value) => Some(Key {
            value: bool_key(*value).to_owned(),
            text: false,
        }),
        _ => None,
    }
}

/// The device's `lastUpdated` when it is text: the instant, or `Err` when the text is not a
/// timestamp.
fn last_updated(body: &Map<String, Value>) -> Option<Result<DateTime<Utc>, ()>> {
    let text = body.get(LAST_UPDATED)?.as_str()?;
    Some(parse_instant(text).ok_or(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(status: &str, serial: &str) -> Map<String, Value> {
        updated_at(status, serial, json!("2026-01-01T00:00:00.000Z"))
    }

    fn updated_at(status: &str, serial: &str, last_updated: Value) -> Map<String, Value> {
        match json!({
            "status": status,
            "lastUpdated": last_updated,
            "profile": {"platform": "MACOS", "serialNumber": serial, "sid": null}
        }) {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// Devices 0..n, device i with serial number `S{i:04}` and updated on day i + 1 of 2026.
    fn dated(n: u64) -> DeviceIndex {
        let mut index = DeviceIndex::default();
        let first = parse_instant("2026-01-01T00:00:00.000Z").expect("a timestamp");
        for i in 0..n {
            let at = first + chrono::Duration::days(i64::try_from(i).expect("small"));
            let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            index.insert(i, &updated_at("ACTIVE", &format!("S{i:04}"), json!(at)));
        }
        index
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
        assert_eq!(
            only(&index, "profile.serialNumber sw \"c02\"", 1),
            Some(vec![1, 2])
        );
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

    #[test]
    fn a_prefix_reads_the_entries_that_start_with_it() {
        let index = dated(12);
        let serials = |search: &str, start| only(&index, search, start);
        assert_eq!(
            serials("profile.serialNumber sw \"s000\"", 0),
            Some((0..10).collect())
        );
        assert_eq!(
            serials("profile.serialNumber sw \"S001\"", 0),
            Some(vec![10, 11])
        );
        assert_eq!(
            serials("profile.serialNumber sw \"S001\"", 11),
            Some(vec![11])
        );
        assert_eq!(serials("profile.serialNumber sw \"T\"", 0), Some(vec![]));
        assert_eq!(
            serials(
                "profile.serialNumber sw \"s\" and profile.serialNumber eq \"S0003\"",
                0
            ),
            Some(vec![3]),
            "the smaller requirement is read"
        );
        assert_eq!(
            serials("profile.serialNumber co \"1\"", 0),
            Some(vec![1, 10, 11]),
            "few values: those that contain the text"
        );
    }

    #[test]
    fn a_substring_of_a_pieced_attribute_reads_the_devices_with_all_its_pieces() {
        let mut index = dated(250);
        assert!(
            index.by[4].len() > index.few(),
            "too many values to read them all"
        );
        let serials = |index: &DeviceIndex, search: &str| only(index, search, 0);
        let mut expected = vec![24];
        expected.extend(240..250);
        assert_eq!(
            serials(&index, "profile.serialNumber co \"024\""),
            Some(expected)
        );
        assert_eq!(
            serials(&index, "profile.serialNumber co \"0124\""),
            Some(vec![124]),
            "the rarest piece (124), kept where the other (012) is"
        );
        assert_eq!(
            serials(&index, "profile.serialNumber co \"S0X\""),
            Some(vec![])
        );
        assert_eq!(
            serials(&index, "profile.serialNumber co \"12\""),
            None,
            "shorter than a piece"
        );
        assert_eq!(
            serials(&index, "profile.serialNumber co \"s0\""),
            None,
            "shorter than a piece"
        );
        assert_eq!(
            only(&index, "profile.serialNumber co \"024\"", 241),
            Some((241..250).collect())
        );
        let gone = updated_at("ACTIVE", "S0124", json!("2026-05-05T00:00:00.000Z"));
        index.remove(124, &gone);
        assert_eq!(
            serials(&index, "profile.serialNumber co \"0124\""),
            Some(vec![])
        );
        assert!(index.by_piece[4].values().all(|s| !s.0.is_empty()));
        assert!(
            !index.by_piece[4].contains_key(&pieces("124")[0]),
            "no empty entry is kept"
        );
    }

    #[test]
    fn pieces_are_the_distinct_runs_of_three_characters() {
        assert!(pieces("ab").is_empty());
        assert_eq!(pieces("aaaa").len(), 1);
        assert_eq!(pieces("abcd"), {
            let mut both = [pieces("abc")[0], pieces("bcd")[0]];
            both.sort_unstable();
            both.to_vec()
        });
        assert_eq!(pieces("äöüß").len(), 2, "characters, not bytes");
        assert_ne!(pieces("äöü"), pieces("aöü"));
    }

    #[test]
    fn a_substring_of_an_attribute_with_many_unpieced_values_reads_in_order() {
        let mut index = DeviceIndex::default();
        for i in 0..250 {
            index.insert(i, &body(&format!("STATE-{i:04}"), "C02"));
        }
        assert_eq!(only(&index, "status co \"e-01\"", 0), None);
        assert_eq!(
            only(&index, "profile.platform co \"aco\"", 0),
            None,
            "one value, held by all 250 devices: more than a page reads"
        );
        assert_eq!(only(&index, "profile.platform co \"win\"", 0), Some(vec![]));
    }

    #[test]
    fn an_update_moves_the_device_to_its_new_values_only() {
        let mut index = dated(3);
        let before = Entries::of(&updated_at(
            "ACTIVE",
            "S0001",
            json!("2026-01-02T00:00:00.000Z"),
        ));
        let after = updated_at("SUSPENDED", "S0001", json!("2026-03-01T00:00:00.000Z"));
        index.update(1, &before, &after);
        let found = |search: &str| only(&index, search, 0);
        assert_eq!(found("status eq \"ACTIVE\""), Some(vec![0, 2]));
        assert_eq!(found("status eq \"SUSPENDED\""), Some(vec![1]));
        assert_eq!(found("profile.serialNumber eq \"S0001\""), Some(vec![1]));
        assert_eq!(found("status ew \"ded\""), Some(vec![1]));
        assert_eq!(
            found("lastUpdated gt \"2026-02-01T00:00:00.000Z\""),
            Some(vec![1])
        );
        assert_eq!(
            found("lastUpdated eq \"2026-01-02T00:00:00.000Z\""),
            Some(vec![])
        );
        assert_eq!(index.len, 3);
        let mut rebuilt = dated(3);
        rebuilt.remove(
            1,
            &updated_at("ACTIVE", "S0001", json!("2026-01-02T00:00:00.000Z")),
        );
        rebuilt.insert(1, &after);
        assert_eq!(index.by, rebuilt.by);
        assert_eq!(index.by_reversed, rebuilt.by_reversed);
        assert_eq!(index.by_last_updated, rebuilt.by_last_updated);
    }

    #[test]
    fn a_suffix_reads_the_entries_that_end_with_it() {
        let mut index = dated(12);
        let serials = |index: &DeviceIndex, search: &str, start| only(index, search, start);
        assert_eq!(
            serials(&index, "profile.serialNumber ew \"1\"", 0),
            Some(vec![1, 11])
        );
        assert_eq!(
            serials(&index, "profile.serialNumber ew \"011\"", 0),
            Some(vec![11])
        );
        assert_eq!(
            serials(&index, "profile.serialNumber ew \"1\"", 2),
            Some(vec![11])
        );
        assert_eq!(
            serials(&index, "status ew \"ive\"", 0).map(|s| s.len()),
            Some(12)
        );
        assert_eq!(
            serials(&index, "profile.serialNumber ew \"x\"", 0),
            Some(vec![])
        );
        let gone = updated_at("ACTIVE", "S0011", json!("2026-01-12T00:00:00.000Z"));
        index.remove(11, &gone);
        assert_eq!(
            serials(&index, "profile.serialNumber ew \"1\"", 0),
            Some(vec![1])
        );
        assert!(
            index
                .by_reversed
                .iter()
                .all(|map| map.values().all(|s| s.len() > 0))
        );
    }

    #[test]
    fn every_declared_profile_property_and_boolean_is_indexed() {
        let mut index = DeviceIndex::default();
        let device = |model: &str, managed: bool| match json!({
            "status": "ACTIVE",
            "profile": {"platform": "IOS", "manufacturer": "Apple Inc.", "model": model,
                        "managed": managed, "imei": null}
        }) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        index.insert(0, &device("iPhone 15 Pro", true));
        index.insert(1, &device("iPad Air", false));
        index.insert(2, &device("iPhone 14", false));
        assert_eq!(
            only(&index, "profile.model sw \"iphone\"", 0),
            Some(vec![0, 2])
        );
        assert_eq!(only(&index, "profile.model ew \"AIR\"", 0), Some(vec![1]));
        assert_eq!(only(&index, "profile.managed eq true", 0), Some(vec![0]));
        assert_eq!(
            only(&index, "profile.managed eq false", 1),
            Some(vec![1, 2])
        );
        assert_eq!(
            only(
                &index,
                "profile.manufacturer eq \"apple inc.\" and profile.managed eq true",
                0
            ),
            Some(vec![0])
        );
        assert_eq!(
            only(&index, "profile.imei eq null", 0),
            None,
            "null is not indexed"
        );
        assert_eq!(
            only(&index, "profile.managed ew \"ue\"", 0),
            Some(vec![]),
            "booleans have no text"
        );
        assert_eq!(only(&index, "profile.futureProperty eq \"x\"", 0), None);
    }

    #[test]
    fn a_requirement_held_by_many_devices_reads_the_org_in_order() {
        let index = dated(250);
        assert_eq!(index.few(), 223, "√(200 · 250)");
        assert_eq!(only(&index, "profile.serialNumber sw \"S\"", 0), None);
        assert_eq!(
            only(&index, "profile.serialNumber sw \"S\"", 30).map(|s| s.len()),
            Some(220)
        );
        assert_eq!(
            only(&index, "lastUpdated gt \"2025-01-01T00:00:00.000Z\"", 0),
            None
        );
        assert_eq!(
            only(&index, "status eq \"ACTIVE\"", 0).map(|s| s.len()),
            Some(250),
            "an entry is read lazily, however large"
        );
        assert_eq!(
            only(
                &index,
                "status eq \"ACTIVE\" and profile.serialNumber sw \"S01\"",
                0
            ),
            Some((100..200).collect()),
            "a smaller collection is read in its place"
        );
    }

    #[test]
    fn a_time_range_reads_the_devices_updated_within_it() {
        let index = dated(10);
        let days = |search: &str| only(&index, search, 0);
        let day = |d: u32| format!("\"2026-01-{d:02}T00:00:00.000Z\"");
        assert_eq!(
            days(&format!("lastUpdated gt {}", day(8))),
            Some(vec![8, 9])
        );
        assert_eq!(
            days(&format!("lastUpdated ge {}", day(8))),
            Some(vec![7, 8, 9])
        );
        assert_eq!(
            days(&format!("lastUpdated lt {}", day(3))),
            Some(vec![0, 1])
        );
        assert_eq!(
            days(&format!("lastUpdated le {}", day(2))),
            Some(vec![0, 1])
        );
        assert_eq!(days(&format!("lastUpdated eq {}", day(5))), Some(vec![4]));
        assert_eq!(
            days(&format!(
                "lastUpdated gt {} and lastUpdated le {}",
                day(3),
                day(5)
            )),
            Some(vec![3, 4])
        );
        assert_eq!(
            days(&format!(
                "lastUpdated gt {} and lastUpdated ge {}",
                day(3),
                day(6)
            )),
            Some(vec![5, 6, 7, 8, 9]),
            "the later of two lower bounds"
        );
        for (a, b) in [("ge", "gt"), ("gt", "ge")] {
            assert_eq!(
                days(&format!(
                    "lastUpdated {a} {0} and lastUpdated {b} {0}",
                    day(6)
                )),
                Some(vec![6, 7, 8, 9]),
                "the exclusive one of two equal bounds"
            );
        }
        for (a, b) in [("le", "lt"), ("lt", "le")] {
            assert_eq!(
                days(&format!(
                    "lastUpdated {a} {0} and lastUpdated {b} {0}",
                    day(3)
                )),
                Some(vec![0, 1]),
            );
        }
        assert_eq!(
            days(&format!(
                "lastUpdated lt {} and lastUpdated le {}",
                day(3),
                day(6)
            )),
            Some(vec![0, 1]),
            "the earlier of two upper bounds"
        );
        assert_eq!(
            days("lastUpdated eq \"2026-01-05T01:00:00+01:00\""),
            Some(vec![4]),
            "an instant in another offset"
        );
        for empty in [
            format!("lastUpdated gt {0} and lastUpdated lt {0}", day(5)),
            format!("lastUpdated ge {} and lastUpdated le {}", day(6), day(5)),
            format!("lastUpdated gt {0} and lastUpdated le {0}", day(5)),
        ] {
            assert_eq!(days(&empty), Some(vec![]), "{empty}");
        }
        assert_eq!(
            days("lastUpdated gt \"yesterday\""),
            None,
            "text, not a timestamp"
        );
        assert_eq!(days(&format!("lastUpdated ne {}", day(5))), None);
    }

    #[test]
    fn a_device_updated_at_a_text_that_is_not_a_timestamp_turns_time_ranges_off() {
        let mut index = dated(3);
        let odd = updated_at("ACTIVE", "X", json!("soon"));
        let search = "lastUpdated gt \"2026-01-02T00:00:00.000Z\"";
        index.insert(3, &odd);
        assert_eq!(only(&index, search, 0), None);
        index.remove(3, &odd);
        assert_eq!(only(&index, search, 0), Some(vec![2]));
    }

    #[test]
    fn an_equality_with_a_timestamp_or_a_number_reads_in_order() {
        let index = dated(3);
        for search in [
            "profile.serialNumber eq \"2026-01-01T00:00:00.000Z\"",
            "status eq 5",
            "status ne \"ACTIVE\"",
        ] {
            assert_eq!(only(&index, search, 0), None, "{search}");
        }
        assert_eq!(
            only(&index, "status eq true", 0),
            Some(vec![]),
            "no status is a boolean"
        );
    }
}
