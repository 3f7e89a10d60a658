//! HTTP status lines, raw responses (status + headers + JSON) and prose status descriptions.

use crate::corpus::Header;

/// Why HTTP text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// Not `HTTP/<version> <3-digit code> <reason>`.
    #[error("not a valid status line: {0:?}")]
    StatusLine(String),
    /// The reason phrase does not belong to the code.
    #[error("reason phrase {reason:?} does not match status {code} (expected {expected:?})")]
    Reason {
        /// The code.
        code: u16,
        /// The documented phrase.
        reason: String,
        /// The standard phrase.
        expected: String,
    },
    /// A prose status description that cannot be read.
    #[error("unreadable prose status: {0:?}")]
    Prose(String),
}

/// A parsed status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// `1.1`.
    pub version: String,
    /// Status code.
    pub code: u16,
    /// Reason phrase as written.
    pub reason: String,
}

/// Standard reason phrase of a status code, for the codes the documents use.
pub fn reason_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => return None,
    })
}

/// Parses `HTTP/1.1 204 No Content`: a 3-digit code in 100..=599 and, for known codes, the
/// standard reason phrase.
pub fn parse_status_line(line: &str) -> Result<StatusLine, HttpError> {
    let bad = || HttpError::StatusLine(line.to_string());
    let rest = line.trim().strip_prefix("HTTP/").ok_or_else(bad)?;
    let (version, rest) = rest.split_once(' ').ok_or_else(bad)?;
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let (code_text, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    if code_text.len() != 3 || !code_text.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let code: u16 = code_text.parse().map_err(|_| bad())?;
    if !(100..=599).contains(&code) {
        return Err(bad());
    }
    let reason = reason.trim().to_string();
    if let Some(expected) = reason_phrase(code)
        && !reason.eq_ignore_ascii_case(expected)
    {
        return Err(HttpError::Reason {
            code,
            reason,
            expected: expected.to_string(),
        });
    }
    Ok(StatusLine {
        version: version.to_string(),
        code,
        reason,
    })
}

/// A raw response: optional status line, headers, optional body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The status line, when shown.
    pub status: Option<StatusLine>,
    /// Headers in order.
    pub headers: Vec<Header>,
    /// Body text (JSON), when shown.
    pub body: Option<String>,
}

/// Whether a line looks like an HTTP header (`Name: value`).
pub fn is_header_line(line: &str) -> bool {
    match line.split_once(':') {
        Some((name, value)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && value.starts_with(' ')
        }
        None => false,
    }
}

/// Splits a documented response into status line, headers and body.
pub fn split_response(text: &str) -> Result<RawResponse, HttpError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut status = None;
    let mut headers = Vec::new();
    if lines
        .first()
        .is_some_and(|l| l.trim_start().starts_with("HTTP/"))
    {
        status = Some(parse_status_line(lines[0])?);
        i = 1;
        while i < lines.len() && is_header_line(lines[i]) {
            if let Some((n, v)) = lines[i].split_once(':') {
                headers.push(Header {
                    name: n.trim().to_string(),
                    value: v.trim().to_string(),
                });
            }
            i += 1;
        }
    }
    let rest = lines[i.min(lines.len())..].join("\n");
    let body = if rest.trim().is_empty() {
        None
    } else {
        Some(rest)
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

/// One `HTTP 200:` entry of a prose "Response Types" description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseStatus {
    /// Status code.
    pub code: u16,
    /// Schema named by the description (`Policy`, `PolicyRule`; `[]` appended for arrays).
    pub schema: Option<String>,
    /// Whether the description says there is no content.
    pub no_content: bool,
}

/// Schema name of a prose object link anchor.
fn anchor_schema(anchor: &str) -> Option<&'static str> {
    Some(match anchor {
        "PolicyObject" => "Policy",
        "RulesObject" => "PolicyRule",
        _ => return None,
    })
}

/// Parses `HTTP 200:` lines, each followed by a description line
/// (`<a href="#PolicyObject">Policy Object</a>`, `Array of <a …>`, `*No Content*`).
pub fn parse_prose_status(text: &str) -> Result<Vec<ProseStatus>, HttpError> {
    let mut out: Vec<ProseStatus> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(code) = t.strip_prefix("HTTP ").and_then(|r| r.strip_suffix(':')) {
            let code = code
                .parse::<u16>()
                .ok()
                .filter(|c| (100..=599).contains(c) && code.len() == 3)
                .ok_or_else(|| HttpError::Prose(t.to_string()))?;
            out.push(ProseStatus {
                code,
                schema: None,
                no_content: false,
            });
            continue;
        }
        let entry = out
            .last_mut()
            .ok_or_else(|| HttpError::Prose(t.to_string()))?;
        if t.to_ascii_lowercase().contains("no content") {
            entry.no_content = true;
        } else if let Some(start) = t.find("href=\"#") {
            let anchor: String = t[start + 7..].chars().take_while(|c| *c != '"').collect();
            let schema = anchor_schema(&anchor).ok_or_else(|| HttpError::Prose(t.to_string()))?;
            let array = t.starts_with("Array of");
            entry.schema = Some(if array {
                format!("{schema}[]")
            } else {
                schema.to_string()
            });
        } else {
            return Err(HttpError::Prose(t.to_string()));
        }
    }
    if out.is_empty() {
        return Err(HttpError::Prose(text.to_string()));
    }
    Ok(out)
}
