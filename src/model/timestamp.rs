//! [`Timestamp`]: an RFC 3339 instant that re-encodes the exact text it was read from.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A timestamp such as `created` or `lastUpdated`.
///
/// Okta writes milliseconds (`2019-10-02T18:03:07.000Z`); a `DateTime` would re-encode that as
/// `2019-10-02T18:03:07Z`. `Timestamp` keeps the text it read, so re-encoding is exact, and
/// parses it when first compared or asked for its instant (decoding a list does not pay for it). Text that is not RFC 3339 is kept as well ([`Timestamp::as_datetime`]
/// is then `None`) rather than failing the whole response.
#[derive(Clone)]
pub struct Timestamp {
    text: String,
    instant: OnceLock<Option<DateTime<Utc>>>,
}

impl Timestamp {
    /// Wraps text from the API.
    pub fn parse(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            instant: OnceLock::new(),
        }
    }

    /// The instant, or `None` when the text is not RFC 3339.
    pub fn as_datetime(&self) -> Option<DateTime<Utc>> {
        *self.instant.get_or_init(|| {
            DateTime::parse_from_rfc3339(&self.text)
                .ok()
                .map(|d| d.with_timezone(&Utc))
        })
    }

    /// The text as the API sent it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Self {
            text: instant.to_rfc3339_opts(SecondsFormat::Millis, true),
            instant: OnceLock::from(Some(instant)),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Equal instants are equal timestamps, whatever their text; unparsable ones compare as text.
impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_datetime(), other.as_datetime()) {
            (Some(a), Some(b)) => a == b,
            _ => self.text == other.text,
        }
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.as_datetime(), other.as_datetime()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.text.cmp(&other.text),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::parse)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".to_string()
    }
    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("date-time".to_string()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_millis_text() {
        let t: Timestamp = serde_json::from_str("\"2019-10-02T18:03:07.000Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2019-10-02T18:03:07.000Z\""
        );
        assert_eq!(t, Timestamp::parse("2019-10-02T18:03:07Z"));
        assert!(t.as_datetime().is_some());
    }

    #[test]
    fn keeps_unparsable_text() {
        let t = Timestamp::parse("Assigned");
        assert_eq!(t.as_datetime(), None);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"Assigned\"");
    }
}
