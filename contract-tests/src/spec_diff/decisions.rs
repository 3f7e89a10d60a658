//! `spec/decisions.yaml`: differences from the published spec that we keep on purpose.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::classify::{Class, Difference, Kind};
use super::{SpecDiffError, read_and_parse};

/// One curation decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `D001`, …
    pub id: String,
    /// Pointer pattern: segments split on `/`; `*` matches one segment, `**` any number
    /// (including none); a `*` inside a segment matches any run of characters; exact otherwise.
    #[serde(rename = "match")]
    pub pattern: String,
    /// Classes it may record (default: gap and ours-only; `cosmetic` only when listed).
    #[serde(default)]
    pub classes: Option<Vec<String>>,
    /// Kinds it may record (`type`, `extra-status`, …; default: any).
    #[serde(default)]
    pub kinds: Option<Vec<String>>,
    /// Why, in our words.
    pub reason: String,
    /// Where the fact comes from.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionsFile {
    #[serde(default)]
    decisions: Vec<Decision>,
}

/// A decision that matched no difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleDecision {
    /// Its id.
    pub id: String,
    /// Its pattern.
    #[serde(rename = "match")]
    pub pattern: String,
}

impl Decision {
    /// The classes this decision may record.
    pub fn class_set(&self) -> BTreeSet<Class> {
        match &self.classes {
            Some(list) => list.iter().filter_map(|c| Class::parse(c)).collect(),
            None => [Class::Gap, Class::OursOnly].into_iter().collect(),
        }
    }

    /// Whether the decision records `d` (by pointer and class).
    pub fn records(&self, d: &Difference) -> bool {
        self.class_set().contains(&d.underlying)
            && self
                .kinds
                .as_ref()
                .is_none_or(|ks| ks.iter().any(|k| k == d.kind.as_str()))
            && pattern_matches(&self.pattern, &d.pointer)
    }
}

/// Reads and checks a decisions file.
pub fn load_decisions(path: &Path) -> Result<Vec<Decision>, SpecDiffError> {
    read_and_parse(path, parse_decisions)
}

/// Parses and checks decisions (unique ids, known classes, non-empty patterns).
pub fn parse_decisions(text: &str) -> Result<Vec<Decision>, String> {
    let file: DecisionsFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let mut ids = BTreeSet::new();
    for d in &file.decisions {
        if !ids.insert(d.id.as_str()) {
            return Err(format!("decision id {} is used twice", d.id));
        }
        if d.pattern.trim().is_empty() {
            return Err(format!("decision {} has an empty `match`", d.id));
        }
        for k in d.kinds.iter().flatten() {
            if Kind::parse(k).is_none() {
                return Err(format!("decision {}: unknown kind {k:?}", d.id));
            }
        }
        for c in d.classes.iter().flatten() {
            match Class::parse(c) {
                Some(Class::Gap | Class::OursOnly | Class::Cosmetic) => {}
                _ => {
                    return Err(format!(
                        "decision {}: unknown class {c:?} (gap, ours-only, cosmetic)",
                        d.id
                    ));
                }
            }
        }
    }
    Ok(file.decisions)
}

/// Marks the differences recorded by a decision (the first matching one, in file order);
/// returns the decisions that matched nothing.
pub fn apply(differences: &mut [Difference], decisions: &[Decision]) -> Vec<StaleDecision> {
    let mut used = vec![false; decisions.len()];
    for d in differences.iter_mut() {
        if d.class == Class::Recorded {
            continue;
        }
        if let Some((i, decision)) = decisions.iter().enumerate().find(|(_, x)| x.records(d)) {
            used[i] = true;
            d.class = Class::Recorded;
            d.recorded_by = Some(decision.id.clone());
        }
    }
    decisions
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(d, _)| StaleDecision {
            id: d.id.clone(),
            pattern: d.pattern.clone(),
        })
        .collect()
}

/// Whether `pointer` matches `pattern` (see [`Decision::pattern`]).
pub fn pattern_matches(pattern: &str, pointer: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let seg: Vec<&str> = pointer.split('/').collect();
    segments_match(&pat, &seg)
}

fn segments_match(pat: &[&str], seg: &[&str]) -> bool {
    match pat.split_first() {
        None => seg.is_empty(),
        Some((&"**", rest)) => (0..=seg.len()).any(|i| segments_match(rest, &seg[i..])),
        Some((p, rest)) => match seg.split_first() {
            Some((s, srest)) => segment_matches(p, s) && segments_match(rest, srest),
            None => false,
        },
    }
}

/// One segment: `*` alone matches anything; otherwise `*` matches any run of characters.
fn segment_matches(pattern: &str, segment: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == segment;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !segment.starts_with(first) || segment.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &segment[first.len()..];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(pattern_matches(
            "Device/profile/imei",
            "Device/profile/imei"
        ));
        assert!(!pattern_matches(
            "Device/profile/imei",
            "Device/profile/imeis"
        ));
        assert!(pattern_matches("*/profile/imei", "DeviceList/profile/imei"));
        assert!(!pattern_matches("*/imei", "DeviceList/profile/imei"));
        assert!(pattern_matches("**/imei", "DeviceList/profile/imei"));
        assert!(pattern_matches("Device/**/imei", "Device/imei"));
        assert!(pattern_matches(
            "Device*/status#enum=UNSUSPENDED",
            "DeviceList/status#enum=UNSUSPENDED"
        ));
        assert!(pattern_matches(
            "op:*/parameters/limit",
            "op:listPolicies/parameters/limit"
        ));
        assert!(pattern_matches(
            "Policy[type=Okta:*]",
            "Policy[type=Okta:SignOn]"
        ));
        assert!(pattern_matches(
            "Policy[type=Okta:*]/**",
            "Policy[type=Okta:SignOn]"
        ));
        assert!(!pattern_matches(
            "Policy[type=Okta:*]",
            "PolicyRule[type=Okta:SignOn]"
        ));
        assert!(pattern_matches("a*b*c", "abc") && pattern_matches("a*b*c", "a-b-c"));
        assert!(!pattern_matches("a*b*c", "ac") && !pattern_matches("ab*ba", "aba"));
    }
}
