//! The `type` of a policy or rule, read from its JSON text by a scan of the object's top level.
//!
//! The unions pick their variant by `type` before decoding. Reading it with serde means parsing
//! the whole object once more; this scan only looks at the top-level keys and skips values by
//! their brackets and quotes. The text is valid JSON (it comes from a `RawValue`), so the scan
//! does not validate; whenever it cannot decide exactly as serde would (an escape in a key or in
//! the value, a repeated or non-string `type`), it answers [`Tag::Unsure`] and the caller asks
//! serde.

/// What the scan found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tag<'a> {
    /// The object's `type` string (without escapes).
    Found(&'a str),
    /// The object has no top-level `type`.
    Absent,
    /// Ask serde.
    Unsure,
}

/// The top-level `type` of the object in `json` (valid JSON text).
pub(crate) fn scan(json: &str) -> Tag<'_> {
    scan_object(json, false).unwrap_or(Tag::Unsure)
}

/// The object's first top-level `type` string, found without reading past it: what [`scan`]
/// finds unless another `type` follows. `None` where `scan` would not answer
/// [`Tag::Found`] from the keys up to it.
pub(crate) fn leading(json: &str) -> Option<&str> {
    match scan_object(json, true)? {
        Tag::Found(name) => Some(name),
        Tag::Absent | Tag::Unsure => None,
    }
}

/// Scans the top-level keys; with `first_only`, stops at the first `type`.
fn scan_object(json: &str, first_only: bool) -> Option<Tag<'_>> {
    let b = json.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut found = None;
    if b.get(i) == Some(&b'}') {
        return Some(Tag::Absent);
    }
    loop {
        let (key_end, key_escaped) = string_end(b, i)?;
        if key_escaped {
            return None;
        }
        let key = &b[i + 1..key_end - 1];
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if key == b"type" {
            let (end, escaped) = string_end(b, i)?;
            if escaped || found.is_some() {
                return None;
            }
            let name = json.get(i + 1..end - 1)?;
            if first_only {
                return Some(Tag::Found(name));
            }
            found = Some(name);
            i = end;
        } else {
            i = value_end(b, i)?;
        }
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    Some(found.map_or(Tag::Absent, Tag::Found))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// For the string starting at `b[i] == '"'`: the index after its closing quote, and whether it
/// holds an escape.
fn string_end(b: &[u8], i: usize) -> Option<(usize, bool)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        match b.get(j)? {
            b'"' => return Some((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            _ => j += 1,
        }
    }
}

/// The index after the value starting at `b[i]`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?.0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while !matches!(
                b.get(j),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What serde reads, the reference the scan must agree with.
    fn serde_tag(json: &str) -> Result<Option<String>, ()> {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(rename = "type", default)]
            type_: Option<String>,
        }
        serde_json::from_str::<T>(json)
            .map(|t| t.type_)
            .map_err(|_| ())
    }

    #[rstest::rstest]
    #[case(r#"{"type":"PASSWORD","name":"p"}"#, Tag::Found("PASSWORD"))]
    #[case(r#" { "id" : "x" , "type" : "SIGN_ON" } "#, Tag::Found("SIGN_ON"))]
    #[case(
        r#"{"conditions":{"type":"NESTED","a":[{"type":"X"}]},"type":"MFA_ENROLL"}"#,
        Tag::Found("MFA_ENROLL")
    )]
    #[case(
        r#"{"name":"has \"type\":\"FAKE\" and } ] { [ inside","type":"PASSWORD"}"#,
        Tag::Found("PASSWORD")
    )]
    #[case(
        r#"{"n":-1.5e3,"b":true,"z":null,"e":[],"o":{},"type":"ACCESS_POLICY"}"#,
        Tag::Found("ACCESS_POLICY")
    )]
    #[case(r#"{"name":"p"}"#, Tag::Absent)]
    #[case(r#"{}"#, Tag::Absent)]
    #[case(r#"{"settings":{"type":"DEEP"}}"#, Tag::Absent)]
    #[case(r#"{"typ\u0065":"PASSWORD"}"#, Tag::Unsure)]
    #[case(r#"{"type":"PASS\u0057ORD"}"#, Tag::Unsure)]
    #[case(r#"{"type":"A","type":"B"}"#, Tag::Unsure)]
    #[case(r#"{"type":5}"#, Tag::Unsure)]
    #[case(r#"{"type":null}"#, Tag::Unsure)]
    #[case(r#"[1,2]"#, Tag::Unsure)]
    #[case(r#""text""#, Tag::Unsure)]
    fn the_scan_reads_the_top_level_type_or_defers(#[case] json: &str, #[case] want: Tag<'_>) {
        let got = scan(json);
        assert_eq!(got, want);
        if let Tag::Found(t) = got {
            assert_eq!(serde_tag(json), Ok(Some(t.to_owned())));
        }
        if got == Tag::Absent {
            assert_eq!(serde_tag(json), Ok(None));
        }
    }

    #[rstest::rstest]
    #[case::first_of_two(r#"{"type":"A","conditions":{"type":"X"},"type":"B"}"#, Some("A"))]
    #[case::after_other_keys(
        r#" { "id" : "x" , "type" : "SIGN_ON" , "b": [1] } "#,
        Some("SIGN_ON")
    )]
    #[case::absent(r#"{"name":"p","settings":{"type":"DEEP"}}"#, None)]
    #[case::an_escaped_key_before_it(r#"{"n\u0061me":"p","type":"A"}"#, None)]
    #[case::an_escaped_value(r#"{"type":"PASS\u0057ORD"}"#, None)]
    #[case::not_a_string(r#"{"type":5,"type":"A"}"#, None)]
    #[case::not_an_object(r#"[{"type":"A"}]"#, None)]
    fn the_leading_scan_stops_at_the_first_type(#[case] json: &str, #[case] want: Option<&str>) {
        assert_eq!(leading(json), want);
    }

    /// A small deterministic generator of JSON values (strings with quotes, brackets and
    /// escapes included).
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }

        fn text(&mut self) -> String {
            const PIECES: [&str; 8] = ["a", "type", "\"", "}", "]", "{[", "\\", "é"];
            (0..self.next(4))
                .map(|_| PIECES[self.next(8) as usize])
                .collect()
        }

        fn value(&mut self, depth: u32) -> serde_json::Value {
            use serde_json::Value;
            match self.next(if depth > 3 { 4 } else { 6 }) {
                0 => Value::Null,
                1 => Value::from(self.next(2) == 0),
                2 => Value::from(self.next(1000) as f64 / 7.0 - 50.0),
                3 => Value::from(self.text()),
                4 => Value::Array((0..self.next(4)).map(|_| self.value(depth + 1)).collect()),
                _ => Value::Object(
                    (0..self.next(4))
                        .map(|_| (self.text(), self.value(depth + 1)))
                        .collect(),
                ),
            }
        }
    }

    #[test]
    fn the_scan_agrees_with_serde_on_generated_objects() {
        let mut generator = Gen(7);
        let mut found = 0;
        for _ in 0..3000 {
            let mut object = serde_json::Map::new();
            for _ in 0..generator.next(6) {
                object.insert(generator.text(), generator.value(0));
            }
            match generator.next(3) {
                0 => {}
                1 => drop(object.insert("type".into(), generator.value(3))),
                _ => drop(object.insert("type".into(), generator.text().into())),
            }
            let value = serde_json::Value::Object(object);
            for text in [
                value.to_string(),
                serde_json::to_string_pretty(&value).unwrap(),
            ] {
                match scan(&text) {
                    Tag::Found(t) => {
                        assert_eq!(serde_tag(&text), Ok(Some(t.to_owned())), "{text}");
                        assert_eq!(leading(&text), Some(t), "{text}");
                        found += 1;
                    }
                    Tag::Absent => assert_eq!(serde_tag(&text), Ok(None), "{text}"),
                    Tag::Unsure => {}
                }
            }
        }
        assert!(found > 500, "only {found} tags found");
    }
}
