//! Streaming decoders for the generated structs that keep unknown fields.
//!
//! typify keeps unknown fields with `#[serde(flatten)] extra: Map<String, Value>`. serde's derive
//! implements `flatten` by first buffering every entry of the object (nested objects included)
//! into an intermediate tree and then decoding the fields from that tree, which made decoding a
//! `Device` or a policy about 1.5× slower than a plain struct of the same shape. This pass
//! replaces the derived `Deserialize` of those structs with a visitor that decodes each known
//! field straight from the input and moves only the unknown ones into `extra`: the same results
//! (missing required fields, duplicate fields and unknown fields are handled as serde's derive
//! handles them), without the buffering.
//!
//! The same pass makes those structs re-encode what they read: a declared field that arrived as
//! `null`, `[]` or `{}` (which serde's derive would leave out when encoding) is marked in a
//! `kept_empty` field ([`KeptEmpty`](crate::model::KeptEmpty) at run time), and a generated
//! `Serialize` writes a marked field back while its value is still empty.
//!
//! The visitor's helpers live in `crate::model::decode`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;

/// A known field of a struct: how it is named in Rust and on the wire, and what fills it when
/// the input leaves it out.
struct Field {
    ident: syn::Ident,
    wire: String,
    ty: syn::Type,
    when_missing: Missing,
    /// `skip_serializing_if`: the field is left out when this says it is empty.
    skip_if: Option<syn::ExprPath>,
}

/// The field that records which declared fields arrived empty.
const KEPT_EMPTY: &str = "kept_empty";

/// The most declared fields a struct may have (the bits of `KeptEmpty`).
const MAX_FIELDS: usize = 64;

enum Missing {
    /// `#[serde(default)]` or an `Option`: the type's default.
    Default,
    /// `#[serde(default = "path")]`.
    DefaultFn(syn::ExprPath),
    /// A required field: the error serde reports.
    Error,
}

/// Replaces the derived `Deserialize` and `Serialize` of every struct in `mod types` that has a
/// flattened `extra` map, and gives each a `kept_empty` field; returns how many it took over.
pub fn stream_flattened_structs(file: &mut syn::File) -> Result<usize, String> {
    let Some(items) = crate::postprocess::types_items(file) else {
        return Ok(0);
    };
    let mut specs = Vec::new();
    for item in items.iter_mut() {
        if let syn::Item::Struct(s) = item
            && let Some(spec) = take_over(s)?
        {
            specs.push(spec);
        }
    }
    // Structs whose every field has a default are decoded in place (see `in_place_impl`).
    let in_place: BTreeSet<String> = specs
        .iter()
        .filter(|s| {
            s.fields
                .iter()
                .all(|f| matches!(f.when_missing, Missing::Default))
        })
        .map(|s| s.name.to_string())
        .collect();
    let mut impls = Vec::new();
    for spec in &specs {
        let decoder = if in_place.contains(&spec.name.to_string()) {
            in_place_impl(spec, &in_place)
        } else {
            decoder_impl(spec, &in_place)
        };
        for code in [decoder, encoder_impl(spec)] {
            impls.extend(
                syn::parse2::<syn::File>(code)
                    .map_err(|e| e.to_string())?
                    .items,
            );
        }
    }
    items.extend(impls);
    let changed: BTreeSet<String> = specs.iter().map(|s| s.name.to_string()).collect();
    // Without a builder module (unit tests) there is nothing to fill in.
    let patched = builders_fill_kept_empty(items, &changed).unwrap_or(changed.len());
    if patched != changed.len() {
        return Err(format!(
            "{patched} builder conversions set `{KEPT_EMPTY}`, {} structs have it; update \
             build/decoders.rs",
            changed.len()
        ));
    }
    Ok(specs.len())
}

/// A struct whose codec this pass writes.
struct Spec {
    name: syn::Ident,
    extra: syn::Ident,
    extra_ty: syn::Type,
    fields: Vec<Field>,
}

/// For a struct with a flattened map: removes `Deserialize` and `Serialize` from its derives and
/// adds the `kept_empty` field. `None` for every other struct.
fn take_over(s: &mut syn::ItemStruct) -> Result<Option<Spec>, String> {
    let syn::Fields::Named(named) = &mut s.fields else {
        return Ok(None);
    };
    let Some((extra, extra_ty)) = flattened_field(named, &s.ident)? else {
        return Ok(None);
    };
    let fields = named
        .named
        .iter()
        .filter(|f| f.ident.as_ref() != Some(&extra))
        .map(|f| known_field(f, &s.ident))
        .collect::<Result<Vec<_>, _>>()?;
    if fields.len() > MAX_FIELDS || fields.iter().any(|f| f.ident == KEPT_EMPTY) {
        return Err(format!(
            "{}: more than {MAX_FIELDS} fields, or a field named `{KEPT_EMPTY}`; update \
             build/decoders.rs",
            s.ident
        ));
    }
    if !remove_derive(&mut s.attrs, "Deserialize") || !remove_derive(&mut s.attrs, "Serialize") {
        return Ok(None);
    }
    named.named.push(kept_empty_field());
    Ok(Some(Spec {
        name: s.ident.clone(),
        extra,
        extra_ty,
        fields,
    }))
}

/// Adds `kept_empty: Default::default()` to the struct expression of each builder's
/// `TryFrom<builder::X> for super::X` whose `X` is in `changed`; returns how many it changed
/// (`None` without a builder module).
fn builders_fill_kept_empty(items: &mut [syn::Item], changed: &BTreeSet<String>) -> Option<usize> {
    let builder_items = crate::postprocess::builder_items(items)?;
    let mut patched = 0;
    for item in builder_items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_try_from = imp
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "TryFrom");
        let target = match &*imp.self_ty {
            syn::Type::Path(p) if p.path.segments.len() == 2 => p.path.segments.last(),
            _ => None,
        };
        if !is_try_from || !target.is_some_and(|t| changed.contains(&t.ident.to_string())) {
            continue;
        }
        for f in imp.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = f {
                patched += f.block.stmts.iter_mut().map(fill_in_stmt).sum::<usize>();
            }
        }
    }
    Some(patched)
}

fn fill_in_stmt(stmt: &mut syn::Stmt) -> usize {
    match stmt {
        syn::Stmt::Expr(expr, _) => fill_in_expr(expr),
        _ => 0,
    }
}

/// `Self { .. }` (also inside `Ok(..)`) gets the `kept_empty` field.
fn fill_in_expr(expr: &mut syn::Expr) -> usize {
    match expr {
        syn::Expr::Struct(s) if s.path.is_ident("Self") && s.rest.is_none() => {
            let name = format_ident!("{}", KEPT_EMPTY);
            s.fields
                .push(syn::parse_quote!(#name: ::std::default::Default::default()));
            1
        }
        syn::Expr::Call(call) => call.args.iter_mut().map(fill_in_expr).sum(),
        _ => 0,
    }
}

/// The `kept_empty` field added to each struct.
fn kept_empty_field() -> syn::Field {
    let name = format_ident!("{}", KEPT_EMPTY);
    syn::parse_quote! {
        /// The declared fields that arrived as `null`, `[]` or `{}`; they are written back
        /// while still empty (see [`KeptEmpty`](crate::model::KeptEmpty)).
        #[schemars(skip)]
        pub #name: crate::model::KeptEmpty
    }
}

/// The field marked `#[serde(flatten)]`, if any; it must be a JSON map.
fn flattened_field(
    named: &syn::FieldsNamed,
    owner: &syn::Ident,
) -> Result<Option<(syn::Ident, syn::Type)>, String> {
    let mut found = None;
    for field in &named.named {
        if !serde_args(&field.attrs)?.iter().any(|a| a.key == "flatten") {
            continue;
        }
        let is_map = matches!(&field.ty, syn::Type::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == "Map" || s.ident == "HashMap"));
        if !is_map || found.is_some() {
            return Err(format!(
                "{owner}: only one flattened map field is supported; update build/decoders.rs"
            ));
        }
        found = field.ident.clone().map(|ident| (ident, field.ty.clone()));
    }
    Ok(found)
}

fn known_field(field: &syn::Field, owner: &syn::Ident) -> Result<Field, String> {
    let ident = field
        .ident
        .clone()
        .ok_or_else(|| format!("{owner}: unnamed field"))?;
    let mut wire = ident.to_string().trim_start_matches("r#").to_owned();
    let mut when_missing = if is_option(&field.ty) {
        Missing::Default
    } else {
        Missing::Error
    };
    let mut skip_if = None;
    for arg in serde_args(&field.attrs)? {
        match (arg.key.as_str(), arg.value) {
            ("rename", Some(name)) => wire = name,
            ("default", None) => when_missing = Missing::Default,
            ("default", Some(path)) => {
                when_missing = Missing::DefaultFn(
                    syn::parse_str(&path)
                        .map_err(|e| format!("{owner}.{ident}: default path `{path}`: {e}"))?,
                )
            }
            ("skip_serializing_if", Some(path)) => {
                skip_if = Some(
                    syn::parse_str(&path)
                        .map_err(|e| format!("{owner}.{ident}: skip path `{path}`: {e}"))?,
                )
            }
            (other, _) => {
                return Err(format!(
                    "{owner}.{ident}: serde attribute `{other}` is not supported by the \
                     streaming decoder; update build/decoders.rs"
                ));
            }
        }
    }
    Ok(Field {
        ident,
        wire,
        ty: field.ty.clone(),
        when_missing,
        skip_if,
    })
}

/// One `key` or `key = "value"` inside `#[serde(...)]`.
struct SerdeArg {
    key: String,
    value: Option<String>,
}

fn serde_args(attrs: &[syn::Attribute]) -> Result<Vec<SerdeArg>, String> {
    let mut args = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let metas = attr
            .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            .map_err(|e| format!("serde attribute: {e}"))?;
        for meta in metas {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value = match &meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => return Err(format!("serde attribute `{key}` has a non-string value")),
                },
                syn::Meta::Path(_) => None,
                syn::Meta::List(_) => return Err(format!("serde attribute `{key}(..)`")),
            };
            args.push(SerdeArg { key, value });
        }
    }
    Ok(args)
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// Drops `name` from `#[derive(...)]`; whether it was there.
fn remove_derive(attrs: &mut [syn::Attribute], name: &str) -> bool {
    let mut removed = false;
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Punctuated<syn::Path, syn::Token![,]> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name))
            .cloned()
            .collect();
        if kept.len() != paths.len() {
            removed = true;
            *attr = syn::parse_quote!(#[derive(#kept)]);
        }
    }
    removed
}

/// Whether `ty` is an `Option<Y>` or `Option<Box<Y>>` whose `Y` is decoded in place.
fn in_place_option(ty: &syn::Type, in_place: &BTreeSet<String>) -> bool {
    let Some(inner) = crate::postprocess::generic_argument(ty, "Option") else {
        return false;
    };
    let unboxed = crate::postprocess::generic_argument(inner, "Box").unwrap_or(inner);
    matches!(unboxed, syn::Type::Path(p) if p
        .path
        .get_ident()
        .is_some_and(|name| in_place.contains(&name.to_string())))
}

/// Reads the value of field `i` into `place` (an `Option<Y>` decoded in place, or any value
/// moved in), marks it in `kept` when it arrived empty, and refuses a second occurrence.
fn read_field(
    (i, f): (usize, &Field),
    place: &TokenStream,
    kept: &TokenStream,
    in_place: &BTreeSet<String>,
) -> TokenStream {
    let helpers = quote!(crate::model::decode);
    let wire = &f.wire;
    let read = if in_place_option(&f.ty, in_place) {
        quote!(map.next_value_seed(#helpers::OptionInto(&mut #place))?;)
    } else {
        quote!(#place = map.next_value()?;)
    };
    let mark = f.skip_if.as_ref().map(|empty| {
        quote! {
            if #empty(&#place) {
                #kept.insert(#i);
            }
        }
    });
    quote! {
        #wire => {
            seen.first(#i, #wire)?;
            #read
            #mark
        }
    }
}

/// The visitor's loop over the object's entries: known fields through `arms`, the others into
/// `extra`.
fn entries_loop(arms: &[TokenStream], extra: &TokenStream) -> TokenStream {
    let helpers = quote!(crate::model::decode);
    quote! {
        let mut seen = #helpers::Seen::default();
        while let Some(key) = map.next_key::<#helpers::FieldName<'de>>()? {
            match key.as_str() {
                #( #arms )*
                _ => {
                    let value = map.next_value()?;
                    #extra.insert(key.into_string(), value);
                }
            }
        }
    }
}

/// A decoder for a struct with required fields or default functions: each field is read into
/// a local, and the struct is built at the end (missing required fields are errors).
fn decoder_impl(spec: &Spec, in_place: &BTreeSet<String>) -> TokenStream {
    let Spec {
        name,
        extra,
        extra_ty,
        fields,
    } = spec;
    let helpers = quote!(crate::model::decode);
    let expecting = format!("struct {name}");
    let kept = format_ident!("{}", KEPT_EMPTY);
    let slots: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("field_{}", i))
        .collect();
    // An `Option<Y>` decoded in place lives in a local of its own type; others in `Option<T>`.
    let locals = fields.iter().zip(&slots).map(|(f, slot)| {
        let ty = &f.ty;
        if in_place_option(ty, in_place) {
            quote!(let mut #slot: #ty = None;)
        } else {
            quote!(let mut #slot: ::std::option::Option<#ty> = None;)
        }
    });
    let arms: Vec<_> = fields
        .iter()
        .enumerate()
        .zip(&slots)
        .map(|(field, slot)| {
            let is_local = in_place_option(&field.1.ty, in_place);
            read_slot(field, slot, is_local, &quote!(#kept), in_place)
        })
        .collect();
    let idents = fields.iter().map(|f| &f.ident);
    let finish = fields.iter().zip(&slots).map(|(f, slot)| {
        let wire = &f.wire;
        if in_place_option(&f.ty, in_place) {
            return quote!(#slot);
        }
        match &f.when_missing {
            Missing::Default => quote!(#slot.unwrap_or_default()),
            Missing::DefaultFn(path) => quote!(#slot.unwrap_or_else(#path)),
            Missing::Error => quote!(#helpers::required(#slot, #wire)?),
        }
    });
    let entries = entries_loop(&arms, &quote!(#extra));
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                struct Fields;
                impl<'de> ::serde::de::Visitor<'de> for Fields {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    #[allow(unused_mut)]
                    fn visit_map<A>(self, mut map: A) -> ::std::result::Result<#name, A::Error>
                    where
                        A: ::serde::de::MapAccess<'de>,
                    {
                        #( #locals )*
                        let mut #extra: #extra_ty = ::std::default::Default::default();
                        let mut #kept = crate::model::KeptEmpty::default();
                        #entries
                        Ok(#name {
                            #( #idents: #finish, )*
                            #extra,
                            #kept,
                        })
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }
    }
}

/// One arm of `decoder_impl`: into the local `slot`.
fn read_slot(
    (i, f): (usize, &Field),
    slot: &syn::Ident,
    is_local: bool,
    kept: &TokenStream,
    in_place: &BTreeSet<String>,
) -> TokenStream {
    if is_local {
        return read_field((i, f), &quote!(#slot), kept, in_place);
    }
    let wire = &f.wire;
    let mark = f.skip_if.as_ref().map(|empty| {
        quote! {
            if #slot.as_ref().is_some_and(#empty) {
                #kept.insert(#i);
            }
        }
    });
    quote! {
        #wire => {
            seen.first(#i, #wire)?;
            #slot = Some(map.next_value()?);
            #mark
        }
    }
}

/// A decoder for a struct whose every field has a default: the struct starts empty and each
/// field is decoded into its place, nested structs of the same kind included, so a large value
/// (a device's `_links`) is built where it ends up instead of being moved through every level.
fn in_place_impl(spec: &Spec, in_place: &BTreeSet<String>) -> TokenStream {
    let Spec {
        name,
        extra,
        fields,
        ..
    } = spec;
    let helpers = quote!(crate::model::decode);
    let expecting = format!("struct {name}");
    let kept = format_ident!("{}", KEPT_EMPTY);
    let idents: Vec<_> = fields.iter().map(|f| &f.ident).collect();
    let arms: Vec<_> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let ident = &f.ident;
            read_field(
                (i, f),
                &quote!(place.#ident),
                &quote!(place.#kept),
                in_place,
            )
        })
        .collect();
    let entries = entries_loop(&arms, &quote!(place.#extra));
    quote! {
        impl #helpers::DecodeInto for #name {
            fn fresh() -> Self {
                #name {
                    #( #idents: ::std::default::Default::default(), )*
                    #extra: ::std::default::Default::default(),
                    #kept: ::std::default::Default::default(),
                }
            }

            fn decode_into<'de, D>(deserializer: D, place: &mut Self) -> ::std::result::Result<(), D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                struct Into<'a>(&'a mut #name);
                impl<'de> ::serde::de::Visitor<'de> for Into<'_> {
                    type Value = ();
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A>(self, mut map: A) -> ::std::result::Result<(), A::Error>
                    where
                        A: ::serde::de::MapAccess<'de>,
                    {
                        let place = self.0;
                        #entries
                        Ok(())
                    }
                }
                deserializer.deserialize_map(Into(place))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let mut out = <Self as #helpers::DecodeInto>::fresh();
                <Self as #helpers::DecodeInto>::decode_into(deserializer, &mut out)?;
                Ok(out)
            }
        }
    }
}

/// `Serialize` as serde's derive writes it (declared fields in order, then `extra`), except that
/// a field marked in `kept_empty` is written even when empty.
fn encoder_impl(spec: &Spec) -> TokenStream {
    let Spec {
        name,
        extra,
        fields,
        ..
    } = spec;
    let kept = format_ident!("{}", KEPT_EMPTY);
    let entries = fields.iter().enumerate().map(|(i, f)| {
        let (ident, wire) = (&f.ident, &f.wire);
        let write = quote!(map.serialize_entry(#wire, &self.#ident)?;);
        match &f.skip_if {
            Some(empty) => quote! {
                if !#empty(&self.#ident) || self.#kept.contains(#i) {
                    #write
                }
            },
            None => write,
        }
    });
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
            where
                S: ::serde::Serializer,
            {
                use ::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                #( #entries )*
                for (key, value) in &self.#extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types_mod(structs: TokenStream) -> syn::File {
        syn::parse_quote! { mod types { #structs } }
    }

    #[test]
    fn replaces_only_structs_with_a_flattened_map() {
        let mut file = types_mod(quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
            pub struct Kept { pub name: String }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
            pub struct Open {
                #[serde(rename = "minLength", default, skip_serializing_if = "Option::is_none")]
                pub min_length: Option<i64>,
                pub name: String,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<String, ::serde_json::Value>,
            }
        });
        assert_eq!(stream_flattened_structs(&mut file), Ok(1));
        let code = prettyplease::unparse(&file);
        assert!(code.contains("pub struct Kept"));
        assert!(code.contains(
            "derive(::serde::Deserialize, ::serde::Serialize, Clone)]\n    pub struct Kept"
        ));
        assert!(code.contains("derive(Clone)]\n    pub struct Open"));
        assert!(code.contains("impl<'de> ::serde::Deserialize<'de> for Open"));
        assert!(code.contains("impl ::serde::Serialize for Open"));
        assert!(code.contains("pub kept_empty: crate::model::KeptEmpty"));
        // The optional field is marked when it arrives empty and written back while marked.
        assert!(code.contains("kept_empty.insert(0usize)"), "{code}");
        assert!(
            code.contains("|| self.kept_empty.contains(0usize)"),
            "{code}"
        );
        assert!(code.contains("\"minLength\" =>"));
        assert!(code.contains("required(field_1, \"name\")"));
        assert!(code.contains("field_0.unwrap_or_default()"));
    }

    #[test]
    fn builder_conversions_start_with_nothing_kept() {
        let mut file = types_mod(quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub struct Open {
                #[serde(default, skip_serializing_if = "Vec::is_empty")]
                pub a: Vec<i64>,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<String, ::serde_json::Value>,
            }
            pub mod builder {
                impl ::std::convert::TryFrom<Open> for super::Open {
                    type Error = String;
                    fn try_from(value: Open) -> Result<Self, String> {
                        Ok(Self { a: value.a?, extra: value.extra? })
                    }
                }
                impl ::std::convert::From<super::Open> for Open {
                    fn from(value: super::Open) -> Self {
                        Self { a: Ok(value.a), extra: Ok(value.extra) }
                    }
                }
            }
        });
        assert_eq!(stream_flattened_structs(&mut file), Ok(1));
        let code = prettyplease::unparse(&file);
        // One in the builder's conversion, one in `fresh()` (every field of `Open` has a default).
        let filled = code.matches("kept_empty: ::std::default::Default::default()");
        assert_eq!(filled.count(), 2);
        assert!(code.contains("impl crate::model::decode::DecodeInto for Open"));
    }

    #[test]
    fn an_unsupported_serde_attribute_is_an_error_that_names_it() {
        let mut file = types_mod(quote! {
            #[derive(::serde::Deserialize)]
            pub struct Odd {
                #[serde(alias = "x")]
                pub y: Option<i64>,
                #[serde(flatten)]
                pub extra: ::serde_json::Map<String, ::serde_json::Value>,
            }
        });
        let err = stream_flattened_structs(&mut file).unwrap_err();
        assert!(err.contains("Odd.y") && err.contains("alias"), "{err}");
    }
}
