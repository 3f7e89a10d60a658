//! `Link` response header parsing (RFC 8288 subset) for Okta pagination.
//!
//! Okta sends one `Link` header line per relation (`self`, `next`), but proxies may join
//! them into one comma-separated line; both forms are read. Targets are kept opaque: the
//! `after` cursor is exposed for information only, and pagination follows the URL as sent.
//!
//! Malformed entries are skipped and counted in [`Links::malformed`], so a caller can tell
//! "no next page" from "a next page we could not read".

use reqwest::header::HeaderMap;
use url::Url;

/// One parsed link: a target and its relation types.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Link {
    /// The target between `<` and `>`, exactly as sent.
    pub target: String,
    /// The relation types of the first `rel` parameter, lower-cased.
    pub rels: Vec<String>,
}

impl Link {
    /// Whether this link has the given relation type (case-insensitive).
    pub fn has_rel(&self, rel: &str) -> bool {
        self.rels.iter().any(|r| r.eq_ignore_ascii_case(rel))
    }
}

/// All links of a response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Links {
    /// The well-formed links, in header order.
    pub links: Vec<Link>,
    /// How many entries could not be parsed and were skipped.
    pub malformed: usize,
}

impl Links {
    /// Parses every `Link` header line of `headers`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut out = Links::default();
        for value in headers.get_all(reqwest::header::LINK) {
            match value.to_str() {
                Ok(text) => out.extend(parse(text)),
                Err(_) => out.malformed += 1,
            }
        }
        out
    }

    fn extend(&mut self, other: Links) {
        self.links.extend(other.links);
        self.malformed += other.malformed;
    }

    /// The first link with relation `rel`.
    pub fn find(&self, rel: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.has_rel(rel))
    }

    /// The `rel="next"` link resolved against `base` (the URL of the page that carried it).
    /// `Err` when the target is not a valid URL reference.
    pub fn next(&self, base: &Url) -> Option<Result<NextLink, url::ParseError>> {
        let link = self.find("next")?;
        Some(base.join(&link.target).map(NextLink::new))
    }
}

/// The URL of the next page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NextLink {
    /// The absolute URL to fetch, kept verbatim.
    pub url: Url,
    /// The `after` query parameter of `url`, if any (informational; treat as opaque).
    pub after: Option<String>,
}

impl NextLink {
    fn new(url: Url) -> Self {
        let after = url
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map(|(_, v)| v.into_owned());
        Self { url, after }
    }
}

/// Parses one `Link` header value (which may hold several comma-separated links).
pub fn parse(value: &str) -> Links {
    let mut out = Links::default();
    let mut p = Parser {
        s: value.as_bytes(),
        i: 0,
    };
    loop {
        p.skip_ws_and_commas();
        if p.at_end() {
            break;
        }
        match p.link() {
            Some(link) => out.links.push(link),
            None => {
                out.malformed += 1;
                p.skip_to_next_entry();
            }
        }
    }
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn skip_ws_and_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    /// Skips to just after the next top-level comma (outside `<>` and quotes).
    fn skip_to_next_entry(&mut self) {
        let mut in_uri = false;
        let mut in_quote = false;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' if in_quote => self.i += 1,
                b'"' if !in_uri => in_quote = !in_quote,
                b'<' if !in_quote => in_uri = true,
                b'>' if !in_quote => in_uri = false,
                b',' if !in_uri && !in_quote => return,
                _ => {}
            }
        }
    }

    fn text(&self, from: usize, to: usize) -> Option<String> {
        std::str::from_utf8(self.s.get(from..to)?)
            .ok()
            .map(str::to_owned)
    }

    /// `<target> *( OWS ";" OWS param )` ending at a comma or the end.
    fn link(&mut self) -> Option<Link> {
        if self.peek()? != b'<' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        while self.peek()? != b'>' {
            self.i += 1;
        }
        let target = self.text(start, self.i)?.trim().to_owned();
        self.i += 1;
        if target.is_empty() || target.contains(['<', ' ', '"']) {
            return None;
        }
        let mut rels: Option<Vec<String>> = None;
        loop {
            self.skip_ws();
            match self.peek() {
                None | Some(b',') => break,
                Some(b';') => {
                    self.i += 1;
                    self.skip_ws();
                    let (name, value) = self.param()?;
                    if name.eq_ignore_ascii_case("rel") && rels.is_none() {
                        rels = Some(
                            value
                                .split_ascii_whitespace()
                                .map(str::to_ascii_lowercase)
                                .collect(),
                        );
                    }
                }
                Some(_) => return None,
            }
        }
        Some(Link {
            target,
            rels: rels.unwrap_or_default(),
        })
    }

    /// `token [ "=" ( token / quoted-string ) ]`
    fn param(&mut self) -> Option<(String, String)> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        let name = self.text(start, self.i)?;
        self.skip_ws();
        if self.peek() != Some(b'=') {
            return Some((name, String::new()));
        }
        self.i += 1;
        self.skip_ws();
        let value = if self.peek() == Some(b'"') {
            self.i += 1;
            let mut bytes = Vec::new();
            loop {
                match self.peek()? {
                    b'"' => {
                        self.i += 1;
                        break;
                    }
                    b'\\' => {
                        self.i += 1;
                        bytes.push(self.peek()?);
                        self.i += 1;
                    }
                    c => {
                        bytes.push(c);
                        self.i += 1;
                    }
                }
            }
            String::from_utf8(bytes).ok()?
        } else {
            let vstart = self.i;
            while self.peek().is_some_and(is_tchar) {
                self.i += 1;
            }
            if self.i == vstart {
                return None;
            }
            self.text(vstart, self.i)?
        };
        Some((name, value))
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use rstest::rstest;

    const SELF_: &str = "https://acme.okta.com/api/v1/devices?limit=200";
    const NEXT: &str = "https://acme.okta.com/api/v1/devices?after=guo4a5u7YAHhjXrMN0g4&limit=200";

    fn next_of(value: &str) -> Option<String> {
        parse(value).find("next").map(|l| l.target.clone())
    }

    #[rstest]
    #[case::quoted(&format!("<{NEXT}>; rel=\"next\""), Some(NEXT))]
    #[case::unquoted(&format!("<{NEXT}>; rel=next"), Some(NEXT))]
    #[case::upper_case(&format!("<{NEXT}>; REL=\"Next\""), Some(NEXT))]
    #[case::no_spaces(&format!("<{NEXT}>;rel=\"next\""), Some(NEXT))]
    #[case::extra_spaces(&format!("  <{NEXT}>  ;   rel = \"next\"  "), Some(NEXT))]
    #[case::multi_rel(&format!("<{NEXT}>; rel=\"next last\""), Some(NEXT))]
    #[case::other_params(&format!("<{NEXT}>; title=\"a; b, c\"; rel=\"next\""), Some(NEXT))]
    #[case::comma_joined(&format!("<{SELF_}>; rel=\"self\", <{NEXT}>; rel=\"next\""), Some(NEXT))]
    #[case::self_only(&format!("<{SELF_}>; rel=\"self\""), None)]
    #[case::first_rel_wins(&format!("<{NEXT}>; rel=\"self\"; rel=\"next\""), None)]
    #[case::empty("", None)]
    #[case::garbage("not a link", None)]
    fn finds_next(#[case] value: &str, #[case] expected: Option<&str>) {
        assert_eq!(next_of(value).as_deref(), expected);
    }

    #[test]
    fn comma_inside_uri_is_not_a_separator() {
        let v = "<https://x.okta.com/a?filter=a,b>; rel=\"next\", <https://x.okta.com/s>; rel=self";
        let links = parse(v);
        assert_eq!(links.malformed, 0);
        assert_eq!(links.links.len(), 2);
        assert_eq!(links.links[0].target, "https://x.okta.com/a?filter=a,b");
        assert_eq!(links.links[1].rels, vec!["self".to_string()]);
    }

    #[rstest]
    #[case::missing_angle(&format!("{NEXT}; rel=\"next\""))]
    #[case::unterminated_uri(&format!("<{NEXT}; rel=\"next\""))]
    #[case::unterminated_quote(&format!("<{NEXT}>; rel=\"next"))]
    #[case::junk_after_uri(&format!("<{NEXT}> junk; rel=\"next\""))]
    #[case::empty_target("<>; rel=\"next\"")]
    #[case::missing_param_name(&format!("<{NEXT}>; =next"))]
    fn malformed_entries_are_counted(#[case] value: &str) {
        let links = parse(value);
        assert_eq!(links.malformed, 1, "{value}: {links:?}");
        assert!(links.find("next").is_none());
    }

    #[test]
    fn malformed_entry_does_not_hide_a_good_one() {
        let v = format!("garbage, <{NEXT}>; rel=\"next\"");
        let links = parse(&v);
        assert_eq!(links.malformed, 1);
        assert_eq!(links.find("next").map(|l| l.target.as_str()), Some(NEXT));
    }

    #[test]
    fn reads_all_header_lines() {
        let mut h = HeaderMap::new();
        h.append(
            "link",
            HeaderValue::from_str(&format!("<{SELF_}>; rel=\"self\"")).unwrap(),
        );
        h.append(
            "link",
            HeaderValue::from_str(&format!("<{NEXT}>; rel=\"next\"")).unwrap(),
        );
        let links = Links::from_headers(&h);
        assert_eq!(links.links.len(), 2);
        let base = Url::parse(SELF_).unwrap();
        let next = links.next(&base).unwrap().unwrap();
        assert_eq!(next.url.as_str(), NEXT);
        assert_eq!(next.after.as_deref(), Some("guo4a5u7YAHhjXrMN0g4"));
    }

    #[test]
    fn relative_next_is_resolved_against_the_page() {
        let links = parse("</api/v1/devices?after=abc>; rel=\"next\"");
        let base = Url::parse(SELF_).unwrap();
        let next = links.next(&base).unwrap().unwrap();
        assert_eq!(
            next.url.as_str(),
            "https://acme.okta.com/api/v1/devices?after=abc"
        );
    }

    #[test]
    fn escaped_quote_in_param() {
        let links = parse(&format!("<{NEXT}>; title=\"a \\\"q\\\" b\"; rel=next"));
        assert_eq!(links.malformed, 0);
        assert!(links.find("next").is_some());
    }
}
