//! Runs the unit tests of build.rs's modules (build scripts themselves are not tested by
//! `cargo test`): the union derivation, the call layer, the streaming decoders, the post-processing of generated code,
//! the API listing.

#[allow(dead_code)]
#[path = "../build/api_listing.rs"]
mod api_listing;
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
