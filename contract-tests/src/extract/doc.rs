//! Reading a document: headings, code blocks (``` and ~~~ fences, prose `HTTP 200:` lines,
//! and the unfenced layout of scraped pages) and endpoint mentions.

use std::sync::LazyLock;

use regex::Regex;

/// Layout of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown with fenced blocks.
    Markdown,
    /// Plain text scraped from a web page: curl commands, "Response" + JSON, bare JSON.
    Plain,
}

/// A heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1-based line.
    pub line: usize,
    /// Markdown level (1 for plain-text headings).
    pub level: usize,
    /// Text, verbatim.
    pub text: String,
    /// Whether it is a generic label ("Request", "Response Types", …) rather than a title.
    pub generic: bool,
}

/// Syntax of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// A fenced block with its language tag (empty if none).
    Fenced {
        /// Language tag.
        lang: String,
        /// `true` for `~~~`.
        tilde: bool,
    },
    /// `HTTP 200:` prose lines.
    ProseStatus,
    /// Unfenced curl command.
    PlainCurl,
    /// Unfenced response after a "Response" line.
    PlainResponse,
    /// Unfenced status line (+ headers + JSON).
    PlainHttp,
    /// Unfenced JSON value.
    PlainJson,
    /// Unfenced JSON member fragment (`"key": {…}`).
    PlainFragment,
}

impl BlockKind {
    /// Short name used in case files and the manifest.
    pub fn name(&self) -> String {
        match self {
            BlockKind::Fenced { lang, .. } if lang.is_empty() => "text".into(),
            BlockKind::Fenced { lang, .. } => lang.clone(),
            BlockKind::ProseStatus => "prose-status".into(),
            BlockKind::PlainCurl => "plain-curl".into(),
            BlockKind::PlainResponse => "plain-response".into(),
            BlockKind::PlainHttp => "plain-http".into(),
            BlockKind::PlainJson => "plain-json".into(),
            BlockKind::PlainFragment => "plain-fragment".into(),
        }
    }
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// First line (1-based, fence line included).
    pub start: usize,
    /// Last line (1-based, inclusive, fence line included).
    pub end: usize,
    /// Syntax.
    pub kind: BlockKind,
    /// Text without the fence lines.
    pub content: String,
}

impl Block {
    /// `"start-end"`.
    pub fn lines(&self) -> String {
        format!("{}-{}", self.start, self.end)
    }
}

/// A `METHOD /api/...` mention outside blocks (prose, `<ApiOperation>`, URI spans, plain lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// 1-based line.
    pub line: usize,
    /// Upper-case method.
    pub method: String,
    /// Path as written (placeholders kept, may carry a query).
    pub path: String,
}

/// A read document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// File name.
    pub name: String,
    /// Lines (index 0 is line 1).
    pub lines: Vec<String>,
    /// Layout.
    pub format: Format,
    /// Headings in order.
    pub headings: Vec<Heading>,
    /// Blocks in order.
    pub blocks: Vec<Block>,
    /// Endpoint mentions in order.
    pub endpoints: Vec<Endpoint>,
}

/// A structural problem in a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ScanError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

const GENERIC: &[&str] = &[
    "request",
    "response",
    "request example",
    "response example",
    "response types",
    "example request",
    "example response",
    "request parameters",
    "request path parameters",
    "request query parameters",
    "request body",
    "response body",
    "none",
    "permitted oauth 2.0 scopes",
    "error response",
    "error responses",
    "api token request",
    "bearer token request",
];

/// Whether a heading is a generic label rather than a title.
pub fn is_generic(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    GENERIC.contains(&t.as_str()) || t.starts_with("usage example")
}

static HEADING: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^(#{1,6})\s+(.+?)\s*$"));
static PROSE_STATUS: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^HTTP \d+:\s*$"));
static BACKTICK_EP: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"`(GET|POST|PUT|DELETE|PATCH) (/api/[^`\s]*)`"));
static API_OPERATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#"<ApiOperation method="(\w+)" url="([^"]+)""#));
static TAG: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"<[^>]+>"));
static LINE_EP: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*(GET|POST|PUT|DELETE|PATCH)\s+(/api/\S*)\s*$"));
static FRAGMENT: LazyLock<Option<Regex>> = LazyLock::new(|| re(r#"^"[^"]+"\s*:\s*[\{\[]"#));

/// Compiles a constant pattern; `None` (never matching) only if the pattern were invalid,
/// which `patterns_compile` in the unit tests rules out.
fn re(s: &str) -> Option<Regex> {
    Regex::new(s).ok()
}

/// Whether all the scanner's patterns compile (used by tests).
pub fn patterns_compile() -> bool {
    [
        &HEADING,
        &PROSE_STATUS,
        &BACKTICK_EP,
        &API_OPERATION,
        &TAG,
        &LINE_EP,
        &FRAGMENT,
    ]
    .iter()
    .all(|r| r.is_some())
}

impl Doc {
    /// Reads a document from its text.
    pub fn parse(name: &str, text: &str) -> Result<Doc, ScanError> {
        let lines: Vec<String> = text
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        let fenced = lines
            .iter()
            .any(|l| l.starts_with("```") || l.starts_with("~~~"));
        let format = if fenced {
            Format::Markdown
        } else {
            Format::Plain
        };
        let mut doc = Doc {
            name: name.to_string(),
            lines,
            format,
            headings: Vec::new(),
            blocks: Vec::new(),
            endpoints: Vec::new(),
        };
        match format {
            Format::Markdown => doc.scan_markdown()?,
            Format::Plain => doc.scan_plain()?,
        }
        Ok(doc)
    }

    fn scan_markdown(&mut self) -> Result<(), ScanError> {
        let n = self.lines.len();
        let mut i = 0;
        while i < n {
            let line = self.lines[i].clone();
            let fence = if line.starts_with("```") {
                Some(("```", false))
            } else if line.starts_with("~~~") {
                Some(("~~~", true))
            } else {
                None
            };
            if let Some((marker, tilde)) = fence {
                let lang = line[3..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let close =
                    (i + 1..n)
                        .find(|&j| self.lines[j].trim() == marker)
                        .ok_or(ScanError {
                            line: i + 1,
                            message: format!("unclosed {marker} fence"),
                        })?;
                self.blocks.push(Block {
                    start: i + 1,
                    end: close + 1,
                    kind: BlockKind::Fenced { lang, tilde },
                    content: self.lines[i + 1..close].join("\n"),
                });
                i = close + 1;
                continue;
            }
            if let Some(c) = HEADING.as_ref().and_then(|r| r.captures(&line)) {
                let text = c[2].to_string();
                self.headings.push(Heading {
                    line: i + 1,
                    level: c[1].len(),
                    generic: is_generic(&text),
                    text,
                });
            } else if PROSE_STATUS.as_ref().is_some_and(|r| r.is_match(&line)) {
                let mut end = i;
                while end + 1 < n
                    && !self.lines[end + 1].trim().is_empty()
                    && !self.lines[end + 1].starts_with('#')
                {
                    end += 1;
                }
                self.blocks.push(Block {
                    start: i + 1,
                    end: end + 1,
                    kind: BlockKind::ProseStatus,
                    content: self.lines[i..=end].join("\n"),
                });
                i = end + 1;
                continue;
            } else {
                self.scan_endpoints(i, &line);
            }
            i += 1;
        }
        Ok(())
    }

    fn scan_endpoints(&mut self, i: usize, line: &str) {
        let (Some(backtick), Some(api_op), Some(tag), Some(line_ep)) =
            (&*BACKTICK_EP, &*API_OPERATION, &*TAG, &*LINE_EP)
        else {
            return;
        };
        for c in backtick.captures_iter(line) {
            self.endpoints.push(Endpoint {
                line: i + 1,
                method: c[1].to_string(),
                path: c[2].to_string(),
            });
        }
        if let Some(c) = api_op.captures(line) {
            self.endpoints.push(Endpoint {
                line: i + 1,
                method: c[1].to_ascii_uppercase(),
                path: c[2].to_string(),
            });
        }
        let stripped = tag.replace_all(line, "");
        if let Some(c) = line_ep.captures(&stripped) {
            self.endpoints.push(Endpoint {
                line: i + 1,
                method: c[1].to_string(),
                path: c[2].to_string(),
            });
        }
    }

    fn blank(&self, i: usize) -> bool {
        self.lines.get(i).is_none_or(|l| l.trim().is_empty())
    }

    /// Index of the last line of a balanced JSON value starting at line `i` (column of the
    /// first `{`/`[` on that line), or the last non-blank line if the value never closes.
    fn json_end(&self, i: usize) -> usize {
        let mut depth = 0i32;
        let mut started = false;
        let mut in_str = false;
        let mut esc = false;
        for j in i..self.lines.len() {
            for ch in self.lines[j].chars() {
                if in_str {
                    if esc {
                        esc = false;
                    } else if ch == '\\' {
                        esc = true;
                    } else if ch == '"' {
                        in_str = false;
                    }
                    continue;
                }
                match ch {
                    '"' => in_str = true,
                    '{' | '[' => {
                        depth += 1;
                        started = true;
                    }
                    '}' | ']' => depth -= 1,
                    _ => {}
                }
            }
            if started && depth <= 0 {
                return j;
            }
        }
        (i..self.lines.len())
            .rev()
            .find(|&j| !self.blank(j))
            .unwrap_or(i)
    }

    /// Status line + headers + optional JSON body starting at line index `i`; returns the last
    /// line index, or `None` if nothing is there.
    fn response_end(&self, i: usize) -> Option<usize> {
        let n = self.lines.len();
        let mut j = i;
        if j < n && self.lines[j].starts_with("HTTP/") {
            j += 1;
            while j < n && super::http::is_header_line(&self.lines[j]) {
                j += 1;
            }
        }
        let mut k = j;
        while k < n && self.blank(k) {
            k += 1;
        }
        if k < n && (self.lines[k].starts_with('{') || self.lines[k].starts_with('[')) {
            return Some(self.json_end(k));
        }
        if j > i { Some(j - 1) } else { None }
    }

    fn plain_heading(&self, i: usize) -> bool {
        let line = self.lines[i].trim();
        if line.is_empty() || (i > 0 && !self.blank(i - 1)) || !self.blank(i + 1) {
            return false;
        }
        let words = line.split_whitespace().count();
        let first_upper = line.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        let last_ok = !line.ends_with(['.', ':', ',', ';']);
        let chars_ok = !line.contains(['"', '{', '}', '[', ']', '/', '=', '•']);
        words <= 8 && first_upper && last_ok && chars_ok
    }

    fn push_plain(&mut self, start: usize, end: usize, kind: BlockKind) {
        self.blocks.push(Block {
            start: start + 1,
            end: end + 1,
            kind,
            content: self.lines[start..=end].join("\n"),
        });
    }

    fn scan_plain(&mut self) -> Result<(), ScanError> {
        let n = self.lines.len();
        let mut i = 0;
        while i < n {
            let line = self.lines[i].clone();
            if line.starts_with("curl ") {
                let mut end = i;
                while end + 1 < n && self.lines[end].trim_end().ends_with('\\') {
                    end += 1;
                }
                self.push_plain(i, end, BlockKind::PlainCurl);
                i = end + 1;
            } else if line.trim() == "Response" {
                let end = self.response_end(i + 1).ok_or(ScanError {
                    line: i + 1,
                    message: "\"Response\" is followed by neither a status line nor JSON".into(),
                })?;
                let mut start = i + 1;
                while self.blank(start) && start < end {
                    start += 1;
                }
                self.push_plain(start, end, BlockKind::PlainResponse);
                i = end + 1;
            } else if line.starts_with("HTTP/") {
                let end = self.response_end(i).unwrap_or(i);
                self.push_plain(i, end, BlockKind::PlainHttp);
                i = end + 1;
            } else if line.starts_with('{') || line.starts_with('[') {
                let end = self.json_end(i);
                self.push_plain(i, end, BlockKind::PlainJson);
                i = end + 1;
            } else if FRAGMENT.as_ref().is_some_and(|r| r.is_match(&line)) {
                let end = self.json_end(i);
                self.push_plain(i, end, BlockKind::PlainFragment);
                i = end + 1;
            } else {
                if self.plain_heading(i) {
                    self.headings.push(Heading {
                        line: i + 1,
                        level: 1,
                        generic: is_generic(&line),
                        text: line.trim().to_string(),
                    });
                }
                self.scan_endpoints(i, &line);
                i += 1;
            }
        }
        Ok(())
    }

    /// Headings enclosing a line, innermost first (for Markdown: each strictly shallower than
    /// the previous one).
    pub fn heading_path(&self, line: usize) -> Vec<&Heading> {
        let mut out: Vec<&Heading> = Vec::new();
        for h in self.headings.iter().rev().filter(|h| h.line < line) {
            match out.last() {
                None => out.push(h),
                Some(last) if h.level < last.level => out.push(h),
                _ => {}
            }
        }
        out
    }

    /// Nearest heading before a line (generic or not).
    pub fn label(&self, line: usize) -> Option<&Heading> {
        self.headings.iter().rev().find(|h| h.line < line)
    }

    /// Nearest non-generic heading before a line: the section an example sits under.
    pub fn section(&self, line: usize) -> Option<&Heading> {
        self.headings
            .iter()
            .rev()
            .find(|h| h.line < line && !h.generic)
    }

    /// Last endpoint mention before a line.
    pub fn endpoint_before(&self, line: usize) -> Option<&Endpoint> {
        self.endpoints.iter().rev().find(|e| e.line < line)
    }

    /// Text of lines `a..=b` (1-based).
    pub fn text(&self, a: usize, b: usize) -> String {
        let a = a.max(1);
        let b = b.min(self.lines.len());
        if a > b {
            return String::new();
        }
        self.lines[a - 1..b].join("\n")
    }
}
