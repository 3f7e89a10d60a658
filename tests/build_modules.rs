//! Runs the unit tests of build.rs's modules (build scripts themselves are not tested by
//! `cargo test`): the union derivation, the call layer, the boxed fields, the streaming decoders, the post-processing of generated code,
//! the API listing.

#[allow(dead_code)]
#[path = "../build/api_listing.rs"]
mod api_listing;
#[allow(dead_code)]
#[path = "../build/boxed.rs"]
mod boxed;
#[allow(dead_code)]
#[path = "../build/call_layer.rs"]
mod call_layer;
#[allow(dead_code)]
#[path = "../build/decoders.rs"]
mod decoders;
#[allow(dead_code)]
#[path = "../build/postprocess.rs"]
mod postprocess;
#[allow(dead_code)]
#[path = "../build/unions.rs"]
mod unions;

#[test]
fn the_listing_names_public_items_only() {
    let file: syn::File = syn::parse_quote! {
        pub mod types {
            pub struct A { pub x: Option<i64>, y: bool }
            struct Hidden;
            pub enum E { One, Two(String) }
        }
    };
    let listing = api_listing::listing(&[&file]);
    assert_eq!(
        listing,
        "enum types::E\nenum types::E::One\nenum types::E::Two(String)\nstruct types::A\nstruct types::A.x: Option<i64>\n"
    );
}

/// A generated `mod types` with one struct holding `Links` and its builder conversions (the
/// tests box `Links`; build.rs boxes `HrefObject`, the rule is the same for any type).
fn types_with_links(conversions: bool) -> syn::File {
    let conversions: Vec<syn::Item> = if conversions {
        let file: syn::File = syn::parse_quote! {
            impl ::std::convert::TryFrom<Device> for super::Device {
                type Error = super::error::ConversionError;
                fn try_from(value: Device) -> Result<Self, super::error::ConversionError> {
                    Ok(Self { links: value.links?, id: value.id? })
                }
            }
            impl ::std::convert::From<super::Device> for Device {
                fn from(value: super::Device) -> Self {
                    Self { links: Ok(value.links), id: Ok(value.id) }
                }
            }
        };
        file.items
    } else {
        Vec::new()
    };
    syn::parse_quote! {
        mod types {
            pub struct Device {
                pub links: ::std::option::Option<Links>,
                pub id: ::std::option::Option<String>,
                pub other: ::std::option::Option<LinksLike>,
            }
            pub struct Links { pub self_: ::std::option::Option<HrefObject> }
            pub mod builder {
                pub struct Device {
                    links: ::std::result::Result<::std::option::Option<super::Links>, String>,
                    id: ::std::result::Result<::std::option::Option<String>, String>,
                }
                #(#conversions)*
            }
        }
    }
}

#[test]
fn listed_types_are_boxed_in_structs_and_unboxed_in_builders() {
    let mut file = types_with_links(true);
    assert_eq!(boxed::box_fields(&mut file, &["Links"]), Ok(1));
    let code = prettyplease::unparse(&file);
    assert!(
        code.contains("pub links: ::std::option::Option<::std::boxed::Box<Links>>"),
        "{code}"
    );
    assert!(
        code.contains("pub other: ::std::option::Option<LinksLike>"),
        "{code}"
    );
    assert!(
        code.contains("std::option::Option<super::Links>, String>"),
        "{code}"
    );
    assert!(
        code.contains("links: value.links?.map(::std::boxed::Box::new)"),
        "{code}"
    );
    assert!(
        code.contains("links: Ok(value.links).map(|f| f.map(|b| *b))"),
        "{code}"
    );
    assert!(code.contains("id: value.id?,"), "{code}");
}

#[test]
fn a_boxed_field_without_both_builder_conversions_is_an_error() {
    let mut file = types_with_links(false);
    let error = boxed::box_fields(&mut file, &["Links"]).unwrap_err();
    assert!(
        error.contains("1 fields boxed, but 0 builder conversions"),
        "{error}"
    );
}
