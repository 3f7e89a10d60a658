//! The items of a page body (a JSON array), decoded one at a time as they are taken.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::send::Exchange;

/// Where the reader is in the array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Before the opening `[`.
    Start,
    /// Before an item.
    Item,
    /// After the closing `]`.
    End,
    /// Finished: the body was read to its end, or an error was returned.
    Done,
}

/// An iterator over the items of a page, each decoded from the page's body when it is taken.
///
/// A body that is not a JSON array of `T` yields the items before the fault, then one
/// [`Error::Decode`] (the same error decoding the whole page would give), then nothing.
pub(super) struct ArrayItems<T> {
    page: Exchange,
    pos: usize,
    place: Place,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> ArrayItems<T> {
    pub(super) fn new(page: Exchange) -> Self {
        Self {
            page,
            pos: 0,
            place: Place::Start,
            item: PhantomData,
        }
    }

    /// The next item, `Ok(None)` at the end, `Err(())` at a fault in the body.
    fn step(&mut self) -> Result<Option<T>, ()> {
        loop {
            match self.place {
                Place::Start => {
                    self.expect(b'[')?;
                    self.place = if self.peek() == Some(b']') {
                        self.pos += 1;
                        Place::End
                    } else {
                        Place::Item
                    };
                }
                Place::Item => return self.item().map(Some),
                Place::End => {
                    self.skip_whitespace();
                    self.place = Place::Done;
                    return if self.pos == self.page.body.len() {
                        Ok(None)
                    } else {
                        Err(())
                    };
                }
                Place::Done => return Ok(None),
            }
        }
    }

    /// Decodes the item at the reader, then reads the `,` or `]` after it.
    fn item(&mut self) -> Result<T, ()> {
        let rest = self.page.body.get(self.pos..).ok_or(())?;
        let mut items = serde_json::Deserializer::from_slice(rest).into_iter::<T>();
        let item = items.next().ok_or(())?.map_err(drop)?;
        self.pos += items.byte_offset();
        match self.peek() {
            Some(b',') => self.pos += 1,
            Some(b']') => {
                self.pos += 1;
                self.place = Place::End;
            }
            _ => return Err(()),
        }
        Ok(item)
    }

    /// Skips whitespace and reads `byte`.
    fn expect(&mut self, byte: u8) -> Result<(), ()> {
        if self.peek() != Some(byte) {
            return Err(());
        }
        self.pos += 1;
        Ok(())
    }

    /// Skips whitespace and returns the byte at the reader.
    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.page.body.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        let body = &self.page.body;
        while body.get(self.pos).is_some_and(|b| is_whitespace(*b)) {
            self.pos += 1;
        }
    }

    /// The error for a body that is not an array of `T`: what decoding the whole page gives.
    fn fault(&self) -> Error {
        let Exchange {
            status,
            headers,
            body,
            ..
        } = &self.page;
        let source = match serde_json::from_slice::<Vec<T>>(body) {
            Err(e) => e,
            Ok(_) => serde::de::Error::custom("the page body is not a JSON array of items"),
        };
        Error::decode(Some(*status), Some(headers), body, source)
    }
}

impl<T: DeserializeOwned> Iterator for ArrayItems<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(item) => item.map(Ok),
            Err(()) => {
                self.place = Place::Done;
                Some(Err(self.fault()))
            }
        }
    }
}

/// JSON's whitespace.
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// Whether `body` is an empty JSON array (`[]`, with any whitespace).
pub(super) fn is_empty_array(body: &[u8]) -> bool {
    let mut bytes = body.iter().copied().filter(|b| !is_whitespace(*b));
    matches!(
        (bytes.next(), bytes.next(), bytes.next()),
        (Some(b'['), Some(b']'), None)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        id: u32,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn page(body: &str) -> Exchange {
        Exchange::answer(StatusCode::OK, body)
    }

    /// What the stream gives for `body`: the items, then the error's text if there is one.
    fn read<T: DeserializeOwned>(body: &str) -> (Vec<T>, Option<String>) {
        let mut items = Vec::new();
        for item in ArrayItems::<T>::new(page(body)) {
            match item {
                Ok(item) => items.push(item),
                Err(Error::Decode { source, .. }) => return (items, Some(source.to_string())),
                Err(other) => return (items, Some(format!("not a decode error: {other}"))),
            }
        }
        (items, None)
    }

    #[test]
    fn items_are_read_one_at_a_time_across_whitespace() {
        let body = " [ {\"id\": 1, \"tags\": [\"a\", \"]\"]} ,\n\t{\"id\":2}\r] \n";
        let mut items = ArrayItems::<Item>::new(page(body));
        let first = items.next();
        assert!(matches!(&first, Some(Ok(Item { id: 1, tags })) if tags == &["a", "]"]));
        assert!(matches!(items.next(), Some(Ok(Item { id: 2, .. }))));
        assert!(items.next().is_none());
        assert!(items.next().is_none(), "the end is sticky");
    }

    #[test]
    fn an_empty_page_has_no_items() {
        for body in ["[]", " [ \n ] ", "[]\n"] {
            assert_eq!(read::<Item>(body), (vec![], None), "{body:?}");
            assert!(is_empty_array(body.as_bytes()), "{body:?}");
        }
        for body in ["", "[", "[1]", "{}", "[] []", "]["] {
            assert!(!is_empty_array(body.as_bytes()), "{body:?}");
        }
    }

    /// Each body read item by item gives the items the whole-page decode gives, or the items
    /// before the fault and then the whole-page decode's error.
    #[test]
    fn reading_item_by_item_agrees_with_decoding_the_page() {
        let bodies = [
            r#"[{"id":1},{"id":2}]"#,
            r#"{"id":1}"#,
            r#"[{"id":1}] x"#,
            r#"[{"id":1} {"id":2}]"#,
            r#"[{"id":1},]"#,
            r#"[{"id":1},"#,
            r#"[{"id":1},{"id":"two"},{"id":3}]"#,
            r#"[{"id":1},{"id":2,"extra":true}]"#,
            r#"[{"id":1},{"id":2,"id":3}]"#,
            r#"[{"id":1}"#,
            r#"[{"id":1]"#,
            r#"[,{"id":1}]"#,
            "",
            "null",
            "[]]",
            r#"[{"id":1},{"id":2}],"#,
        ];
        for body in bodies {
            let (items, error) = read::<Item>(body);
            match serde_json::from_slice::<Vec<Item>>(body.as_bytes()) {
                Ok(all) => assert_eq!((items, error), (all, None), "{body}"),
                Err(e) => {
                    assert_eq!(error, Some(e.to_string()), "{body}");
                    assert!(items.len() <= body.matches("{\"id\":").count(), "{body}");
                }
            }
        }
    }

    #[test]
    fn the_stream_ends_after_a_fault() {
        let mut items = ArrayItems::<Item>::new(page(r#"[{"id":1},{"id":"x"},{"id":3}]"#));
        assert!(matches!(items.next(), Some(Ok(Item { id: 1, .. }))));
        let Some(Err(Error::Decode { status, body, .. })) = items.next() else {
            panic!("expected a decode error");
        };
        assert_eq!(status, Some(StatusCode::OK));
        assert!(body.contains("\"x\""), "{body}");
        assert!(items.next().is_none());
    }

    #[test]
    fn scalar_items_are_read_too() {
        assert_eq!(read::<u32>("[1, 22 ,333]"), (vec![1, 22, 333], None));
        assert_eq!(read::<String>(r#"["a,b", "c]"]"#).0, ["a,b", "c]"]);
        let (items, error) = read::<u32>("[1, 2x]");
        assert_eq!(items, [1]);
        assert!(error.is_some());
    }
}
