//! The crate-owned call surface, added to progenitor's output for every operation.
//!
//! For each builder in `mod builder` that has a `send()` returning
//! `Result<ResponseValue<T>, Error<E>>`, this adds:
//! - `call()` → `Result<T, crate::Error>` and `call_with_meta()` → `Result<crate::Response<T>,
//!   crate::Error>` (the call runs on a per-call copy of the client, see `src/call.rs`);
//! - for list operations (`GET` with an array response):
//!   `pages()`/`items()` and the `Paginate` trait, holding their own client handle.
//!
//! For every operation with required parameters it adds `Client::<operation>_with(required…)`,
//! which returns the builder with those set: with it, leaving a required value out is a compile
//! error instead of a run-time `InvalidRequest`.
//!
//! It also makes `Client::new` and `Client::new_with_client` crate-private: the builder and
//! `from_env()` are the only ways to get a client, so their URL and credential checks always
//! run.

use std::collections::BTreeSet;

use quote::quote;

/// Builder names (`ListDevices`) of the operations that paginate: `GET` with an array `200`
/// response (the stream follows `Link: rel="next"` when the server sends one, so a list that
/// is not paged in practice simply ends after its first page).
pub fn paginated_builders(spec: &serde_json::Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Some(paths) = spec.get("paths").and_then(serde_json::Value::as_object) else {
        return names;
    };
    for item in paths.values().filter_map(serde_json::Value::as_object) {
        let Some(op) = item.get("get") else {
            continue;
        };
        {
            let array = op
                .pointer("/responses/200/content/application~1json/schema/type")
                .and_then(serde_json::Value::as_str)
                == Some("array");
            if let (true, Some(id)) = (
                array,
                op.get("operationId").and_then(serde_json::Value::as_str),
            ) {
                names.insert(camel(id));
            }
        }
    }
    names
}

/// `listDevices` → `ListDevices` (progenitor's builder name for an operation id).
fn camel(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Adds the call layer to `file`; returns the number of operations that got it.
pub fn add(file: &mut syn::File, paginated: &BTreeSet<String>) -> Result<usize, String> {
    close_side_door(file)?;
    let builder = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor's output has no `mod builder`")?;
    let mut added = Vec::new();
    for item in &builder.1 {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
            && let Some((name, value)) = send_signature(imp)
        {
            added.push(methods(
                &name,
                &value,
                paginated.contains(&name.to_string()),
            ));
        }
    }
    let missing: Vec<&String> = paginated
        .iter()
        .filter(|name| !builder.1.iter().any(|i| is_builder_impl(i, name)))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "list operations without a generated builder: {missing:?}"
        ));
    }
    let structs: Vec<syn::ItemStruct> = builder
        .1
        .iter()
        .filter_map(|i| match i {
            syn::Item::Struct(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    for imp in builder.1.iter().filter_map(|i| match i {
        syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
        _ => None,
    }) {
        if let Some(tokens) = required_constructor(imp, &structs) {
            added.push(tokens);
        }
    }
    let count = added.len();
    for tokens in added {
        let items: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
        builder.1.extend(items.items);
    }
    Ok(count)
}

fn is_builder_impl(item: &syn::Item, name: &str) -> bool {
    matches!(item, syn::Item::Impl(imp) if matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name)))
}

/// The builder's name and the `T` of `send() -> Result<ResponseValue<T>, Error<E>>`.
fn send_signature(imp: &syn::ItemImpl) -> Option<(syn::Ident, syn::Type)> {
    let syn::Type::Path(self_ty) = &*imp.self_ty else {
        return None;
    };
    let name = self_ty.path.segments.last()?.ident.clone();
    let send = imp.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
        _ => None,
    })?;
    let syn::ReturnType::Type(_, ty) = &send.sig.output else {
        return None;
    };
    let result = first_generic(ty, "Result")?;
    let value = first_generic(&result, "ResponseValue")?;
    Some((name, value))
}

/// `Outer<First, …>` → `First`.
fn first_generic(ty: &syn::Type, outer: &str) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

/// `Vec<T>` → `T`.
fn vec_item(ty: &syn::Type) -> Option<syn::Type> {
    first_generic(ty, "Vec")
}

fn methods(name: &syn::Ident, value: &syn::Type, paginated: bool) -> proc_macro2::TokenStream {
    let operation = snake(&name.to_string());
    let mut tokens = quote! {
        impl<'a> #name<'a> {
            /// Sends the request and returns the decoded body; every failure is a
            /// [`crate::Error`].
            pub async fn call(self) -> ::std::result::Result<#value, crate::Error> {
                let scoped = crate::call::Scoped::new(self.client);
                let mut this: #name<'_> = self;
                this.client = scoped.client();
                let result = this.send().await;
                scoped.finish_value(result)
            }

            /// Sends the request and returns the decoded body with the response's status,
            /// request id, rate-limit headers and attempts (see [`crate::Response`]).
            pub async fn call_with_meta(
                self,
            ) -> ::std::result::Result<crate::Response<#value>, crate::Error> {
                let scoped = crate::call::Scoped::new(self.client);
                let mut this: #name<'_> = self;
                this.client = scoped.client();
                let result = this.send().await;
                scoped.finish(result)
            }
        }
    };
    if let (true, Some(item)) = (paginated, vec_item(value)) {
        let op = operation.as_str();
        tokens.extend(quote! {
            impl crate::pagination::sealed::Sealed for #name<'_> {}

            impl<'a> crate::pagination::Paginate<'a> for #name<'a> {
                type Item = #item;

                fn pages(
                    self,
                ) -> ::futures::stream::BoxStream<
                    'a,
                    ::std::result::Result<crate::pagination::Page<#item>, crate::Error>,
                > {
                    let client = self.client.clone();
                    crate::pagination::page_stream(client, ::std::boxed::Box::pin(self.call_with_meta()), #op)
                }
            }

            impl<'a> #name<'a> {
                /// A lazy stream of pages, following `Link: rel="next"` (see
                /// [`crate::pagination`]).
                pub fn pages(
                    self,
                ) -> ::futures::stream::BoxStream<
                    'a,
                    ::std::result::Result<crate::pagination::Page<#item>, crate::Error>,
                > {
                    crate::pagination::Paginate::pages(self)
                }

                /// A lazy stream of items across all pages (see [`crate::pagination`]).
                pub fn items(
                    self,
                ) -> ::futures::stream::BoxStream<'a, ::std::result::Result<#item, crate::Error>>
                {
                    crate::pagination::Paginate::items(self)
                }
            }
        });
    }
    tokens
}

/// `Client::<op>_with(required…)` for a builder whose `new()` leaves fields uninitialized
/// (`Err("… was not initialized")`): those are the required parameters and body.
fn required_constructor(
    imp: &syn::ItemImpl,
    structs: &[syn::ItemStruct],
) -> Option<proc_macro2::TokenStream> {
    let syn::Type::Path(self_ty) = &*imp.self_ty else {
        return None;
    };
    let name = &self_ty.path.segments.last()?.ident;
    let new = imp.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == "new" => Some(f),
        _ => None,
    })?;
    let required = uninitialized_fields(new);
    if required.is_empty() {
        return None;
    }
    let fields = match &structs.iter().find(|s| s.ident == *name)?.fields {
        syn::Fields::Named(named) => named.named.clone(),
        _ => return None,
    };
    let mut generics = Vec::new();
    let mut params = Vec::new();
    let mut setters = Vec::new();
    for (i, field) in required.iter().enumerate() {
        let ty = fields
            .iter()
            .find(|f| f.ident.as_ref() == Some(field))
            .and_then(|f| first_generic(&f.ty, "Result"))?;
        let v = quote::format_ident!("V{i}");
        generics.push(quote! { #v: ::std::convert::TryInto<#ty> });
        params.push(quote! { #field: #v });
        setters.push(quote! { .#field(#field) });
    }
    let method = quote::format_ident!("{}_with", snake(&name.to_string()));
    let op = snake(&name.to_string());
    let doc = format!(
        "[`Client::{op}`](super::Client::{op}) with its required values set: leaving one out is a compile error."
    );
    Some(quote! {
        impl super::Client {
            #[doc = #doc]
            pub fn #method<#(#generics),*>(&self, #(#params),*) -> #name<'_> {
                #name::new(self) #(#setters)*
            }
        }
    })
}

/// The fields `new()` initializes with `Err(…)`.
fn uninitialized_fields(new: &syn::ImplItemFn) -> Vec<syn::Ident> {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = new.block.stmts.last() else {
        return Vec::new();
    };
    init.fields
        .iter()
        .filter_map(|fv| {
            let syn::Member::Named(ident) = &fv.member else {
                return None;
            };
            let syn::Expr::Call(call) = &fv.expr else {
                return None;
            };
            matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"))
                .then(|| ident.clone())
        })
        .collect()
}

/// `ListDevices` → `list_devices`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `Client::new` and `Client::new_with_client` become `pub(crate)`.
fn close_side_door(file: &mut syn::File) -> Result<(), String> {
    let mut closed = 0;
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else {
            continue;
        };
        let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || imp.trait_.is_some() {
            continue;
        }
        for f in imp.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = f
                && (f.sig.ident == "new" || f.sig.ident == "new_with_client")
            {
                f.vis = syn::parse_quote!(pub(crate));
                f.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
                closed += 1;
            }
        }
    }
    if closed == 2 {
        Ok(())
    } else {
        Err(format!(
            "expected Client::new and Client::new_with_client in progenitor's output, found {closed}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("listDevices"), "ListDevices");
        assert_eq!(snake("ListPolicyRules"), "list_policy_rules");
    }

    #[test]
    fn finds_list_operations() {
        let array = serde_json::json!({"200": {"content": {"application/json": {"schema": {"type": "array"}}}}});
        let spec = serde_json::json!({"paths": {"/x": {
            "get": {"operationId": "listX", "responses": array},
            "post": {"operationId": "simulateX", "responses": array}
        }}});
        assert_eq!(
            paginated_builders(&spec).into_iter().collect::<Vec<_>>(),
            ["ListX"]
        );
    }

    #[test]
    fn adds_call_methods_and_closes_the_side_door() {
        let mut file: syn::File = syn::parse_quote! {
            pub struct Client;
            impl Client {
                pub fn new() -> Self { Client }
                pub fn new_with_client() -> Self { Client }
            }
            pub mod builder {
                pub struct ListX<'a> {
                    client: &'a super::Client,
                    kind: Result<types::Kind, String>,
                    limit: Result<Option<u32>, String>,
                }
                impl<'a> ListX<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, kind: Err("kind was not initialized".to_string()), limit: Ok(None) }
                    }
                    pub async fn send(self) -> Result<ResponseValue<Vec<types::X>>, Error<E>> { todo!() }
                }
            }
        };
        let paginated = BTreeSet::from(["ListX".to_string()]);
        assert_eq!(add(&mut file, &paginated), Ok(2));
        let code = prettyplease::unparse(&file);
        assert!(code.contains("pub(crate) fn new()"), "{code}");
        assert!(code.contains("pub async fn call(self)"), "{code}");
        assert!(code.contains("Paginate<'a> for ListX<'a>"), "{code}");
        assert!(code.contains("type Item = types::X;"), "{code}");
        assert!(
            code.contains("pub fn list_x_with<V0: ::std::convert::TryInto<types::Kind>>("),
            "{code}"
        );
        assert!(code.contains("ListX::new(self).kind(kind)"), "{code}");
    }
}
