//! The org store: policies (with their rules and mappings), devices and their users, Okta-style
//! id generation, timestamps, and the deterministic seeding of a fresh org.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use serde_json::{Map, Value, json};

use crate::device_index::{Candidates, DeviceIndex, Entries};

/// Policy types whose policies share the 500-policy limit of doc 003 ("Limitations").
pub const BETA_POLICY_TYPES: [&str; 2] = ["Okta:SignOn", "Okta:ProfileEnrollment"];

/// The twelve `PolicyType` values of the published spec, in the spec's order.
pub const SPEC_POLICY_TYPES: [&str; 12] = [
    "OKTA_SIGN_ON",
    "PASSWORD",
    "MFA_ENROLL",
    "IDP_DISCOVERY",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
    "POST_AUTH_SESSION",
    "ENTITY_RISK",
    "SESSION_VIOLATION_DETECTION",
    "DEVICE_SIGNAL_COLLECTION",
    "CLIENT_UPDATE",
    "IDENTITY_CLAIM_SOURCING",
];

/// Whether the simulator accepts `policy_type`: one of the twelve current types or a beta name.
pub fn is_policy_type(policy_type: &str) -> bool {
    SPEC_POLICY_TYPES.contains(&policy_type) || is_beta_type(policy_type)
}

/// The types of the custom policies that [`SimConfig::policy_count`](crate::SimConfig::policy_count)
/// seeds, in turn.
pub const SEEDED_POLICY_TYPES: [&str; 5] = [
    "OKTA_SIGN_ON",
    "PASSWORD",
    "MFA_ENROLL",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
];

/// Policy types Okta creates in every org itself: a create is refused, the existing policy can be
/// read and replaced (D026).
pub const OKTA_CREATED_TYPES: [&str; 6] = [
    "IDP_DISCOVERY",
    "ENTITY_RISK",
    "POST_AUTH_SESSION",
    "SESSION_VIOLATION_DETECTION",
    "CLIENT_UPDATE",
    "IDENTITY_CLAIM_SOURCING",
];

/// Okta-created types whose policy holds only its Okta-created rule (no rule can be added).
pub const SINGLE_RULE_TYPES: [&str; 2] = ["CLIENT_UPDATE", "IDENTITY_CLAIM_SOURCING"];

/// The policy types a simulation evaluates (`PolicyTypeSimulation`), in answer order.
pub const SIMULATION_TYPES: [&str; 4] = [
    "OKTA_SIGN_ON",
    "MFA_ENROLL",
    "ACCESS_POLICY",
    "PROFILE_ENROLLMENT",
];

/// Id of the group every user belongs to.
pub const EVERYONE_GROUP: &str = "00g1everyone0000g7";

/// Maximum number of policies of the beta types (doc 003, "Limitations").
pub const MAX_BETA_POLICIES: usize = 500;
/// Maximum number of rules per policy (doc 003, "Limitations").
pub const MAX_RULES_PER_POLICY: usize = 100;
/// `expand=rules` fails past this many rules (doc 004, "Get a Policy with Rules").
pub const MAX_EXPANDED_RULES: usize = 20;

/// Name of the account management policy (doc 001).
pub const ACCOUNT_MANAGEMENT_POLICY_NAME: &str = "Okta Account Management Policy";

/// SplitMix64 step: a tiny, portable, seedable generator (stable across crate versions).
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `len` base62 characters derived from `seed`.
pub fn base62_from(seed: u64, len: usize) -> String {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.base62_char()).collect()
}

/// Deterministic pseudo-random source.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }

    /// Uniform in `0..n` (`n` > 0; returns 0 for `n` == 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One element of a non-empty slice.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let index = self.below(items.len() as u64) as usize;
        items.get(index).copied().unwrap_or_default()
    }

    fn base62_char(&mut self) -> char {
        char::from(BASE62[(self.next_u64() % 62) as usize])
    }

    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len() as u64) as usize]))
            .collect()
    }

    fn digits(&mut self, len: usize) -> String {
        self.chars(b"0123456789", len)
    }

    fn upper_alnum(&mut self, len: usize) -> String {
        self.chars(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", len)
    }

    fn hex(&mut self, len: usize) -> String {
        self.chars(b"0123456789abcdef", len)
    }

    fn uuid_upper(&mut self) -> String {
        let h = self.hex(32).to_uppercase();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Issues unique 20-character Okta-style ids: 3-char prefix, 14 base62 chars, 3-char cell suffix.
#[derive(Debug)]
pub struct IdGen {
    rng: Rng,
    issued: HashSet<String>,
}

impl IdGen {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed),
            issued: HashSet::new(),
        }
    }

    /// A fresh id starting with `prefix` (`rst`, `rul`, `rsm`, `guo`, `00u`, ...).
    pub fn next(&mut self, prefix: &str, suffix: &str) -> String {
        loop {
            let body: String = (0..14).map(|_| self.rng.base62_char()).collect();
            let id = format!("{prefix}{body}{suffix}");
            if self.issued.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// RFC 3339 timestamp with milliseconds and `Z`, as Okta writes them.
pub fn format_ts(ts: DateTime<Utc>) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The current time formatted as an Okta timestamp.
pub fn now_ts() -> String {
    format_ts(Utc::now())
}

/// Completes the body of a policy or rule created through the API: `status` (the one sent, unless
/// the request said `activate=false`; `ACTIVE` by default), `priority` 0 (rendered from the
/// position), `system: false`, `default: false` for a beta type (unless sent) and both
/// timestamps now.
pub fn new_custom_body(
    mut body: Map<String, Value>,
    sent_status: Option<String>,
    activate: Option<bool>,
    beta: bool,
) -> Map<String, Value> {
    let status = match activate {
        Some(false) => "INACTIVE".to_string(),
        _ => sent_status.unwrap_or_else(|| "ACTIVE".to_string()),
    };
    let now = now_ts();
    body.insert("status".into(), json!(status));
    body.insert("priority".into(), json!(0));
    body.insert("system".into(), json!(false));
    if beta && !body.contains_key("default") {
        body.insert("default".into(), json!(false));
    }
    body.insert("created".into(), json!(now));
    body.insert("lastUpdated".into(), json!(now));
    body
}

/// What kind of policy a record is; drives the protections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Created through the API.
    Custom,
    /// The org's default policy of its type: not deletable, always active, always last.
    Default,
    /// The read-only Okta account management policy (doc 001); its rules stay manageable.
    AccountManagement,
}

/// A rule stored under its policy.
#[derive(Debug, Clone)]
pub struct RuleRecord {
    /// Rule id (`rul…`).
    pub id: String,
    /// The policy's default rule: cannot be deleted, changed or deactivated.
    pub is_default: bool,
    /// The stored object, without `id`, `priority` and `_links` (rendered on the way out).
    pub body: Map<String, Value>,
    /// The client sent `priority: 0`: real orgs keep echoing 0 (the rule is placed first).
    pub priority_zero: bool,
}

/// A resource mapping stored under its policy.
#[derive(Debug, Clone)]
pub struct MappingRecord {
    /// Mapping id (`rsm…`).
    pub id: String,
    /// Id of the mapped resource.
    pub resource_id: String,
    /// Type of the mapped resource (`APP`, `ACCESS_POLICY`).
    pub resource_type: String,
}

/// A policy with its rules (in priority order) and mappings.
#[derive(Debug, Clone)]
pub struct PolicyRecord {
    /// Policy id (`rst…`, or `00p…` for seeded classic defaults).
    pub id: String,
    /// Default / account management / custom.
    pub kind: PolicyKind,
    /// The stored object, without `id`, `priority`, `_embedded` and `_links`.
    pub body: Map<String, Value>,
    /// Rules in priority order; a default rule is always last.
    pub rules: Vec<RuleRecord>,
    /// Resource mappings in creation order.
    pub mappings: Vec<MappingRecord>,
}

impl PolicyRecord {
    /// A policy the customer made (or a copy of one), with its rules and no mappings yet.
    pub fn custom(id: &str, body: Map<String, Value>, rules: Vec<RuleRecord>) -> Self {
        Self {
            id: id.to_owned(),
            kind: PolicyKind::Custom,
            body,
            rules,
            mappings: Vec::new(),
        }
    }

    /// The policy's `type`.
    pub fn policy_type(&self) -> &str {
        self.body.get("type").and_then(Value::as_str).unwrap_or("")
    }

    /// The policy's `status`.
    pub fn status(&self) -> &str {
        status_of(&self.body)
    }

    /// The policy's `name` (empty when it has none).
    pub fn name(&self) -> &str {
        self.body.get("name").and_then(Value::as_str).unwrap_or("")
    }
}

/// One policy type's policies in `sortBy=name` order: by lower-cased name, equal names in
/// priority order.
#[derive(Debug, Default)]
pub struct NameSorted {
    /// Policy ids in that order.
    pub ids: Vec<String>,
    /// Each id's index in [`NameSorted::ids`].
    place: HashMap<String, usize>,
}

impl NameSorted {
    /// Index of policy `id` in the order (for an `after` cursor).
    pub fn place(&self, id: &str) -> Option<usize> {
        self.place.get(id).copied()
    }
}

/// The `sortBy=name` order of each policy type, built by the first sorted listing after a
/// change and dropped by every change that can move a policy in it (a policy placed, removed
/// or given a new body), so sorted pages cost the same in any org between changes.
#[derive(Debug, Default)]
pub struct NameOrders(Mutex<HashMap<String, Arc<NameSorted>>>);

impl NameOrders {
    fn forget(&mut self, policy_type: &str) {
        let orders = self.0.get_mut().unwrap_or_else(PoisonError::into_inner);
        orders.remove(policy_type);
    }
}

/// The `status` of a stored policy or device body (`ACTIVE` when it has none).
fn status_of(body: &Map<String, Value>) -> &str {
    body.get("status")
        .and_then(Value::as_str)
        .unwrap_or("ACTIVE")
}

/// A device with its users.
#[derive(Debug, Clone)]
pub struct DeviceRecord {
    /// Device id (`guo…`).
    pub id: String,
    /// Device object without `_links` and `_embedded`.
    pub body: Map<String, Value>,
    /// The device's user links.
    pub users: Vec<DeviceUser>,
}

/// A device-user link: its own fields and the user, shared by every link to that user (an org
/// of 100,000 devices has a few hundred users).
#[derive(Debug, Clone)]
pub struct DeviceUser {
    /// `managementStatus`, `screenLockType`, `created`.
    pub link: Map<String, Value>,
    /// The linked `User`.
    pub user: Arc<Value>,
}

impl DeviceUser {
    /// The `DeviceUser` object: the link's fields, then `user`.
    pub fn to_value(&self) -> Value {
        let mut out = self.link.clone();
        out.insert("user".into(), (*self.user).clone());
        Value::Object(out)
    }

    /// The linked user's id.
    pub fn user_id(&self) -> Option<&str> {
        self.user.get("id").and_then(Value::as_str)
    }
}

impl DeviceRecord {
    /// The device's `status`.
    pub fn status(&self) -> &str {
        status_of(&self.body)
    }
}

/// An app of the org (served only through listPolicyApps and the simulation).
#[derive(Debug, Clone)]
pub struct AppRecord {
    /// App id (`0oa…`).
    pub id: String,
    /// The `Application` object without `_links`.
    pub body: Map<String, Value>,
}

/// The whole simulated org.
#[derive(Debug)]
pub struct Org {
    /// Id source for objects created at run time.
    pub ids: IdGen,
    /// Policies by id.
    pub policies: HashMap<String, PolicyRecord>,
    /// Policy ids per type, in priority order (index 0 = priority 1).
    pub policy_order: BTreeMap<String, Vec<String>>,
    /// Index of every placed policy in its type's [`Org::policy_order`] list, so a priority or
    /// an `after` cursor is found without scanning the list.
    pub policy_index: HashMap<String, usize>,
    /// Devices in listing order, keyed by a monotonically increasing sequence number.
    pub devices: BTreeMap<u64, DeviceRecord>,
    /// Sequence number of every device id ever issued (deleted ones too, so cursors survive).
    pub device_seq: HashMap<String, u64>,
    /// Sequence numbers of the devices by the lowercased value of each indexed text attribute
    /// (`status`, `id`, platform and the naming attributes) and by `lastUpdated`, so a search
    /// that requires one of those values, a prefix of them or a time range reads only the
    /// devices it can match. Kept by [`Org::insert_device`], [`Org::set_device_status`] and
    /// [`Org::remove_device`]: change a device through them.
    pub device_index: DeviceIndex,
    /// Sequence numbers of the devices linked to each user id, so a user's devices are found
    /// without reading every device. Kept by [`Org::insert_device`],
    /// [`Org::clear_device_users`] and [`Org::remove_device`].
    pub devices_by_user: HashMap<String, BTreeSet<u64>>,
    /// The org's apps; each is mapped (resourceType APP) to exactly one ACCESS_POLICY.
    pub apps: Vec<AppRecord>,
    /// The `sortBy=name` orders read by [`Org::policies_by_name`]. Kept by
    /// [`Org::place_policy`], [`Org::remove_policy`] and [`Org::set_policy_body`]: change a
    /// policy's name through them.
    pub name_orders: NameOrders,
}

impl Org {
    /// An org holding only the default policies with their default rules; the id generator is
    /// seeded from `seed`.
    fn with_default_policies(seed: u64) -> Self {
        let mut org = Self {
            ids: IdGen::new(splitmix64(seed ^ 0x1d5)),
            policies: HashMap::new(),
            policy_order: BTreeMap::new(),
            policy_index: HashMap::new(),
            devices: BTreeMap::new(),
            device_seq: HashMap::new(),
            device_index: DeviceIndex::default(),
            devices_by_user: HashMap::new(),
            apps: Vec::new(),
            name_orders: NameOrders::default(),
        };
        seed_policies(&mut org);
        org
    }

    /// A fresh org: default policies, the account management policy and `device_count` devices.
    pub fn seeded(seed: u64, device_count: usize) -> Self {
        let mut org = Self::with_default_policies(seed);
        seed_devices(&mut org, seed, device_count);
        // Seeded after the devices so the ids of everything seeded before stay as they were.
        seed_okta_created_policies(&mut org);
        seed_apps(&mut org, SEED_APPS.len());
        org
    }

    /// Adds `count` custom policies, spread in turn over [`SEEDED_POLICY_TYPES`] and placed
    /// after the type's other custom policies, each with `rules_per_policy` custom rules (at
    /// most [`MAX_RULES_PER_POLICY`]). Their bodies are the shapes of the type's default policy
    /// and default rule, named `Seeded <type> policy <n>` and `Seeded rule <k>`; ids come from
    /// the org's generator after everything seeded before, so those keep their ids.
    pub fn seed_custom_policies(&mut self, count: usize, rules_per_policy: usize) {
        let shapes: Vec<SeedPolicy> = default_policy_seeds()
            .into_iter()
            .filter(|s| SEEDED_POLICY_TYPES.contains(&s.policy_type))
            .collect();
        let rules_per_policy = rules_per_policy.min(MAX_RULES_PER_POLICY);
        let created = org_created();
        for n in 0..count {
            let Some(shape) = shapes.get(n % shapes.len().max(1)) else {
                return;
            };
            let ts = format_ts(created + ChronoDuration::minutes(n as i64));
            let id = self.ids.next("rst", "0g7");
            let rules = (0..rules_per_policy)
                .map(|k| {
                    let rule_type = rule_type_for(shape.policy_type);
                    let name = format!("Seeded rule {}", k + 1);
                    let extra = shape.rule_extra.clone();
                    let mut body =
                        seed_body(shape.policy_type, rule_type, &name, "", false, extra, &ts);
                    crate::defaults::normalize_rule(shape.policy_type, &mut body);
                    RuleRecord {
                        id: self.ids.next("rul", "0g7"),
                        is_default: false,
                        body,
                        priority_zero: false,
                    }
                })
                .collect();
            let name = format!("Seeded {} policy {}", shape.policy_type, n + 1);
            let body = seed_policy_body(
                shape.policy_type,
                &name,
                "Seeded by the simulator",
                false,
                shape.extra.clone(),
                &ts,
            );
            self.policies
                .insert(id.clone(), PolicyRecord::custom(&id, body, rules));
            self.place_policy(shape.policy_type, &id, None);
        }
    }

    /// An org holding only what Okta creates in every org: the default policies with their
    /// default rules, the account management policy and the two built-in apps (no devices, no
    /// users, no customer apps).
    pub fn okta_created(seed: u64) -> Self {
        let mut org = Self::with_default_policies(seed);
        seed_okta_created_policies(&mut org);
        seed_apps(&mut org, BUILT_IN_APPS);
        org
    }

    /// Ids of `policy_type`'s policies in priority order.
    pub fn ordered_ids(&self, policy_type: &str) -> &[String] {
        self.policy_order
            .get(policy_type)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// 0-based index of policy `id` in the priority order of `policy_type` (through
    /// [`Org::policy_index`]); `None` when it is not a placed policy of that type.
    pub fn order_index(&self, policy_type: &str, id: &str) -> Option<usize> {
        let order = self.ordered_ids(policy_type);
        match self.policy_index.get(id) {
            Some(&i) if order.get(i).is_some_and(|e| e == id) => Some(i),
            _ => None,
        }
    }

    /// 1-based priority of a policy within its type.
    pub fn priority_of(&self, policy: &PolicyRecord) -> usize {
        self.order_index(policy.policy_type(), &policy.id)
            .map_or(0, |i| i + 1)
    }

    /// Number of default policies at the end of `order` (default policies always stay last).
    fn trailing_defaults(&self, order: &[String]) -> usize {
        order
            .iter()
            .rev()
            .take_while(|id| {
                self.policies
                    .get(*id)
                    .is_some_and(|p| p.kind == PolicyKind::Default)
            })
            .count()
    }

    /// Records the index of every policy of `policy_type` from `from` on.
    fn reindex(&mut self, policy_type: &str, from: usize) {
        let Some(order) = self.policy_order.get(policy_type) else {
            return;
        };
        for (i, id) in order.iter().enumerate().skip(from) {
            match self.policy_index.get_mut(id) {
                Some(slot) => *slot = i,
                None => {
                    self.policy_index.insert(id.clone(), i);
                }
            }
        }
    }

    /// Number of policies of the beta types.
    pub fn beta_policy_count(&self) -> usize {
        BETA_POLICY_TYPES
            .iter()
            .map(|t| self.ordered_ids(t).len())
            .sum()
    }

    /// Places `id` at 1-based `priority` within its type (`None` = last), shifting the others;
    /// default policies always stay last.
    ///
    /// Only the entries between the old and the new place are shifted, so adding a policy
    /// last among the custom ones (the usual case) costs the same in any org.
    pub fn place_policy(&mut self, policy_type: &str, id: &str, priority: Option<usize>) {
        let old = self.order_index(policy_type, id);
        let is_default = self
            .policies
            .get(id)
            .is_some_and(|p| p.kind == PolicyKind::Default && p.policy_type() == policy_type);
        let mut order = self.policy_order.remove(policy_type).unwrap_or_default();
        if let Some(i) = old {
            order.remove(i);
        }
        // The default policies are always the last entries, so the movable ones come first.
        let movable_len = order.len() - self.trailing_defaults(&order);
        let index = if is_default {
            order.len()
        } else {
            priority.map_or(movable_len, |p| p.saturating_sub(1).min(movable_len))
        };
        order.insert(index, id.to_string());
        self.policy_order.insert(policy_type.to_string(), order);
        self.reindex(policy_type, old.map_or(index, |o| o.min(index)));
        self.name_orders.forget(policy_type);
    }

    /// Replaces the stored body of policy `id` (its name may change with it).
    pub fn set_policy_body(&mut self, id: &str, body: Map<String, Value>) {
        let Some(policy) = self.policies.get_mut(id) else {
            return;
        };
        policy.body = body;
        let policy_type = policy.policy_type().to_string();
        self.name_orders.forget(&policy_type);
    }

    /// `policy_type`'s policies in `sortBy=name` order, sorted once after each change.
    pub fn policies_by_name(&self, policy_type: &str) -> Arc<NameSorted> {
        let mut orders = self
            .name_orders
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(sorted) = orders.get(policy_type) {
            return Arc::clone(sorted);
        }
        let mut keyed: Vec<(String, &String)> = self
            .ordered_ids(policy_type)
            .iter()
            .filter_map(|id| Some((self.policies.get(id)?.name().to_lowercase(), id)))
            .collect();
        // Stable: equal names keep their priority order.
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let ids: Vec<String> = keyed.into_iter().map(|(_, id)| id.clone()).collect();
        let place = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let sorted = Arc::new(NameSorted { ids, place });
        orders.insert(policy_type.to_string(), Arc::clone(&sorted));
        sorted
    }

    /// Removes a policy and its place in the priority order.
    pub fn remove_policy(&mut self, id: &str) -> Option<PolicyRecord> {
        let index = self
            .policies
            .get(id)
            .and_then(|p| self.order_index(p.policy_type(), id));
        let record = self.policies.remove(id)?;
        self.policy_index.remove(id);
        self.name_orders.forget(record.policy_type());
        if let (Some(order), Some(i)) = (self.policy_order.get_mut(record.policy_type()), index) {
            order.remove(i);
            self.reindex(record.policy_type(), i);
        }
        Some(record)
    }

    /// The device with `id`, if it exists and is not deleted.
    pub fn device(&self, id: &str) -> Option<&DeviceRecord> {
        let seq = self.device_seq.get(id)?;
        self.devices.get(seq)
    }

    /// The app with `id`.
    pub fn app(&self, id: &str) -> Option<&AppRecord> {
        self.apps.iter().find(|a| a.id == id)
    }

    /// The org's default policy of `policy_type`.
    pub fn default_policy_id(&self, policy_type: &str) -> Option<String> {
        // The default policies are the last entries: the first of them, without a scan.
        let order = self.ordered_ids(policy_type);
        let defaults = self.trailing_defaults(order);
        (defaults > 0)
            .then(|| order.get(order.len() - defaults).cloned())
            .flatten()
    }

    /// The ACCESS_POLICY an app is mapped to.
    pub fn access_policy_of_app(&self, app_id: &str) -> Option<&PolicyRecord> {
        self.ordered_ids("ACCESS_POLICY")
            .iter()
            .filter_map(|id| self.policies.get(id))
            .find(|p| {
                p.mappings
                    .iter()
                    .any(|m| m.resource_type == "APP" && m.resource_id == app_id)
            })
    }

    /// Maps a seeded app back to the default ACCESS_POLICY when no other policy holds it (an
    /// app always has an authentication policy).
    pub fn remap_orphan_app(&mut self, app_id: &str) {
        if self.app(app_id).is_none() || self.access_policy_of_app(app_id).is_some() {
            return;
        }
        let Some(default_id) = self.default_policy_id("ACCESS_POLICY") else {
            return;
        };
        let mapping = MappingRecord {
            id: self.ids.next("rsm", "0g7"),
            resource_id: app_id.to_string(),
            resource_type: "APP".to_string(),
        };
        if let Some(policy) = self.policies.get_mut(&default_id) {
            policy.mappings.push(mapping);
        }
    }

    /// Adds `device` at the end of the listing order.
    pub fn insert_device(&mut self, device: DeviceRecord) {
        // Every id ever issued keeps its number, so the count is the next unused one.
        let seq = self.device_seq.len() as u64;
        self.device_seq.insert(device.id.clone(), seq);
        self.device_index.insert(seq, &device.body);
        for user in device.users.iter().filter_map(DeviceUser::user_id) {
            self.devices_by_user
                .entry(user.to_owned())
                .or_default()
                .insert(seq);
        }
        self.devices.insert(seq, device);
    }

    /// Removes every user link of the device with `id` (as deactivation does).
    pub fn clear_device_users(&mut self, id: &str) {
        let Some(seq) = self.device_seq.get(id).copied() else {
            return;
        };
        if let Some(device) = self.devices.get_mut(&seq) {
            let links = std::mem::take(&mut device.users);
            self.unlink_users(seq, &links);
        }
    }

    /// Takes device `seq` out of the user index for each of `links`.
    fn unlink_users(&mut self, seq: u64, links: &[DeviceUser]) {
        for user in links.iter().filter_map(DeviceUser::user_id) {
            if let Some(seqs) = self.devices_by_user.get_mut(user) {
                seqs.remove(&seq);
            }
        }
    }

    /// The devices linked to user `user_id`, in listing order.
    pub fn devices_of_user<'a>(
        &'a self,
        user_id: &str,
    ) -> impl Iterator<Item = &'a DeviceRecord> + 'a {
        self.devices_by_user
            .get(user_id)
            .into_iter()
            .flatten()
            .filter_map(|seq| self.devices.get(seq))
    }

    /// Sets the `status` of the device with `id` and its `lastUpdated` to now; `None` when there
    /// is no such device.
    pub fn set_device_status(&mut self, id: &str, status: &str) -> Option<&mut DeviceRecord> {
        let seq = *self.device_seq.get(id)?;
        let device = self.devices.get_mut(&seq)?;
        let before = Entries::of(&device.body);
        device
            .body
            .insert("status".into(), Value::String(status.to_owned()));
        device.body.insert("lastUpdated".into(), json!(now_ts()));
        self.device_index.update(seq, &before, &device.body);
        Some(device)
    }

    /// Removes the device with `id`; its id keeps its sequence number, so an `after` cursor
    /// naming it stays valid.
    pub fn remove_device(&mut self, id: &str) -> Option<DeviceRecord> {
        let seq = *self.device_seq.get(id)?;
        let device = self.devices.remove(&seq)?;
        self.device_index.remove(seq, &device.body);
        self.unlink_users(seq, &device.users);
        Some(device)
    }

    /// The devices a search with `filter` can match, in listing order from sequence number
    /// `start`: only those of one index entry when the filter requires an indexed value (see
    /// [`DeviceIndex::candidates`]).
    pub fn device_candidates<'a>(
        &'a self,
        filter: Option<&crate::scim::Filter>,
        start: u64,
    ) -> Box<dyn Iterator<Item = &'a DeviceRecord> + 'a> {
        match filter.map(|f| self.device_index.candidates(f, start)) {
            Some(Candidates::Only(seqs)) => Box::new(seqs.filter_map(|seq| self.devices.get(&seq))),
            _ => Box::new(self.devices.range(start..).map(|(_, d)| d)),
        }
    }
}

/// Inserts a rule at 1-based `priority` (`None` = last), keeping a default rule last.
pub fn place_rule(rules: &mut Vec<RuleRecord>, rule: RuleRecord, priority: Option<usize>) {
    let movable_len = rules.iter().filter(|r| !r.is_default).count();
    let index = if rule.is_default {
        rules.len()
    } else {
        priority.map_or(movable_len, |p| p.saturating_sub(1).min(movable_len))
    };
    rules.insert(index, rule);
}

fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Fixed timestamp of the org's creation, so seeded objects are reproducible.
fn org_created() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

struct SeedPolicy {
    policy_type: &'static str,
    name: &'static str,
    description: &'static str,
    rule_name: &'static str,
    extra: Value,
    rule_extra: Value,
}

fn default_policy_seeds() -> Vec<SeedPolicy> {
    let mut seeds = classic_policy_seeds();
    seeds.extend(identity_engine_policy_seeds());
    seeds.extend(beta_policy_seeds());
    seeds
}

/// The default policies of the classic types (global session, password, MFA enrollment, IdP
/// discovery).
fn classic_policy_seeds() -> Vec<SeedPolicy> {
    let people_everyone = json!({ "people": { "groups": { "include": ["00g1everyone0000g7"] } } });
    let everyone_anywhere = json!({ "people": { "users": { "exclude": [] } }, "network": { "connection": "ANYWHERE" } });
    vec![
        SeedPolicy {
            policy_type: "OKTA_SIGN_ON",
            name: "Default Policy",
            description: "The default policy applies in all situations if no other policy applies.",
            rule_name: "Default Rule",
            extra: json!({ "conditions": people_everyone }),
            rule_extra: json!({
                "conditions": everyone_anywhere,
                "actions": { "signon": {
                    "access": "ALLOW", "requireFactor": false, "primaryFactor": "PASSWORD_IDP_ANY_FACTOR",
                    "rememberDeviceByDefault": false, "factorLifetime": 15,
                    "session": { "usePersistentCookie": false, "maxSessionIdleMinutes": 120, "maxSessionLifetimeMinutes": 0 }
                } }
            }),
        },
        SeedPolicy {
            policy_type: "PASSWORD",
            name: "Default Policy",
            description: "The default policy applies in all situations if no other policy applies.",
            rule_name: "Default Rule",
            extra: json!({
                "conditions": { "people": { "groups": { "include": ["00g1everyone0000g7"] } }, "authProvider": { "provider": "OKTA" } },
                "settings": crate::defaults::default_password_settings()
            }),
            rule_extra: json!({
                "conditions": everyone_anywhere,
                "actions": {
                    "passwordChange": { "access": "ALLOW" },
                    "selfServicePasswordReset": { "access": "ALLOW" },
                    "selfServiceUnlock": { "access": "DENY" }
                }
            }),
        },
        SeedPolicy {
            policy_type: "MFA_ENROLL",
            name: "Default Policy",
            description: "The default policy applies in all situations if no other policy applies.",
            rule_name: "Default Rule",
            extra: json!({
                "conditions": people_everyone,
                "settings": { "type": "AUTHENTICATORS", "authenticators": [ { "key": "okta_email", "enroll": { "self": "REQUIRED" } } ] }
            }),
            rule_extra: json!({
                "conditions": everyone_anywhere,
                "actions": { "enroll": { "self": "CHALLENGE" } }
            }),
        },
        SeedPolicy {
            policy_type: "IDP_DISCOVERY",
            name: "Idp Discovery Policy",
            description: "Default IdP routing policy.",
            rule_name: "Default Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": { "network": { "connection": "ANYWHERE" } },
                "actions": { "idp": { "providers": [ { "type": "OKTA" } ] } }
            }),
        },
    ]
}

/// The default policies of the Identity Engine types (authentication, profile enrollment, and
/// the two of Identity Threat Protection).
fn identity_engine_policy_seeds() -> Vec<SeedPolicy> {
    vec![
        SeedPolicy {
            policy_type: "ACCESS_POLICY",
            name: "Default Policy",
            description: "Default authentication policy",
            rule_name: "Catch-all Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": null,
                "actions": { "appSignOn": { "access": "ALLOW", "verificationMethod": {
                    "factorMode": "2FA", "type": "ASSURANCE", "reauthenticateIn": "PT12H", "constraints": []
                } } }
            }),
        },
        SeedPolicy {
            policy_type: "PROFILE_ENROLLMENT",
            name: "Default Policy",
            description: "Default profile enrollment policy",
            rule_name: "Catch-all Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": null,
                "actions": { "profileEnrollment": {
                    "access": "ALLOW", "profileAttributes": [ { "name": "email", "label": "Email", "required": true } ],
                    "targetGroupIds": [], "unknownUserAction": "DENY", "activationRequirements": { "emailVerification": true }
                } }
            }),
        },
        // Every org holds these two (Identity Threat Protection); shapes from the published
        // spec's list examples and rule examples for the types.
        SeedPolicy {
            policy_type: "POST_AUTH_SESSION",
            name: "Default Policy",
            description: "Defines the enforcement actions taken after a session violation is detected",
            rule_name: "Default Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "actions": { "postAuthSession": { "failureActions": [] } }
            }),
        },
        SeedPolicy {
            policy_type: "SESSION_VIOLATION_DETECTION",
            name: "Session Violation Detection Policy",
            description: "Enables session violation detection for the org",
            rule_name: "Default Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": { "riskScore": { "minRiskLevel": "HIGH" } },
                "actions": { "sessionViolationDetection": { "policyEvaluation": { "enabled": true } } }
            }),
        },
    ]
}

/// The default policies of the beta (`Okta:…`) types.
fn beta_policy_seeds() -> Vec<SeedPolicy> {
    vec![
        SeedPolicy {
            policy_type: "Okta:SignOn",
            name: "Default Policy",
            description: "",
            rule_name: "Catch-all Rule",
            extra: json!({}),
            rule_extra: json!({
                "conditions": [], "action": "ALLOW",
                "requirement": { "verificationMethod": { "type": "ASSURANCE", "factorMode": "1FA", "constraints": [], "reauthenticateIn": "PT4H" } }
            }),
        },
        SeedPolicy {
            policy_type: "Okta:ProfileEnrollment",
            name: "Default Policy",
            description: "",
            rule_name: "Catch-all Rule",
            extra: json!({}),
            rule_extra: json!({
                "conditions": [], "action": "ALLOW",
                "requirement": {
                    "preRegistrationInlineHooks": [],
                    "profileAttributes": [ { "name": "email", "label": "Email", "required": true } ],
                    "targetGroupIds": [], "unknownUserAction": "REGISTER",
                    "activationRequirements": { "emailVerification": true }
                }
            }),
        },
    ]
}

/// Whether a policy type uses the beta object shape (`default` flag, key/op/value conditions).
pub fn is_beta_type(policy_type: &str) -> bool {
    BETA_POLICY_TYPES.contains(&policy_type)
}

/// The rule type that belongs in a policy of `policy_type` (global session rules are `SIGN_ON`).
pub fn rule_type_for(policy_type: &str) -> &str {
    if policy_type == "OKTA_SIGN_ON" {
        "SIGN_ON"
    } else {
        policy_type
    }
}

/// A seeded policy of `policy_type`: see [`seed_body`].
fn seed_policy_body(
    policy_type: &str,
    name: &str,
    description: &str,
    system: bool,
    extra: Value,
    ts: &str,
) -> Map<String, Value> {
    seed_body(
        policy_type,
        policy_type,
        name,
        description,
        system,
        extra,
        ts,
    )
}

/// The seeded default rule of a `policy_type` policy: see [`seed_body`].
fn seed_rule_body(policy_type: &str, name: &str, extra: Value, ts: &str) -> Map<String, Value> {
    let rule_type = rule_type_for(policy_type);
    let mut body = seed_body(policy_type, rule_type, name, "", true, extra, ts);
    crate::defaults::normalize_rule(policy_type, &mut body);
    body
}

/// A seeded ACTIVE object of `object_type` in a `policy_type` policy: `name`, `description`
/// (when not empty), `system` (and `default`, for a beta type), the fields of `extra`, both
/// timestamps `ts` and `type`, in that order.
fn seed_body(
    policy_type: &str,
    object_type: &str,
    name: &str,
    description: &str,
    system: bool,
    extra: Value,
    ts: &str,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("status".into(), json!("ACTIVE"));
    body.insert("name".into(), json!(name));
    if !description.is_empty() {
        body.insert("description".into(), json!(description));
    }
    body.insert("system".into(), json!(system));
    if is_beta_type(policy_type) {
        body.insert("default".into(), json!(system));
    }
    for (k, v) in obj(extra) {
        body.insert(k, v);
    }
    body.insert("created".into(), json!(ts));
    body.insert("lastUpdated".into(), json!(ts));
    body.insert("type".into(), json!(object_type));
    body
}

fn seed_policies(org: &mut Org) {
    let ts = format_ts(org_created());
    for seed in default_policy_seeds() {
        insert_default_policy(org, seed, &ts);
    }

    // Doc 001: the account management policy is an ACCESS_POLICY with priority 1, system false.
    let id = org.ids.next("rst", "0g7");
    let rule = RuleRecord {
        id: org.ids.next("rul", "0g7"),
        is_default: true,
        body: seed_rule_body(
            "ACCESS_POLICY",
            "Catch-all Rule",
            json!({
                "conditions": null,
                "actions": { "appSignOn": { "access": "ALLOW", "verificationMethod": {
                    "factorMode": "1FA", "type": "ASSURANCE", "reauthenticateIn": "PT0S",
                    "constraints": [ { "possession": { "required": false } } ]
                } } }
            }),
            &ts,
        ),
        priority_zero: false,
    };
    let record = PolicyRecord {
        id: id.clone(),
        kind: PolicyKind::AccountManagement,
        body: seed_policy_body(
            "ACCESS_POLICY",
            ACCOUNT_MANAGEMENT_POLICY_NAME,
            "This policy defines how users must authenticate for authenticator enrollment, password reset, or unlock account. Password policy rules control whether to enforce this policy for password reset and unlock account.",
            false,
            json!({ "conditions": null }),
            &ts,
        ),
        rules: vec![rule],
        mappings: Vec::new(),
    };
    org.policies.insert(id.clone(), record);
    org.place_policy("ACCESS_POLICY", &id, Some(1));
}

/// The policies Okta creates in an org that were not in the first seed list (ENTITY_RISK,
/// CLIENT_UPDATE, IDENTITY_CLAIM_SOURCING), each with its default rule shaped like the
/// published spec's examples for the type.
fn okta_created_seeds() -> Vec<SeedPolicy> {
    vec![
        SeedPolicy {
            policy_type: "ENTITY_RISK",
            name: "Entity Risk Policy",
            description: "Defines the actions taken when a risk is detected for a user",
            rule_name: "Catch-all Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": null,
                "actions": { "entityRisk": { "actions": [] } }
            }),
        },
        SeedPolicy {
            policy_type: "CLIENT_UPDATE",
            name: "Okta Verify Update Policy",
            description: "Controls which Okta Verify updates devices take",
            rule_name: "Default Rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": null,
                "actions": { "updateControls": { "actions": [
                    { "action": "OKTA_VERIFY_UPDATE", "value": "ALLOW" }
                ] } }
            }),
        },
        SeedPolicy {
            policy_type: "IDENTITY_CLAIM_SOURCING",
            name: "Default policy",
            description: "",
            rule_name: "Catch-all rule",
            extra: json!({ "conditions": null }),
            rule_extra: json!({
                "conditions": null,
                "actions": { "claimSourcing": {
                    "redirectType": "IDP_DISCOVERY",
                    "refresh": { "redirectType": "NONE" }
                } }
            }),
        },
    ]
}

fn insert_default_policy(org: &mut Org, seed: SeedPolicy, ts: &str) {
    let classic = !is_beta_type(seed.policy_type);
    let id = org.ids.next(if classic { "00p" } else { "rst" }, "0g7");
    let rule_id = org.ids.next(if classic { "0pr" } else { "rul" }, "0g7");
    let rule = RuleRecord {
        id: rule_id,
        is_default: true,
        body: seed_rule_body(seed.policy_type, seed.rule_name, seed.rule_extra, ts),
        priority_zero: false,
    };
    let record = PolicyRecord {
        id: id.clone(),
        kind: PolicyKind::Default,
        body: seed_policy_body(
            seed.policy_type,
            seed.name,
            seed.description,
            true,
            seed.extra,
            ts,
        ),
        rules: vec![rule],
        mappings: Vec::new(),
    };
    org.policies.insert(id.clone(), record);
    org.place_policy(seed.policy_type, &id, None);
}

fn seed_okta_created_policies(org: &mut Org) {
    let ts = format_ts(org_created());
    for seed in okta_created_seeds() {
        insert_default_policy(org, seed, &ts);
    }
}

/// `(name, label, signOnMode)` of the seeded apps: the two apps every org has and two
/// customer apps.
const SEED_APPS: [(&str, &str, &str); 4] = [
    ("okta_enduser", "Okta Dashboard", "OPENID_CONNECT"),
    ("saasure", "Okta Admin Console", "OPENID_CONNECT"),
    ("oidc_client", "Expense Tracker", "OPENID_CONNECT"),
    ("bookmark", "Company Wiki", "BOOKMARK"),
];

/// How many of [`SEED_APPS`] (the first ones) every org has.
const BUILT_IN_APPS: usize = 2;

/// Seeds the first `count` of the org's apps and maps each to the default ACCESS_POLICY (an app
/// without a policy of its own uses the default authentication policy).
fn seed_apps(org: &mut Org, count: usize) {
    let created = org_created();
    for (i, (name, label, mode)) in SEED_APPS.iter().take(count).enumerate() {
        let id = org.ids.next("0oa", "0g7");
        let ts = format_ts(created + ChronoDuration::days(i as i64));
        let body = obj(json!({
            "id": id,
            "orn": format!("orn:okta:idp:00o1simorg0000000g7:apps:{name}:{id}"),
            "name": name,
            "label": label,
            "status": "ACTIVE",
            "lastUpdated": ts,
            "created": ts,
            "accessibility": { "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null },
            "visibility": { "autoSubmitToolbar": false, "hide": { "iOS": false, "web": false } },
            "features": [],
            "signOnMode": mode,
            "credentials": { "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" } },
            "settings": { "app": {} },
        }));
        org.apps.push(AppRecord {
            id: id.clone(),
            body,
        });
        org.remap_orphan_app(&id);
    }
}

/// The id of the link between a device and a user (`deviceUserId`): stable for the pair.
pub fn device_user_id(device_id: &str, user_id: &str) -> String {
    let mut seed = 0x11_4e_u64;
    for b in device_id.bytes().chain(user_id.bytes()) {
        seed = splitmix64(seed ^ u64::from(b));
    }
    format!("lnk{}0g4", base62_from(seed, 14))
}

const FIRST_NAMES: [&str; 16] = [
    "Alice", "Bob", "Carol", "Dan", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
    "Niaj", "Olivia", "Peggy", "Rupert", "Sybil",
];
const LAST_NAMES: [&str; 12] = [
    "Anderson", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones",
    "Kowalski", "Lopez",
];
const TEAMS: [&str; 6] = ["Eng-dev", "Eng-dev", "Eng-qa", "Sales", "Finance", "Design"];

fn seed_users(org: &mut Org, rng: &mut Rng, count: usize) -> Vec<Value> {
    let base = org_created() - ChronoDuration::days(400);
    (0..count)
        .map(|i| {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()];
            let id = org.ids.next("00u", "0g4");
            let created = base + ChronoDuration::hours(rng.below(24 * 300) as i64);
            let changed = created + ChronoDuration::hours(rng.below(24 * 60) as i64);
            let login = format!(
                "{}.{}{}@example.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i
            );
            json!({
                "id": id,
                "status": "ACTIVE",
                "created": format_ts(created),
                "activated": format_ts(created),
                "statusChanged": format_ts(changed),
                "lastLogin": format_ts(changed + ChronoDuration::hours(3)),
                "lastUpdated": format_ts(changed),
                "passwordChanged": format_ts(created),
                "type": { "id": "oty1simusertype0g4" },
                "profile": {
                    "firstName": first,
                    "lastName": last,
                    "mobilePhone": null,
                    "secondEmail": null,
                    "login": login,
                    "email": login,
                },
                "credentials": {
                    "password": {},
                    "recovery_question": { "question": "What is the food you least liked as a child?" },
                    "provider": { "type": "OKTA", "name": "OKTA" },
                },
            })
        })
        .collect()
}

fn device_profile(rng: &mut Rng, platform: &str, index: usize, owner_first: &str) -> Value {
    let team = rng.pick(&TEAMS);
    match platform {
        "WINDOWS" => {
            let sid = format!(
                "S-1-5-21-{}-{}-{}-{}",
                rng.digits(10),
                rng.digits(10),
                rng.digits(10),
                1000 + rng.below(9000)
            );
            json!({
                "displayName": format!("{team}-DESKTOP-{}", rng.upper_alnum(7)),
                "platform": "WINDOWS",
                "manufacturer": rng.pick(&["Dell Inc.", "LENOVO", "HP", "Microsoft Corporation"]),
                "model": rng.pick(&["Latitude 7440", "ThinkPad X1 Carbon Gen 11", "EliteBook 840 G10", "Surface Laptop 5"]),
                "osVersion": rng.pick(&["10.0.19045", "10.0.22631", "10.0.26100"]),
                "serialNumber": rng.upper_alnum(10),
                "udid": rng.uuid_upper(),
                "sid": sid,
                "tpmPublicKeyHash": rng.hex(64),
                "registered": true,
                "secureHardwarePresent": rng.below(3) != 0,
                "diskEncryptionType": rng.pick(&["ALL_INTERNAL_VOLUMES", "SYSTEM_VOLUME", "NONE"]),
                "managed": rng.below(2) == 0,
            })
        }
        "MACOS" => json!({
            "displayName": format!("{team}-macbookpro{}", index % 40),
            "platform": "MACOS",
            "manufacturer": "Apple Inc.",
            "model": rng.pick(&["MacBook Pro 16", "MacBook Pro 14", "MacBook Air 13", "Mac mini"]),
            "osVersion": rng.pick(&["13.6.7", "14.5.0", "15.1.0"]),
            "serialNumber": rng.upper_alnum(12),
            "imei": null,
            "meid": null,
            "udid": rng.uuid_upper(),
            "sid": null,
            "tpmPublicKeyHash": null,
            "registered": true,
            "secureHardwarePresent": true,
            "diskEncryptionType": rng.pick(&["ALL_INTERNAL_VOLUMES", "USER"]),
            "managed": rng.below(4) != 0,
        }),
        "IOS" => json!({
            "displayName": format!("{owner_first}'s {}", rng.pick(&["iPhone", "iPad"])),
            "platform": "IOS",
            "manufacturer": "Apple Inc.",
            "model": rng.pick(&["iPhone 15 Pro", "iPhone 14", "iPhone 13 mini", "iPad Air"]),
            "osVersion": rng.pick(&["16.7.8", "17.5.1", "18.1"]),
            "serialNumber": rng.upper_alnum(12),
            "imei": rng.digits(15),
            "meid": rng.upper_alnum(14),
            "udid": rng.uuid_upper(),
            "registered": true,
            "secureHardwarePresent": true,
            "integrityJailbreak": false,
            "managed": rng.below(2) == 0,
        }),
        _ => json!({
            "displayName": format!("{owner_first}'s {}", rng.pick(&["Pixel 8", "Galaxy S23", "Pixel 7a"])),
            "platform": "ANDROID",
            "manufacturer": rng.pick(&["Google", "samsung"]),
            "model": rng.pick(&["Pixel 8", "SM-S911B", "Pixel 7a"]),
            "osVersion": rng.pick(&["13", "14", "15"]),
            "serialNumber": rng.upper_alnum(11),
            "imei": rng.digits(15),
            "meid": rng.upper_alnum(14),
            "registered": true,
            "secureHardwarePresent": rng.below(3) != 0,
            "integrityJailbreak": rng.below(20) == 0,
            "managed": rng.below(2) == 0,
        }),
    }
}

const STATUSES: [&str; 4] = ["ACTIVE", "CREATED", "SUSPENDED", "DEACTIVATED"];
const PLATFORMS: [&str; 4] = ["MACOS", "WINDOWS", "IOS", "ANDROID"];

fn seed_devices(org: &mut Org, seed: u64, count: usize) {
    let mut rng = Rng::new(splitmix64(seed ^ 0xde71ce));
    let users: Vec<Arc<Value>> = seed_users(org, &mut rng, (count / 2).clamp(4, 200))
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut created = org_created();
    for index in 0..count {
        // The first devices cover every platform and status, so small orgs are still varied.
        let status = if index < STATUSES.len() {
            STATUSES[index]
        } else {
            match rng.below(100) {
                0..=54 => "ACTIVE",
                55..=69 => "CREATED",
                70..=84 => "SUSPENDED",
                _ => "DEACTIVATED",
            }
        };
        let platform = if index < PLATFORMS.len() {
            PLATFORMS[index]
        } else {
            rng.pick(&PLATFORMS)
        };
        created += ChronoDuration::minutes(360 + rng.below(60 * 24 * 9) as i64);
        let updated = created + ChronoDuration::minutes(rng.below(60 * 24 * 120) as i64);
        let owner_index = rng.below(users.len() as u64) as usize;
        let owner_first = users
            .get(owner_index)
            .and_then(|u| u.pointer("/profile/firstName"))
            .and_then(Value::as_str)
            .unwrap_or("User")
            .to_string();
        let profile = device_profile(&mut rng, platform, index, &owner_first);
        let display = profile.get("displayName").cloned().unwrap_or(Value::Null);
        let id = org.ids.next("guo", "0g4");
        let body = obj(json!({
            "id": id,
            "status": status,
            "created": format_ts(created),
            "lastUpdated": format_ts(updated),
            "profile": profile,
            "resourceType": "UDDevice",
            "resourceDisplayName": { "value": display, "sensitive": false },
            "resourceAlternateId": null,
            "resourceId": id,
        }));
        // Doc 002: deactivation removes every device-user link, so deactivated devices have none.
        let mut device_users = Vec::new();
        if status != "DEACTIVATED" {
            let extra = usize::from(rng.below(4) == 0);
            for k in 0..=extra {
                if let Some(user) = users.get((owner_index + k * 7) % users.len()) {
                    let link_created = created + ChronoDuration::minutes(5);
                    device_users.push(DeviceUser {
                        link: obj(json!({
                            "managementStatus": if k == 0 { "MANAGED" } else { "NOT_MANAGED" },
                            "screenLockType": rng.pick(&["BIOMETRIC", "PASSCODE", "NONE"]),
                            "created": format_ts(link_created),
                        })),
                        user: user.clone(),
                    });
                }
            }
        }
        org.insert_device(DeviceRecord {
            id,
            body,
            users: device_users,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_okta_shape_and_are_unique() {
        let mut ids = IdGen::new(7);
        let a = ids.next("rst", "0g7");
        let b = ids.next("rst", "0g7");
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("rst") && a.ends_with("0g7"));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn seeding_is_deterministic() {
        let a = Org::seeded(42, 30);
        let b = Org::seeded(42, 30);
        let ids_a: Vec<_> = a.devices.values().map(|d| d.body.clone()).collect();
        let ids_b: Vec<_> = b.devices.values().map(|d| d.body.clone()).collect();
        assert_eq!(ids_a, ids_b);
        let c = Org::seeded(43, 30);
        assert_ne!(
            a.devices.values().next().map(|d| d.id.clone()),
            c.devices.values().next().map(|d| d.id.clone())
        );
    }

    #[test]
    fn default_policies_are_last() {
        let mut org = Org::seeded(1, 0);
        let id = "rstCUSTOM".to_string();
        org.policies.insert(
            id.clone(),
            PolicyRecord {
                id: id.clone(),
                kind: PolicyKind::Custom,
                body: obj(json!({ "type": "ACCESS_POLICY" })),
                rules: vec![],
                mappings: vec![],
            },
        );
        org.place_policy("ACCESS_POLICY", &id, Some(99));
        let order = org.ordered_ids("ACCESS_POLICY");
        assert_eq!(order.len(), 3);
        assert_eq!(order[1], id);
        let last = &org.policies[&order[2]];
        assert_eq!(last.kind, PolicyKind::Default);
    }
}
