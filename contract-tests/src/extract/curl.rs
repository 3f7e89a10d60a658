//! A small POSIX-shell word splitter and a parser for the `curl` commands of the documents.

use crate::corpus::Header;

/// Why a command could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurlError {
    /// A quote is opened and never closed.
    #[error("unterminated {0} quote")]
    Unterminated(char),
    /// A backtick outside single quotes (shell command substitution).
    #[error("backtick command substitution at byte {0}")]
    Backtick(usize),
    /// The command is not a `curl` invocation.
    #[error("not a curl command")]
    NotCurl,
    /// An option this parser does not know.
    #[error("unknown curl option {0}")]
    UnknownOption(String),
    /// An option lacks its argument.
    #[error("option {0} needs an argument")]
    MissingArgument(String),
    /// No URL argument.
    #[error("no URL")]
    MissingUrl,
    /// More than one URL argument.
    #[error("unexpected argument {0}")]
    UnexpectedArgument(String),
    /// A header argument without `:`.
    #[error("malformed header {0}")]
    BadHeader(String),
}

/// A parsed `curl` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    /// Method (`-X`, else POST with `-d`, else GET).
    pub method: String,
    /// The URL argument, as written (placeholders kept).
    pub url: String,
    /// `-H` headers in order.
    pub headers: Vec<Header>,
    /// `-d` payload.
    pub data: Option<String>,
}

/// Splits shell text into words: quotes, backslash escapes and line continuations as in
/// POSIX `sh`; `$` expansions are kept literally; backticks are rejected.
pub fn tokenize(text: &str) -> Result<Vec<String>, CurlError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut it = text.char_indices().peekable();
    while let Some((pos, c)) = it.next() {
        match c {
            '\\' => match it.next() {
                Some((_, '\n')) => {}
                Some((_, n)) => {
                    cur.push(n);
                    in_word = true;
                }
                None => {}
            },
            '\'' => {
                in_word = true;
                loop {
                    match it.next() {
                        Some((_, '\'')) => break,
                        Some((_, ch)) => cur.push(ch),
                        None => return Err(CurlError::Unterminated('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match it.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match it.next() {
                            Some((_, '\n')) => {}
                            Some((_, n @ ('"' | '\\' | '$' | '`'))) => cur.push(n),
                            Some((_, n)) => {
                                cur.push('\\');
                                cur.push(n);
                            }
                            None => return Err(CurlError::Unterminated('"')),
                        },
                        Some((p, '`')) => return Err(CurlError::Backtick(p)),
                        Some((_, ch)) => cur.push(ch),
                        None => return Err(CurlError::Unterminated('"')),
                    }
                }
            }
            '`' => return Err(CurlError::Backtick(pos)),
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Parses a `curl` command as written in the documents.
pub fn parse_curl(text: &str) -> Result<Curl, CurlError> {
    let words = tokenize(text)?;
    let mut it = words.into_iter();
    if it.next().as_deref() != Some("curl") {
        return Err(CurlError::NotCurl);
    }
    let mut method = None;
    let mut url = None;
    let mut headers = Vec::new();
    let mut data = None;
    while let Some(w) = it.next() {
        match w.as_str() {
            "-v" | "-i" | "-s" | "--verbose" | "--include" | "--silent" => {}
            "-X" | "--request" => {
                method = Some(
                    it.next()
                        .ok_or_else(|| CurlError::MissingArgument(w.clone()))?,
                );
            }
            "-H" | "--header" => {
                let h = it
                    .next()
                    .ok_or_else(|| CurlError::MissingArgument(w.clone()))?;
                let (name, value) = h
                    .split_once(':')
                    .ok_or_else(|| CurlError::BadHeader(h.clone()))?;
                headers.push(Header {
                    name: name.trim().to_string(),
                    value: value.trim().to_string(),
                });
            }
            "-d" | "--data" | "--data-raw" => {
                data = Some(
                    it.next()
                        .ok_or_else(|| CurlError::MissingArgument(w.clone()))?,
                );
            }
            s if s.starts_with('-') => return Err(CurlError::UnknownOption(w)),
            _ => {
                if url.is_some() {
                    return Err(CurlError::UnexpectedArgument(w));
                }
                url = Some(w);
            }
        }
    }
    let url = url.ok_or(CurlError::MissingUrl)?;
    let method = method.unwrap_or_else(|| {
        if data.is_some() {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    Ok(Curl {
        method: method.to_ascii_uppercase(),
        url,
        headers,
        data,
    })
}
