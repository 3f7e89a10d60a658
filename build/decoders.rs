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
//! The visitor's helpers live in `crate::model::decode`.

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
}

enum Missing {
    /// `#[serde(default)]` or an `Option`: the type's default.
    Default,
    /// `#[serde(default = "path")]`.
    DefaultFn(syn::ExprPath),
    /// A required field: the error serde reports.
    Error,
}

/// Replaces the derived `Deserialize` of every struct in `mod types` that has a flattened
/// `extra` map; returns how many it replaced.
pub fn stream_flattened_structs(file: &mut syn::File) -> Result<usize, String> {
    let Some(items) = crate::postprocess::types_items(file) else {
        return Ok(0);
    };
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        if let syn::Item::Struct(s) = item
            && let Some(code) = streaming_decoder(s)?
        {
            impls.push(syn::parse2::<syn::Item>(code).map_err(|e| e.to_string())?);
        }
    }
    let replaced = impls.len();
    items.extend(impls);
    Ok(replaced)
}

/// For a struct with a flattened map: removes `Deserialize` from its derives and returns the
/// hand-rolled impl. `None` for every other struct.
fn streaming_decoder(s: &mut syn::ItemStruct) -> Result<Option<TokenStream>, String> {
    let syn::Fields::Named(named) = &s.fields else {
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
    if !remove_derive(&mut s.attrs, "Deserialize") {
        return Ok(None);
    }
    Ok(Some(decoder_impl(&s.ident, (&extra, &extra_ty), &fields)))
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
            ("skip_serializing_if", Some(_)) => {}
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

fn decoder_impl(
    name: &syn::Ident,
    (extra, extra_ty): (&syn::Ident, &syn::Type),
    fields: &[Field],
) -> TokenStream {
    let helpers: syn::Path = syn::parse_quote!(crate::model::decode);
    let expecting = format!("struct {name}");
    let slots: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("field_{}", i))
        .collect();
    let types = fields.iter().map(|f| &f.ty);
    let wires = fields.iter().map(|f| &f.wire);
    let wires_again = fields.iter().map(|f| &f.wire);
    let idents = fields.iter().map(|f| &f.ident);
    let finish = fields.iter().zip(&slots).map(|(f, slot)| {
        let wire = &f.wire;
        match &f.when_missing {
            Missing::Default => quote!(#slot.unwrap_or_default()),
            Missing::DefaultFn(path) => quote!(#slot.unwrap_or_else(#path)),
            Missing::Error => quote!(#helpers::required(#slot, #wire)?),
        }
    });
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
                    fn visit_map<A>(self, mut map: A) -> ::std::result::Result<#name, A::Error>
                    where
                        A: ::serde::de::MapAccess<'de>,
                    {
                        #( let mut #slots: ::std::option::Option<#types> = None; )*
                        let mut #extra: #extra_ty = ::std::default::Default::default();
                        while let Some(key) = map.next_key::<#helpers::FieldName<'de>>()? {
                            match key.as_str() {
                                #( #wires => #helpers::next_field(&mut map, &mut #slots, #wires_again)?, )*
                                _ => {
                                    let value = map.next_value()?;
                                    #extra.insert(key.into_string(), value);
                                }
                            }
                        }
                        Ok(#name {
                            #( #idents: #finish, )*
                            #extra,
                        })
                    }
                }
                deserializer.deserialize_map(Fields)
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
        assert!(code.contains("derive(::serde::Serialize, Clone)]\n    pub struct Open"));
        assert!(code.contains("impl<'de> ::serde::Deserialize<'de> for Open"));
        assert!(code.contains("\"minLength\" =>"));
        assert!(code.contains("required(field_1, \"name\")"));
        assert!(code.contains("field_0.unwrap_or_default()"));
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
