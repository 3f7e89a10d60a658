//! Classes and kinds of differences, and merging the same difference found through several
//! operations.

use std::collections::BTreeMap;

use serde::Serialize;

/// How much a difference matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Upstream declares what ours lacks or contradicts.
    Gap,
    /// A gap or ours-only difference kept on purpose (see `recorded_by`).
    Recorded,
    /// Ours declares what upstream does not.
    OursOnly,
    /// No change on the wire (format, constraints, readOnly, nullable, descriptions, names).
    Cosmetic,
}

impl Class {
    /// `gap`, `recorded`, `ours-only`, `cosmetic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Gap => "gap",
            Class::Recorded => "recorded",
            Class::OursOnly => "ours-only",
            Class::Cosmetic => "cosmetic",
        }
    }

    /// Parses `gap`, `ours-only` (or `ours_only`), `cosmetic`.
    pub fn parse(text: &str) -> Option<Class> {
        match text {
            "gap" => Some(Class::Gap),
            "ours-only" | "ours_only" => Some(Class::OursOnly),
            "cosmetic" => Some(Class::Cosmetic),
            "recorded" => Some(Class::Recorded),
            _ => None,
        }
    }
}

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An operation of one spec only.
    MissingOperation,
    /// An operation only ours has.
    ExtraOperation,
    /// Same operationId, different method or path.
    MethodPath,
    /// A parameter only upstream has.
    MissingParameter,
    /// A parameter only ours has.
    ExtraParameter,
    /// A status code only upstream has.
    MissingStatus,
    /// A status code only ours has.
    ExtraStatus,
    /// An OAuth scope only upstream requires.
    MissingScope,
    /// An OAuth scope only ours lists.
    ExtraScope,
    /// `deprecated` differs.
    Deprecated,
    /// A request body (or success response body) only one side has, or array vs object.
    Body,
    /// A property only upstream has.
    MissingProperty,
    /// A property only ours has.
    ExtraProperty,
    /// A branch of a union only upstream has.
    MissingBranch,
    /// A branch only ours has.
    ExtraBranch,
    /// An enum value only upstream has.
    MissingEnum,
    /// An enum value only ours has.
    ExtraEnum,
    /// One side has an enum, the other a free value.
    EnumPresence,
    /// Different `type`.
    Type,
    /// Required upstream, optional ours (or the other way).
    Required,
    /// Different `format`.
    Format,
    /// Different length/range/pattern constraint.
    Constraint,
    /// Different `readOnly`.
    ReadOnly,
    /// Different `nullable`.
    Nullable,
    /// A description on one side only.
    Description,
    /// Different component schema names.
    SchemaName,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 26] = [
        Kind::MissingOperation,
        Kind::ExtraOperation,
        Kind::MethodPath,
        Kind::MissingParameter,
        Kind::ExtraParameter,
        Kind::MissingStatus,
        Kind::ExtraStatus,
        Kind::MissingScope,
        Kind::ExtraScope,
        Kind::Deprecated,
        Kind::Body,
        Kind::MissingProperty,
        Kind::ExtraProperty,
        Kind::MissingBranch,
        Kind::ExtraBranch,
        Kind::MissingEnum,
        Kind::ExtraEnum,
        Kind::EnumPresence,
        Kind::Type,
        Kind::Required,
        Kind::Format,
        Kind::Constraint,
        Kind::ReadOnly,
        Kind::Nullable,
        Kind::Description,
        Kind::SchemaName,
    ];

    /// Parses a kebab-case name.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MissingOperation => "missing-operation",
            Kind::ExtraOperation => "extra-operation",
            Kind::MethodPath => "method-path",
            Kind::MissingParameter => "missing-parameter",
            Kind::ExtraParameter => "extra-parameter",
            Kind::MissingStatus => "missing-status",
            Kind::ExtraStatus => "extra-status",
            Kind::MissingScope => "missing-scope",
            Kind::ExtraScope => "extra-scope",
            Kind::Deprecated => "deprecated",
            Kind::Body => "body",
            Kind::MissingProperty => "missing-property",
            Kind::ExtraProperty => "extra-property",
            Kind::MissingBranch => "missing-branch",
            Kind::ExtraBranch => "extra-branch",
            Kind::MissingEnum => "missing-enum",
            Kind::ExtraEnum => "extra-enum",
            Kind::EnumPresence => "enum-presence",
            Kind::Type => "type",
            Kind::Required => "required",
            Kind::Format => "format",
            Kind::Constraint => "constraint",
            Kind::ReadOnly => "read-only",
            Kind::Nullable => "nullable",
            Kind::Description => "description",
            Kind::SchemaName => "schema-name",
        }
    }
}

/// A difference found through one operation, before merging and decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDiff {
    /// gap, ours-only or cosmetic.
    pub class: Class,
    /// What differs.
    pub kind: Kind,
    /// Where (see the module docs for the syntax).
    pub pointer: String,
    /// What upstream says, if anything.
    pub upstream: Option<String>,
    /// What ours says, if anything.
    pub ours: Option<String>,
    /// The operationId it was found through.
    pub operation: String,
}

/// Where the differences found through one operation go.
#[derive(Debug)]
pub struct Findings<'o> {
    /// The operationId they are found through.
    pub operation: &'o str,
    /// The list they are added to.
    pub out: &'o mut Vec<RawDiff>,
}

impl Findings<'_> {
    /// Adds one difference found through the operation.
    pub fn push(
        &mut self,
        class: Class,
        kind: Kind,
        pointer: String,
        upstream: Option<String>,
        ours: Option<String>,
    ) {
        self.out.push(RawDiff {
            class,
            kind,
            pointer,
            upstream,
            ours,
            operation: self.operation.to_owned(),
        });
    }

    /// Adds a gap: only upstream has `what` at `pointer`.
    pub fn upstream_only(&mut self, kind: Kind, pointer: String, what: String) {
        self.push(Class::Gap, kind, pointer, Some(what), None);
    }

    /// Adds an ours-only difference: only ours has `what` at `pointer`.
    pub fn ours_only(&mut self, kind: Kind, pointer: String, what: String) {
        self.push(Class::OursOnly, kind, pointer, None, Some(what));
    }
}

/// A difference, merged over operations, after decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Final class (`recorded` when a decision matched).
    pub class: Class,
    /// The class before the decision (equal to `class` when not recorded).
    pub underlying: Class,
    /// The decision id that recorded it.
    pub recorded_by: Option<String>,
    /// What differs.
    pub kind: Kind,
    /// Where.
    pub pointer: String,
    /// What upstream says.
    pub upstream: Option<String>,
    /// What ours says.
    pub ours: Option<String>,
    /// The operations it was found through, sorted.
    pub operations: Vec<String>,
}

impl Difference {
    /// `gap`, `ours-only`, `cosmetic` or `recorded (gap)`.
    pub fn class_label(&self) -> String {
        if self.class == Class::Recorded {
            format!("recorded ({})", self.underlying.as_str())
        } else {
            self.class.as_str().to_owned()
        }
    }
}

/// Merges raw differences with the same class, kind, pointer and values into one with the list
/// of operations; sorted by class, then pointer.
pub fn merge(raw: Vec<RawDiff>) -> Vec<Difference> {
    type Key = (Class, String, Kind, Option<String>, Option<String>);
    let mut merged: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for d in raw {
        let ops = merged
            .entry((d.class, d.pointer, d.kind, d.upstream, d.ours))
            .or_default();
        if !ops.contains(&d.operation) {
            ops.push(d.operation);
        }
    }
    merged
        .into_iter()
        .map(|((class, pointer, kind, upstream, ours), mut operations)| {
            operations.sort();
            Difference {
                class,
                underlying: class,
                recorded_by: None,
                kind,
                pointer,
                upstream,
                ours,
                operations,
            }
        })
        .collect()
}
