//! The SCIM filter subset accepted by `GET /api/v1/devices?search=` (doc 002, "List Devices").
//!
//! Grammar (keywords and operators are case-insensitive):
//!
//! ```text
//! filter     := or
//! or         := and ( "or" and )*
//! and        := unary ( "and" unary )*
//! unary      := "not" "(" filter ")" | "(" filter ")" | comparison
//! comparison := path "pr" | path op value
//! op         := eq | ne | sw | ew | co | gt | ge | lt | le
//! value      := "quoted string" | number | true | false | null
//! path       := name ( "." name )*
//! ```
//!
//! String comparisons ignore case. `gt`/`ge`/`lt`/`le` compare instants when both sides are
//! RFC 3339 timestamps, numbers when both are numbers, and strings otherwise. Attribute names
//! are matched case-insensitively; a missing attribute only satisfies `ne` (and `not`).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Why a filter expression was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScimError {
    /// The expression is empty.
    #[error("search expression is empty")]
    Empty,
    /// Parentheses or `not` nested deeper than [`MAX_DEPTH`].
    #[error("search expression nests deeper than {MAX_DEPTH} levels (at offset {0})")]
    TooDeep(usize),
    /// More than [`MAX_TERMS`] comparisons.
    #[error("search expression has more than {MAX_TERMS} comparisons")]
    TooManyTerms,
    /// A quoted string is not closed.
    #[error("unterminated string starting at offset {0}")]
    UnterminatedString(usize),
    /// A character that starts no token.
    #[error("unexpected character '{ch}' at offset {at}")]
    UnexpectedChar {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
    /// A token where another was required.
    #[error("expected {expected} at offset {at}, found {found}")]
    Expected {
        /// What the parser needed.
        expected: &'static str,
        /// What it found.
        found: String,
        /// Byte offset of the token found.
        at: usize,
    },
    /// An operator outside the supported set.
    #[error("unsupported operator '{op}' at offset {at}")]
    UnknownOperator {
        /// The operator text.
        op: String,
        /// Its byte offset.
        at: usize,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Contains.
    Co,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

/// A literal on the right of an operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A quoted string.
    Str(String),
    /// A number.
    Num(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both sides hold.
    And(Box<Filter>, Box<Filter>),
    /// Either side holds.
    Or(Box<Filter>, Box<Filter>),
    /// The inner filter does not hold.
    Not(Box<Filter>),
    /// The attribute is present and not null.
    Present(Vec<String>),
    /// `path op value`.
    Compare(Vec<String>, Op, Literal),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    LParen,
    RParen,
}

fn lex(input: &str) -> Result<Vec<(Tok, usize)>, ScimError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(at, ch)) = chars.peek() {
        match ch {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push((Tok::LParen, at));
            }
            ')' => {
                chars.next();
                out.push((Tok::RParen, at));
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, escaped)) => s.push(escaped),
                            None => break,
                        },
                        other => s.push(other),
                    }
                }
                if !closed {
                    return Err(ScimError::UnterminatedString(at));
                }
                out.push((Tok::Str(s), at));
            }
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '$' | ':') => {
                let mut word = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '$' | ':') {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((Tok::Word(word), at));
            }
            other => return Err(ScimError::UnexpectedChar { ch: other, at }),
        }
    }
    Ok(out)
}

/// The deepest nesting of parentheses and `not` a filter may have (the parser and the matcher
/// recurse once per level; a hostile expression must not exhaust the stack).
pub const MAX_DEPTH: usize = 32;
/// The most comparisons a filter may have (an `and`/`or` chain is a tree as deep as it is long).
pub const MAX_TERMS: usize = 100;

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    depth: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "end of input".to_string(),
            Some(Tok::Word(w)) => format!("'{w}'"),
            Some(Tok::Str(s)) => format!("\"{s}\""),
            Some(Tok::LParen) => "'('".to_string(),
            Some(Tok::RParen) => "')'".to_string(),
        }
    }

    fn expected(&self, expected: &'static str) -> ScimError {
        ScimError::Expected {
            expected,
            found: self.found(),
            at: self.offset(),
        }
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    /// `operand (kw operand)*`, folded to the left with `join`.
    fn chain(
        &mut self,
        kw: &str,
        operand: fn(&mut Self) -> Result<Filter, ScimError>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, ScimError> {
        let mut left = operand(self)?;
        while self.keyword(kw) {
            self.pos += 1;
            let right = operand(self)?;
            left = join(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        self.chain("or", Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        self.chain("and", Self::unary, Filter::And)
    }

    fn group(&mut self) -> Result<Filter, ScimError> {
        if self.peek() != Some(&Tok::LParen) {
            return Err(self.expected("'('"));
        }
        if self.depth >= MAX_DEPTH {
            return Err(ScimError::TooDeep(self.offset()));
        }
        self.pos += 1;
        self.depth += 1;
        let inner = self.or()?;
        self.depth -= 1;
        if self.peek() != Some(&Tok::RParen) {
            return Err(self.expected("')'"));
        }
        self.pos += 1;
        Ok(inner)
    }

    fn unary(&mut self) -> Result<Filter, ScimError> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            return self.group();
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, ScimError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(ScimError::TooManyTerms);
        }
        let path = match self.peek() {
            Some(Tok::Word(w)) if is_path(w) => w.split('.').map(str::to_string).collect(),
            _ => return Err(self.expected("attribute path")),
        };
        self.pos += 1;
        let at = self.offset();
        let op_text = match self.peek() {
            Some(Tok::Word(w)) => w.to_ascii_lowercase(),
            _ => return Err(self.expected("operator")),
        };
        self.pos += 1;
        let op = match op_text.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "co" => Op::Co,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return Err(ScimError::UnknownOperator { op: op_text, at }),
        };
        let literal = match self.peek() {
            Some(Tok::Str(s)) => Literal::Str(s.clone()),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Literal::Null,
            Some(Tok::Word(w)) => match w.parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Num(n),
                _ => return Err(self.expected("quoted string, number, true, false or null")),
            },
            _ => return Err(self.expected("quoted string, number, true, false or null")),
        };
        self.pos += 1;
        Ok(Filter::Compare(path, op, literal))
    }
}

fn is_path(word: &str) -> bool {
    word.split('.').all(|seg| {
        let mut chars = seg.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }) && !is_keyword(word)
}

fn is_keyword(word: &str) -> bool {
    ["and", "or", "not"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// Parses a filter expression (already URL-decoded).
pub fn parse(input: &str) -> Result<Filter, ScimError> {
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(ScimError::Empty);
    }
    let mut parser = Parser {
        toks,
        pos: 0,
        end: input.len(),
        depth: 0,
        terms: 0,
    };
    let filter = parser.or()?;
    if parser.pos < parser.toks.len() {
        return Err(parser.expected("'and', 'or' or end of input"));
    }
    Ok(filter)
}

fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn lookup<'a>(root: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(field(root, first)?, |current, segment| {
            field(current.as_object()?, segment)
        })
}

/// The instant an RFC 3339 text names (comparisons treat such texts as instants).
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn order(actual: &Value, literal: &Literal) -> Option<Ordering> {
    match (actual, literal) {
        (Value::String(a), Literal::Str(b)) => match (parse_instant(a), parse_instant(b)) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        },
        (Value::Number(a), Literal::Num(b)) => a.as_f64().and_then(|a| a.partial_cmp(b)),
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::Null, Literal::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

fn compare(actual: Option<&Value>, op: Op, literal: &Literal) -> bool {
    let actual = actual.unwrap_or(&Value::Null);
    match op {
        Op::Eq => order(actual, literal) == Some(Ordering::Equal),
        Op::Ne => order(actual, literal) != Some(Ordering::Equal),
        Op::Sw | Op::Ew | Op::Co => match (actual, literal) {
            (Value::String(a), Literal::Str(b)) => {
                let (a, b) = (a.to_lowercase(), b.to_lowercase());
                match op {
                    Op::Sw => a.starts_with(&b),
                    Op::Ew => a.ends_with(&b),
                    _ => a.contains(&b),
                }
            }
            _ => false,
        },
        Op::Gt => order(actual, literal) == Some(Ordering::Greater),
        Op::Ge => matches!(
            order(actual, literal),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        Op::Lt => order(actual, literal) == Some(Ordering::Less),
        Op::Le => matches!(
            order(actual, literal),
            Some(Ordering::Less | Ordering::Equal)
        ),
    }
}

impl Filter {
    /// The comparisons every match must satisfy at attribute `path` (`["profile",
    /// "platform"]`, names compared without case): the filter's own when it is one, and those of
    /// both sides of an `and`, at any depth. Nothing under `or` or `not` is required.
    pub fn required_comparisons(&self, attribute: &[&str]) -> Vec<(Op, &Literal)> {
        let mut found = Vec::new();
        self.collect_required(attribute, &mut found);
        found
    }

    fn collect_required<'a>(&'a self, attribute: &[&str], found: &mut Vec<(Op, &'a Literal)>) {
        match self {
            Self::And(a, b) => {
                a.collect_required(attribute, found);
                b.collect_required(attribute, found);
            }
            Self::Compare(path, op, literal)
                if path.len() == attribute.len()
                    && path
                        .iter()
                        .zip(attribute)
                        .all(|(name, want)| name.eq_ignore_ascii_case(want)) =>
            {
                found.push((*op, literal));
            }
            _ => {}
        }
    }

    /// Whether the JSON object `object` satisfies the filter.
    pub fn matches(&self, object: &Map<String, Value>) -> bool {
        match self {
            Self::And(a, b) => a.matches(object) && b.matches(object),
            Self::Or(a, b) => a.matches(object) || b.matches(object),
            Self::Not(inner) => !inner.matches(object),
            Self::Present(path) => lookup(object, path).is_some_and(|v| !v.is_null()),
            Self::Compare(path, op, literal) => compare(lookup(object, path), *op, literal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_comparisons_are_those_under_and_only() {
        let status = |expr: &str| {
            let filter = parse(expr).expect("parses");
            let found: Vec<(Op, Literal)> = filter
                .required_comparisons(&["status"])
                .into_iter()
                .map(|(op, literal)| (op, literal.clone()))
                .collect();
            found
        };
        let platform = |expr: &str| {
            parse(expr)
                .expect("parses")
                .required_comparisons(&["profile", "platform"])
                .len()
        };
        let text = |s: &str| Literal::Str(s.into());
        assert_eq!(platform("status pr and PROFILE.Platform eq \"Windows\""), 1);
        assert_eq!(platform("platform eq \"WINDOWS\""), 0);
        assert_eq!(platform("profile.platform.x eq \"WINDOWS\""), 0);
        assert_eq!(
            status("STATUS eq \"Active\""),
            vec![(Op::Eq, text("Active"))]
        );
        assert_eq!(
            status("status sw \"A\" and (id pr and status ne \"ACTIVE\")"),
            vec![(Op::Sw, text("A")), (Op::Ne, text("ACTIVE"))]
        );
        assert_eq!(
            status("status eq true"),
            vec![(Op::Eq, Literal::Bool(true))]
        );
        for none in [
            "status eq \"ACTIVE\" or id pr",
            "not (status eq \"ACTIVE\")",
            "profile.status eq \"ACTIVE\"",
            "status pr",
        ] {
            assert_eq!(status(none), vec![], "{none}");
        }
    }

    fn device() -> Map<String, Value> {
        let value = json!({
            "id": "guo4a5u7JHHhjXrMK0g4",
            "status": "ACTIVE",
            "lastUpdated": "2019-10-02T18:03:07.000Z",
            "profile": {
                "displayName": "Eng-dev-macbookpro15",
                "platform": "MACOS",
                "sid": null,
                "registered": true,
                "osVersion": "14.5.0"
            },
            "count": 3
        });
        match value {
            Value::Object(map) => map,
            _ => panic!("object literal"),
        }
    }

    fn eval(expr: &str) -> bool {
        match parse(expr) {
            Ok(f) => f.matches(&device()),
            Err(e) => panic!("{expr}: {e}"),
        }
    }

    #[test]
    fn documented_examples() {
        assert!(eval(r#"status eq "ACTIVE""#));
        assert!(eval(r#"lastUpdated gt "2019-06-01T09:00:00.000Z""#));
        assert!(eval(r#"id eq "guo4a5u7JHHhjXrMK0g4""#));
        assert!(eval(r#"profile.platform eq "MACOS""#));
        assert!(!eval(r#"profile.platform eq "WINDOWS""#));
        assert!(eval(
            r#"profile.displayName sw "Eng-dev" and status eq "ACTIVE""#
        ));
    }

    #[test]
    fn case_insensitive_operators_values_and_names() {
        assert!(eval(r#"STATUS EQ "active""#));
        assert!(eval(r#"profile.DISPLAYNAME Sw "eng-DEV""#));
        assert!(eval(r#"status eq "x" OR profile.platform eq "macos""#));
    }

    #[test]
    fn timestamps_compare_as_instants() {
        assert!(!eval(r#"lastUpdated lt "2019-10-02T20:03:07+02:00""#));
        assert!(eval(r#"lastUpdated le "2019-10-02T18:03:07Z""#));
        assert!(eval(r#"lastUpdated ge "2019-10-02T18:03:07.000Z""#));
        assert!(!eval(r#"lastUpdated gt "2019-10-02T18:03:07.000Z""#));
        assert!(eval(r#"lastUpdated lt "2020-01-01T00:00:00.000Z""#));
    }

    #[test]
    fn precedence_parentheses_and_not() {
        // and binds tighter than or
        assert!(eval(
            r#"status eq "X" and id eq "nope" or profile.platform eq "MACOS""#
        ));
        assert!(!eval(
            r#"status eq "X" and (id eq "nope" or profile.platform eq "MACOS")"#
        ));
        assert!(eval(r#"not (status eq "SUSPENDED")"#));
    }

    #[test]
    fn other_operators_and_literals() {
        assert!(eval(r#"profile.displayName co "BOOK""#));
        assert!(eval(r#"profile.displayName ew "pro15""#));
        assert!(eval(r#"profile.registered eq true"#));
        assert!(eval(r#"count gt 2"#));
        assert!(eval(r#"profile.sid eq null"#));
        assert!(!eval(r#"profile.sid pr"#));
        assert!(eval(r#"profile.platform pr"#));
        assert!(eval(r#"profile.missing ne "x""#));
        assert!(!eval(r#"profile.missing eq "x""#));
        assert!(eval(
            r#"profile.displayName eq "Say \"hi\"" or status eq "ACTIVE""#
        ));
    }

    #[test]
    fn hostile_nesting_and_chains_are_refused_without_recursing_away() {
        let deep = format!(
            "{}status eq \"ACTIVE\"{}",
            "(".repeat(3000),
            ")".repeat(3000)
        );
        assert!(matches!(parse(&deep), Err(ScimError::TooDeep(_))));
        let nots = "not (".repeat(3000) + "status pr" + &")".repeat(3000);
        assert!(matches!(parse(&nots), Err(ScimError::TooDeep(_))));
        let chain = vec!["status pr"; 5000].join(" and ");
        assert!(matches!(parse(&chain), Err(ScimError::TooManyTerms)));
        let fine = format!(
            "{}status pr{}",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert!(parse(&fine).is_ok());
        assert!(parse(&vec!["status pr"; MAX_TERMS].join(" or ")).is_ok());
    }

    #[test]
    fn malformed_expressions_are_rejected() {
        assert_eq!(parse("   "), Err(ScimError::Empty));
        assert!(matches!(
            parse(r#"status eq "ACTIVE"#),
            Err(ScimError::UnterminatedString(10))
        ));
        assert!(matches!(
            parse(r#"status like "A""#),
            Err(ScimError::UnknownOperator { .. })
        ));
        assert!(matches!(
            parse(r#"status eq"#),
            Err(ScimError::Expected { .. })
        ));
        assert!(matches!(
            parse(r#"status eq ACTIVE"#),
            Err(ScimError::Expected { .. })
        ));
        assert!(matches!(
            parse(r#"(status eq "A""#),
            Err(ScimError::Expected { .. })
        ));
        assert!(matches!(
            parse(r#"status eq "A" status eq "B""#),
            Err(ScimError::Expected { .. })
        ));
        assert!(matches!(
            parse(r#"status eq "A" & x"#),
            Err(ScimError::UnexpectedChar { ch: '&', .. })
        ));
        assert!(matches!(
            parse(r#"and eq "A""#),
            Err(ScimError::Expected { .. })
        ));
    }
}

#[cfg(test)]
#[path = "scim_fuzz.rs"]
mod fuzz;
