//! JSON blocks (whole values and `"key": value` member fragments) and the lints that catch
//! documented defects (unknown status values, quoted numbers and booleans, placeholder keys,
//! malformed links).

use serde_json::Value;

/// A parsed JSON block.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBlock {
    /// The value; a fragment `"k": v` is returned as the object `{"k": v}`.
    pub value: Value,
    /// Member name when the block is a fragment.
    pub fragment: Option<String>,
}

/// Whether the text is a member fragment (`"key": …`) rather than a JSON value.
pub fn is_fragment(text: &str) -> bool {
    text.trim_start().starts_with('"')
}

/// Parses a JSON block; a member fragment is wrapped in braces first (errors then report
/// line numbers of the wrapped text, one more than the block's).
pub fn parse_json_block(text: &str) -> Result<JsonBlock, serde_json::Error> {
    if is_fragment(text) {
        let wrapped = format!("{{\n{text}\n}}");
        let value: Value = serde_json::from_str(&wrapped)?;
        let fragment = value.as_object().and_then(|o| o.keys().next().cloned());
        Ok(JsonBlock { value, fragment })
    } else {
        Ok(JsonBlock {
            value: serde_json::from_str(text)?,
            fragment: None,
        })
    }
}

/// Status values known across policies, rules, mappings, users and devices.
pub const KNOWN_STATUSES: &[&str] = &[
    "ACTIVE",
    "INACTIVE",
    "CREATED",
    "SUSPENDED",
    "DEACTIVATED",
    "UNSUSPENDED",
    "DELETED",
];

/// Members that are booleans in the API.
pub const BOOLEAN_KEYS: &[&str] = &[
    "registered",
    "managed",
    "system",
    "default",
    "required",
    "secureHardwarePresent",
    "sensitive",
];

/// Members that are integers in the API.
pub const INTEGER_KEYS: &[&str] = &["priority"];

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lint {
    /// JSON pointer of the offending value.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Whether an `href` is `scheme://host-or-placeholder[:port]/…`.
pub fn href_ok(href: &str) -> bool {
    let Some(rest) = href
        .strip_prefix("https://")
        .or_else(|| href.strip_prefix("http://"))
    else {
        return false;
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host_ok = |h: &str| {
        super::ops::placeholder_name(h).is_some()
            || (!h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
    };
    match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            host_ok(h)
        }
        _ => host_ok(host),
    }
}

/// Lints a JSON value.
pub fn lint(value: &Value) -> Vec<Lint> {
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

fn walk(value: &Value, ptr: &str, out: &mut Vec<Lint>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{ptr}/{}", escape(k));
                if k.strip_prefix("property")
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                {
                    out.push(Lint {
                        pointer: p.clone(),
                        message: format!("placeholder member {k:?}"),
                    });
                }
                match (k.as_str(), v) {
                    ("status", Value::String(s)) if !KNOWN_STATUSES.contains(&s.as_str()) => out
                        .push(Lint {
                            pointer: p.clone(),
                            message: format!("unknown status {s:?}"),
                        }),
                    ("href", Value::String(s)) if !href_ok(s) => out.push(Lint {
                        pointer: p.clone(),
                        message: format!("malformed link {s:?}"),
                    }),
                    (key, v) if BOOLEAN_KEYS.contains(&key) && !(v.is_boolean() || v.is_null()) => {
                        out.push(Lint {
                            pointer: p.clone(),
                            message: format!("{key} must be a boolean, found {v}"),
                        })
                    }
                    (key, v)
                        if INTEGER_KEYS.contains(&key)
                            && !(v.is_i64() || v.is_u64() || v.is_null()) =>
                    {
                        out.push(Lint {
                            pointer: p.clone(),
                            message: format!("{key} must be an integer, found {v}"),
                        })
                    }
                    (_, Value::String(s)) if s == "string" => out.push(Lint {
                        pointer: p.clone(),
                        message: "placeholder value \"string\"".into(),
                    }),
                    _ => {}
                }
                walk(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{ptr}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every string inside a value (for placeholder discovery).
pub fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}
