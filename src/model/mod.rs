//! Hand-written model types wired into the generated client with `with_replacement`.
//!
//! progenitor drops `discriminator` and closes enums, and typify's structs drop explicit `null`s
//! and empty lists on re-encoding. These types fill those gaps:
//! - [`Policy`] and [`PolicyRule`] dispatch on `type`, keeping unknown types as raw JSON;
//! - [`Lossless`] marks values that re-encode as they were read, apart from the fields you
//!   changed; [`KeptEmpty`] records, in every generated struct, the declared fields that arrived
//!   as `null`, `[]` or `{}`;
//! - [`Timestamp`] keeps the server's exact timestamp text;
//! - open enums (generated into `okta_mgmt::types`) decode unknown values as `Other`.

pub(crate) mod decode;
mod kept_empty;
mod lossless;
mod polymorphic;
mod timestamp;
mod type_tag;

pub use kept_empty::KeptEmpty;
pub use lossless::Lossless;
pub use polymorphic::{Policy, PolicyRule, SERVER_SET_FIELDS, UnknownObject};
pub use timestamp::Timestamp;

/// JSON Schema of an open enum: any string, with the known values listed in `x-known-values`.
#[doc(hidden)]
pub fn open_enum_schema(known: &[&str]) -> schemars::schema::Schema {
    let mut schema = schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        ..Default::default()
    };
    schema.extensions.insert(
        "x-known-values".to_string(),
        serde_json::Value::from(known.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    );
    schema.into()
}
