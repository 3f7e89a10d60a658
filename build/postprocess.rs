//! Fixes applied to progenitor's output so that generated types are constructible without traps.
//!
//! - typify derives `Default` only for some structs; every struct whose fields are all optional
//!   (`Option`, `Vec`, maps, JSON values) gets `#[derive(Default)]`, so `Foo::default()` plus
//!   field assignment works and adding an optional field to the spec breaks no caller.
//! - typify's builders start the catch-all `extra` map as "no value supplied", so
//!   `PasswordComplexity::builder().min_length(14).try_into()` failed at run time; it starts empty.
//! - typify's constrained strings (`maxLength`, `pattern`, …) decode into a `String`, check it
//!   as a `&str` and copy it; they check the decoded `String` and keep it. A length limit
//!   compares the byte length first and counts characters only when that does not decide.

/// Adds `#[derive(Default)]` to the all-optional structs of `mod types` that lack a `Default`.
pub fn derive_defaults(file: &mut syn::File) -> usize {
    let Some(items) = types_items(file) else {
        return 0;
    };
    let has_impl: Vec<String> = items.iter().filter_map(default_impl_target).collect();
    let mut added = 0;
    for item in items.iter_mut() {
        if let syn::Item::Struct(s) = item
            && !has_impl.contains(&s.ident.to_string())
            && !derives(&s.attrs, "Default")
            && all_fields_optional(&s.fields)
        {
            s.attrs.push(syn::parse_quote!(#[derive(Default)]));
            added += 1;
        }
    }
    added
}

/// `impl Default for X` → `X`.
fn default_impl_target(item: &syn::Item) -> Option<String> {
    let syn::Item::Impl(i) = item else {
        return None;
    };
    let (path, _) = i.trait_.as_ref()?;
    if path.segments.last()?.ident != "Default" {
        return None;
    }
    match &*i.self_ty {
        syn::Type::Path(p) => Some(p.path.segments.last()?.ident.to_string()),
        _ => None,
    }
}

fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.meta
                .require_list()
                .map(|l| {
                    l.tokens
                        .to_string()
                        .split(',')
                        .any(|t| t.trim().ends_with(name))
                })
                .unwrap_or(false)
    })
}

fn all_fields_optional(fields: &syn::Fields) -> bool {
    let syn::Fields::Named(named) = fields else {
        return false;
    };
    !named.named.is_empty() && named.named.iter().all(|f| is_optional_type(&f.ty))
}

/// `Option<_>`, `Vec<_>`, `Map<_, _>`, `HashMap<_, _>`, `BTreeMap<_, _>` and `serde_json::Value`.
fn is_optional_type(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else {
        return false;
    };
    p.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "Option" | "Vec" | "Map" | "HashMap" | "BTreeMap" | "Value"
        )
    })
}

/// Constrained-string newtypes check and keep the decoded `String` instead of copying it: the
/// checks of `FromStr::from_str` move into `fn checked(String)`, which `from_str`, `TryFrom<String>`
/// and `Deserialize` call. Returns how many types it changed.
pub fn constrained_strings_keep_their_string(file: &mut syn::File) -> usize {
    let Some(items) = types_items(file) else {
        return 0;
    };
    let ending = {
        let ending: syn::Expr = syn::parse_quote!(Ok(Self(value.to_string())));
        quote::quote!(#ending).to_string()
    };
    let from_str: syn::Block = syn::parse_quote!({ Self::checked(value.to_string()) });
    let mut added = Vec::new();
    for item in items.iter_mut() {
        if let Some((ty, checks)) = from_str_checks(item, &ending) {
            redirect(item, |t| *t == ty, "FromStr", &from_str);
            added.push(checked_fn(&ty, &checks));
        }
    }
    if added.is_empty() {
        return 0;
    }
    // One pass over the items with the bodies parsed once (per type and item, this pass was
    // a third of the build script's time).
    let names: std::collections::BTreeSet<&syn::Ident> = added.iter().map(|(ty, _)| ty).collect();
    let try_from: syn::Block = syn::parse_quote!({ Self::checked(value) });
    let deserialize: syn::Block = syn::parse_quote!({
        Self::checked(::std::string::String::deserialize(deserializer)?)
            .map_err(|e| <D::Error as ::serde::de::Error>::custom(e.to_string()))
    });
    for item in items.iter_mut() {
        redirect(item, |t| names.contains(t), "TryFrom", &try_from);
        redirect(item, |t| names.contains(t), "Deserialize", &deserialize);
    }
    let changed = added.len();
    items.extend(added.into_iter().map(|(_, item)| item));
    changed
}

/// The items of the generated `mod types`.
pub fn types_items(file: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The items of the generated `mod builder`, given the items of `mod types` that hold it.
pub fn builder_items(types: &mut [syn::Item]) -> Option<&mut Vec<syn::Item>> {
    types.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The type argument of `ty` when `ty` is `wrapper<T>` (a path ending in `wrapper`).
pub fn generic_argument<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last().filter(|s| s.ident == wrapper)?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) => Some(inner),
        _ => None,
    }
}

/// `impl FromStr for X` whose `from_str` ends in `Ok(Self(value.to_string()))` (`ending`, as
/// tokens printed): `X` and the statements before that end.
fn from_str_checks(item: &syn::Item, ending: &str) -> Option<(syn::Ident, Vec<syn::Stmt>)> {
    let syn::Item::Impl(imp) = item else {
        return None;
    };
    let ty = impl_of(imp, "FromStr")?;
    let syn::ImplItem::Fn(f) = imp
        .items
        .iter()
        .find(|i| matches!(i, syn::ImplItem::Fn(_)))?
    else {
        return None;
    };
    let (last, checks) = f.block.stmts.split_last()?;
    let syn::Stmt::Expr(last, None) = last else {
        return None;
    };
    (quote::quote!(#last).to_string() == ending).then(|| (ty, checks.to_vec()))
}

/// `impl … Trait… for X` → `X`.
fn impl_of(imp: &syn::ItemImpl, trait_name: &str) -> Option<syn::Ident> {
    let (path, _) = imp.trait_.as_ref()?;
    if path.segments.last()?.ident != trait_name {
        return None;
    }
    match &*imp.self_ty {
        syn::Type::Path(p) => Some(p.path.segments.last()?.ident.clone()),
        _ => None,
    }
}

fn checked_fn(ty: &syn::Ident, checks: &[syn::Stmt]) -> (syn::Ident, syn::Item) {
    let checks: Vec<syn::Stmt> = checks
        .iter()
        .cloned()
        .map(length_check_counts_last)
        .collect();
    let item = syn::parse_quote! {
        impl #ty {
            /// Checks the constraints and keeps the string.
            fn checked(
                owned: ::std::string::String,
            ) -> ::std::result::Result<Self, self::error::ConversionError> {
                let value: &str = &owned;
                #(#checks)*
                Ok(Self(owned))
            }
        }
    };
    (ty.clone(), item)
}

/// A length check `if value.chars().count() > N` (or `< N`) first compares the byte length,
/// which bounds the character count (1 to 4 bytes per character): most strings are decided
/// without counting their characters.
fn length_check_counts_last(stmt: syn::Stmt) -> syn::Stmt {
    let syn::Stmt::Expr(syn::Expr::If(mut check), semi) = stmt else {
        return stmt;
    };
    let syn::Expr::Binary(cond) = &*check.cond else {
        return syn::Stmt::Expr(syn::Expr::If(check), semi);
    };
    let (left, limit) = (&cond.left, &cond.right);
    let counts = quote::quote!(#left).to_string() == "value . chars () . count ()";
    let quick: Option<syn::Expr> = match cond.op {
        // More characters than N needs more bytes than N.
        syn::BinOp::Gt(_) if counts => Some(syn::parse_quote!(value.len() > #limit)),
        // Fewer characters than N needs fewer bytes than 4 N.
        syn::BinOp::Lt(_) if counts => {
            Some(syn::parse_quote!(value.len() < (#limit).saturating_mul(4)))
        }
        _ => None,
    };
    if let Some(quick) = quick {
        let full = &check.cond;
        *check.cond = syn::parse_quote!(#quick && #full);
    }
    syn::Stmt::Expr(syn::Expr::If(check), semi)
}

/// Replaces the body of the only method of `impl Trait for X` when `target(X)` (for `TryFrom`,
/// only the `TryFrom<String>` impl).
fn redirect(
    item: &mut syn::Item,
    target: impl Fn(&syn::Ident) -> bool,
    trait_name: &str,
    body: &syn::Block,
) {
    let syn::Item::Impl(imp) = item else { return };
    if !impl_of(imp, trait_name).is_some_and(|ty| target(&ty)) {
        return;
    }
    if trait_name == "TryFrom" {
        let Some((path, _)) = &imp.trait_ else {
            return;
        };
        if !quote::quote!(#path).to_string().contains("String") {
            return;
        }
    }
    for member in &mut imp.items {
        if let syn::ImplItem::Fn(f) = member {
            f.block = body.clone();
        }
    }
}

/// The builders' `extra` starts as an empty map instead of an error.
pub fn builder_extra_starts_empty(code: &str) -> Result<String, String> {
    const MISSING: &str = "Err(\"no value supplied for extra\".to_string())";
    let fixed = code.replace(MISSING, "Ok(Default::default())");
    if fixed.contains("no value supplied for extra") {
        return Err(
            "a builder's `extra` default has an unexpected form; update build/postprocess.rs"
                .into(),
        );
    }
    Ok(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_default_for_all_optional_structs_only() {
        let mut file: syn::File = syn::parse_quote! {
            mod types {
                pub struct A { pub x: Option<i64>, pub extra: ::serde_json::Map<String, ::serde_json::Value> }
                pub struct B { pub name: String }
                pub struct C { pub y: Option<bool> }
                impl ::std::default::Default for C { fn default() -> Self { Self { y: None } } }
            }
        };
        assert_eq!(derive_defaults(&mut file), 1);
    }

    #[test]
    fn constrained_strings_check_and_keep_the_decoded_string() {
        let mut file: syn::File = syn::parse_quote! {
            mod types {
                pub struct Name(String);
                impl ::std::str::FromStr for Name {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> Result<Self, self::error::ConversionError> {
                        if value.chars().count() > 5usize { return Err("longer than 5 characters".into()); }
                        if value.chars().count() < 1usize { return Err("shorter than 1 character".into()); }
                        Ok(Self(value.to_string()))
                    }
                }
                impl ::std::convert::TryFrom<&str> for Name {
                    type Error = self::error::ConversionError;
                    fn try_from(value: &str) -> Result<Self, self::error::ConversionError> { value.parse() }
                }
                impl ::std::convert::TryFrom<::std::string::String> for Name {
                    type Error = self::error::ConversionError;
                    fn try_from(value: ::std::string::String) -> Result<Self, self::error::ConversionError> { value.parse() }
                }
                impl<'de> ::serde::Deserialize<'de> for Name {
                    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error> where D: ::serde::Deserializer<'de> {
                        ::std::string::String::deserialize(deserializer)?.parse().map_err(|e: self::error::ConversionError| <D::Error as ::serde::de::Error>::custom(e.to_string()))
                    }
                }
            }
        };
        assert_eq!(constrained_strings_keep_their_string(&mut file), 1);
        let code = prettyplease::unparse(&file);
        assert!(code.contains("fn checked("), "{code}");
        assert!(code.contains("longer than 5 characters"), "{code}");
        assert!(
            code.contains("if value.len() > 5usize && value.chars().count() > 5usize"),
            "{code}"
        );
        assert!(
            code.contains(
                "if value.len() < (1usize).saturating_mul(4) && value.chars().count() < 1usize"
            ),
            "{code}"
        );
        assert_eq!(code.matches("Self::checked(value)").count(), 1, "{code}");
        assert_eq!(
            code.matches("Self::checked(value.to_string())").count(),
            1,
            "{code}"
        );
        assert!(
            code.contains("Self::checked(::std::string::String::deserialize(deserializer)?)"),
            "{code}"
        );
        assert!(
            code.contains("value.parse()"),
            "TryFrom<&str> keeps parsing: {code}"
        );
    }

    #[test]
    fn builder_extra_starts_empty_map() {
        let code = r#"extra: Err("no value supplied for extra".to_string()),"#;
        assert_eq!(
            builder_extra_starts_empty(code).unwrap(),
            "extra: Ok(Default::default()),"
        );
    }
}
