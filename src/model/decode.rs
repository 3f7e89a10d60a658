//! Runtime helpers of the streaming decoders that build.rs generates for structs keeping unknown
//! fields (see `build/decoders.rs`): each known field is decoded straight from the input and only
//! unknown fields are collected into the struct's `extra` map.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, Visitor};

/// An object key, borrowed from the input when the input allows it.
pub(crate) struct FieldName<'de>(Cow<'de, str>);

impl FieldName<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as an owned string (the key of an unknown field in `extra`; a later duplicate
    /// replaces an earlier one, as with serde's `flatten`).
    pub(crate) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for FieldName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Key;
        impl<'de> Visitor<'de> for Key {
            type Value = FieldName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Borrowed(v)))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Key)
    }
}

/// The known fields an object has shown so far; a second occurrence is an error, as with
/// serde's derive.
#[derive(Default)]
pub(crate) struct Seen(u64);

impl Seen {
    /// Notes field `index` (below 64, which build.rs ensures); an error if it was seen before.
    pub(crate) fn first<E: Error>(&mut self, index: usize, name: &'static str) -> Result<(), E> {
        let bit = 1u64.checked_shl(index as u32).unwrap_or(0);
        if self.0 & bit != 0 {
            return Err(E::duplicate_field(name));
        }
        self.0 |= bit;
        Ok(())
    }
}

/// A generated struct whose every field has a default, decoded into a place instead of being
/// returned (build.rs implements it; see `build/decoders.rs`).
pub(crate) trait DecodeInto: Sized {
    /// The struct with every field at its default (what a missing field keeps).
    fn fresh() -> Self;

    /// Decodes an object into `place`, which must be [`DecodeInto::fresh`].
    fn decode_into<'de, D>(deserializer: D, place: &mut Self) -> Result<(), D::Error>
    where
        D: Deserializer<'de>;
}

/// A boxed struct (a field that `build/boxed.rs` boxes) is decoded in place inside its box.
impl<T: DecodeInto> DecodeInto for Box<T> {
    fn fresh() -> Self {
        Box::new(T::fresh())
    }

    fn decode_into<'de, D>(deserializer: D, place: &mut Self) -> Result<(), D::Error>
    where
        D: Deserializer<'de>,
    {
        T::decode_into(deserializer, place)
    }
}

/// Decodes an `Option<T>` (or `Option<Box<T>>`) field into its place: `null` leaves `None`,
/// an object is decoded into a fresh `T` where it will stay.
pub(crate) struct OptionInto<'a, T>(pub(crate) &'a mut Option<T>);

impl<'de, T: DecodeInto> DeserializeSeed<'de> for OptionInto<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: DecodeInto> Visitor<'de> for OptionInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or null")
    }
    fn visit_none<E: Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_unit<E: Error>(self) -> Result<(), E> {
        self.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        T::decode_into(deserializer, self.0.insert(T::fresh()))
    }
}

/// The value of a required field, or serde's "missing field" error.
pub(crate) fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// Decodes an open enum from a string without copying it unless the value is unknown (kept in
/// `Other`).
pub(crate) fn open_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str> + From<String>,
{
    struct Text<T>(PhantomData<T>);
    impl<T> Visitor<'_> for Text<T>
    where
        T: for<'a> From<&'a str> + From<String>,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
        fn visit_string<E: Error>(self, v: String) -> Result<T, E> {
            Ok(T::from(v))
        }
    }
    deserializer.deserialize_str(Text(PhantomData))
}
