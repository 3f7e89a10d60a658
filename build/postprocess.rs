//! Fixes applied to progenitor's output so that generated types are constructible without traps.
//!
//! - typify derives `Default` only for some structs; every struct whose fields are all optional
//!   (`Option`, `Vec`, maps, JSON values) gets `#[derive(Default)]`, so `Foo::default()` plus
//!   field assignment works and adding an optional field to the spec breaks no caller.
//! - typify's builders start the catch-all `extra` map as "no value supplied", so
//!   `PasswordComplexity::builder().min_length(14).try_into()` failed at run time; it starts empty.

/// Adds `#[derive(Default)]` to the all-optional structs of `mod types` that lack a `Default`.
pub fn derive_defaults(file: &mut syn::File) -> usize {
    let mut added = 0;
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "types"
            && let Some((_, items)) = &mut m.content
        {
            let has_impl: Vec<String> = items.iter().filter_map(default_impl_target).collect();
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
    fn builder_extra_starts_empty_map() {
        let code = r#"extra: Err("no value supplied for extra".to_string()),"#;
        assert_eq!(
            builder_extra_starts_empty(code).unwrap(),
            "extra: Ok(Default::default()),"
        );
    }
}
