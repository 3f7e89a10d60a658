//! A plain-text listing of the public API generated from the spec.
//!
//! build.rs writes it to `$OUT_DIR/api.txt`; `tests/api_listing.rs` compares it with the committed
//! `api/generated.txt`, so a spec edit that changes the public Rust API shows up as a reviewable
//! diff (and fails the test until the listing is updated with `UPDATE_API_LISTING=1`).

use std::collections::BTreeSet;

/// Lines describing every public type, field, variant and method of `file` (sorted, unique).
pub fn listing(files: &[&syn::File]) -> String {
    let mut lines = BTreeSet::new();
    for file in files {
        items(&file.items, "", &mut lines);
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn items(list: &[syn::Item], module: &str, lines: &mut BTreeSet<String>) {
    for item in list {
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => structure(s, module, lines),
            syn::Item::Enum(e) if is_pub(&e.vis) => enumeration(e, module, lines),
            syn::Item::Type(t) if is_pub(&t.vis) => {
                lines.insert(format!("type {module}{} = {}", t.ident, tokens(&t.ty)));
            }
            syn::Item::Impl(i) if i.trait_.is_none() => methods(i, module, lines),
            syn::Item::Mod(m) if is_pub(&m.vis) => {
                if let Some((_, inner)) = &m.content {
                    items(inner, &format!("{module}{}::", m.ident), lines);
                }
            }
            _ => {}
        }
    }
}

fn structure(s: &syn::ItemStruct, module: &str, lines: &mut BTreeSet<String>) {
    let name = format!("{module}{}", s.ident);
    lines.insert(format!("struct {name}"));
    for (i, f) in s.fields.iter().enumerate() {
        if !is_pub(&f.vis) {
            continue;
        }
        let field = f
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| i.to_string());
        lines.insert(format!("struct {name}.{field}: {}", tokens(&f.ty)));
    }
}

fn enumeration(e: &syn::ItemEnum, module: &str, lines: &mut BTreeSet<String>) {
    let name = format!("{module}{}", e.ident);
    lines.insert(format!("enum {name}"));
    for v in &e.variants {
        let fields = if v.fields.is_empty() {
            String::new()
        } else {
            tokens(&v.fields)
        };
        lines.insert(format!("enum {name}::{}{fields}", v.ident));
    }
}

fn methods(i: &syn::ItemImpl, module: &str, lines: &mut BTreeSet<String>) {
    let owner = format!("{module}{}", tokens(&i.self_ty));
    for item in &i.items {
        if let syn::ImplItem::Fn(f) = item
            && is_pub(&f.vis)
        {
            let inputs: Vec<String> = f.sig.inputs.iter().map(tokens).collect();
            let output = match &f.sig.output {
                syn::ReturnType::Default => String::new(),
                syn::ReturnType::Type(_, t) => format!(" -> {}", tokens(t)),
            };
            lines.insert(format!(
                "fn {owner}::{}({}){output}",
                f.sig.ident,
                inputs.join(", ")
            ));
        }
    }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// Tokens as one line, with the spacing of `to_token_stream` tightened a little.
fn tokens<T: quote::ToTokens>(t: &T) -> String {
    t.to_token_stream()
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}
