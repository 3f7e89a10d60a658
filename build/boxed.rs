//! Boxes the fields that hold a link object, present many times in nearly every response.
//!
//! typify stores a nested object inline. A link object (`HrefObject`) is 168 bytes, and the
//! `_links` object (`Links`) holds ten optional ones: 1,736 bytes, which made a `Device` 2,440
//! bytes and every policy and rule more than 2,000. A decoded value moves several times on its
//! way from the JSON decoder to the caller (out of the decoder, out of the call's future, into a
//! `Vec`), and each move copied the whole struct. Cachegrind showed those copies as the largest
//! excess of `call()` over a plain reqwest + serde loop: a third more first-level data cache
//! write misses per `GET`, most of them in `memcpy`.
//!
//! Each link object is boxed, not `Links` as a whole: a box of `Links` (1,736 bytes) is too
//! large for the allocator's per-thread cache, and cost more to allocate (about 1,000
//! instructions per object, measured on `Device` decoding) than the copies it saved. Boxed link
//! objects are small allocations, one per link present; `Links` is 136 bytes, and a `Device`
//! less than half its former size.
//!
//! What changes for users: a field of type `HrefObject` is `Option<Box<HrefObject>>`. Reading
//! it is unchanged (`links.self_.as_ref().map(|l| l.href.as_str())`); a struct literal wraps the
//! value in `Box::new`. The builders still take and give a plain `HrefObject`.
//!
//! The in-place decoders (`build/decoders.rs`) decode a boxed struct of their kind straight into
//! its box.

use std::collections::{BTreeMap, BTreeSet};

/// The types stored boxed wherever a struct field holds one.
pub const BOXED_TYPES: &[&str] = &["HrefObject"];

/// Boxes every `Option<T>` field of the structs in `mod types` whose `T` is in
/// `boxed`, and adapts the builders' conversions; returns how many fields it boxed.
pub fn box_fields(file: &mut syn::File, boxed: &[&str]) -> Result<usize, String> {
    let Some(items) = crate::postprocess::types_items(file) else {
        return Ok(0);
    };
    let mut changed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(named) = &mut s.fields else {
            continue;
        };
        for field in named.named.iter_mut() {
            if box_type(&mut field.ty, boxed)
                && let Some(ident) = &field.ident
            {
                changed
                    .entry(s.ident.to_string())
                    .or_default()
                    .insert(ident.to_string());
            }
        }
    }
    let boxed_fields = changed.values().map(BTreeSet::len).sum();
    // Without a builder module (unit tests) there is nothing to adapt.
    let adapted = adapt_builders(items, &changed).unwrap_or(boxed_fields * 2);
    if adapted != boxed_fields * 2 {
        return Err(format!(
            "{boxed_fields} fields boxed, but {adapted} builder conversions of them adapted \
             (expected two each); update build/boxed.rs"
        ));
    }
    Ok(boxed_fields)
}

/// `Option<T>` becomes `Option<Box<T>>` when `T` is in `boxed` (a required field of such a
/// type is left as it is: the spec has none).
fn box_type(ty: &mut syn::Type, boxed: &[&str]) -> bool {
    let Some(inner) = crate::postprocess::generic_argument(ty, "Option")
        .filter(|inner| is_boxed_name(inner, boxed))
        .cloned()
    else {
        return false;
    };
    *ty = syn::parse_quote!(::std::option::Option<::std::boxed::Box<#inner>>);
    true
}

/// Whether `ty` is a bare type name listed in `boxed` (as typify writes types of `mod types`).
fn is_boxed_name(ty: &syn::Type, boxed: &[&str]) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.get_ident().is_some_and(|name| boxed.iter().any(|b| name == b)))
}

/// In `mod builder`, the builder keeps the unboxed value: `TryFrom<builder::X> for super::X`
/// boxes it and `From<super::X> for builder::X` unboxes it. Returns how many field
/// expressions it rewrote (`None` without a builder module).
fn adapt_builders(
    items: &mut [syn::Item],
    changed: &BTreeMap<String, BTreeSet<String>>,
) -> Option<usize> {
    let builder_items = crate::postprocess::builder_items(items)?;
    let mut adapted = 0;
    for item in builder_items {
        let syn::Item::Impl(imp) = item else { continue };
        let Some(conversion) = conversion_of(imp) else {
            continue;
        };
        let Some(fields) = changed.get(&conversion.target) else {
            continue;
        };
        for f in imp.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = f {
                for stmt in f.block.stmts.iter_mut() {
                    if let syn::Stmt::Expr(expr, _) = stmt {
                        adapted += adapt_struct_expr(expr, fields, conversion.boxing);
                    }
                }
            }
        }
    }
    Some(adapted)
}

/// A builder conversion: the generated struct it converts from or to, and its direction.
struct Conversion {
    target: String,
    /// `TryFrom<builder::X> for super::X` (boxes); otherwise `From<super::X> for builder::X`.
    boxing: bool,
}

fn conversion_of(imp: &syn::ItemImpl) -> Option<Conversion> {
    let (path, _) = imp.trait_.as_ref()?;
    let trait_name = path.segments.last()?.ident.to_string();
    let syn::Type::Path(self_ty) = &*imp.self_ty else {
        return None;
    };
    let target = self_ty.path.segments.last()?.ident.to_string();
    let into_generated = self_ty.path.segments.len() == 2; // `super::X`
    match trait_name.as_str() {
        "TryFrom" if into_generated => Some(Conversion {
            target,
            boxing: true,
        }),
        "From" if !into_generated => Some(Conversion {
            target,
            boxing: false,
        }),
        _ => None,
    }
}

/// Rewrites the listed fields of `Self { .. }` (also inside `Ok(..)`): `value.f?` becomes
/// `value.f?.map(Box::new)` when boxing, `Ok(value.f)` becomes
/// `Ok(value.f).map(|f| f.map(|b| *b))` when unboxing.
fn adapt_struct_expr(expr: &mut syn::Expr, fields: &BTreeSet<String>, boxing: bool) -> usize {
    match expr {
        syn::Expr::Struct(s) if s.path.is_ident("Self") => {
            let mut adapted = 0;
            for field in s.fields.iter_mut() {
                let syn::Member::Named(name) = &field.member else {
                    continue;
                };
                if fields.contains(&name.to_string()) {
                    let value = &field.expr;
                    field.expr = if boxing {
                        syn::parse_quote!(#value.map(::std::boxed::Box::new))
                    } else {
                        syn::parse_quote!(#value.map(|f| f.map(|b| *b)))
                    };
                    adapted += 1;
                }
            }
            adapted
        }
        syn::Expr::Call(call) => call
            .args
            .iter_mut()
            .map(|arg| adapt_struct_expr(arg, fields, boxing))
            .sum(),
        _ => 0,
    }
}
