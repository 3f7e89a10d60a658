//! The crate-owned call surface, added to progenitor's output for every operation.
//!
//! For each builder in `mod builder` that has a `send()` returning
//! `Result<ResponseValue<T>, Error<E>>`, this adds:
//! - `call()` → `Result<T, crate::Error>` and `call_with_meta()` → `Result<crate::Response<T>,
//!   crate::Error>` (see `src/call.rs`), sending what `into_request()` builds: `send()`'s
//!   request without the `api-version` header and without copies of `String` path parameters;
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

use quote::{ToTokens as _, quote};

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
    let structs: Vec<syn::ItemStruct> = builder
        .1
        .iter()
        .filter_map(|i| match i {
            syn::Item::Struct(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let mut added = Vec::new();
    for item in &builder.1 {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
            && let Some((name, value)) = send_signature(imp)
        {
            let strings = string_fields(&structs, &name);
            let send = SendParts::of(imp, &strings).map_err(|e| format!("{name}::send: {e}"))?;
            let mut tokens = send.request_builder_method(&name);
            tokens.extend(methods(
                &name,
                &value,
                &send,
                paginated.contains(&name.to_string()),
            ));
            added.push(tokens);
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
    nth_generic(ty, outer, 0)
}

/// The `n`-th type argument of `Outer<…>` (`n` from 0).
fn nth_generic(ty: &syn::Type, outer: &str, n: usize) -> Option<syn::Type> {
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
    args.args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .nth(n)
}

/// `Vec<T>` → `T`.
fn vec_item(ty: &syn::Type) -> Option<syn::Type> {
    first_generic(ty, "Vec")
}

/// What the call layer takes from progenitor's `send()`: the statements that build the
/// request, the error type, and the statuses that are a success with or without a body.
struct SendParts {
    build: Vec<syn::Stmt>,
    error: syn::Type,
    success: Vec<u16>,
    empty: bool,
}

/// progenitor sizes its header map for the `api-version` header; without that header the map of
/// an operation without header parameters stays empty, and `HeaderMap::new()` allocates
/// nothing (one with header parameters allocates on its first insert).
fn unsized_header_map(stmt: &syn::Stmt) -> syn::Stmt {
    let text = stmt.to_token_stream().to_string();
    if text.starts_with("let mut header_map =") && text.contains("HeaderMap :: with_capacity (") {
        syn::parse_quote! { let mut header_map = ::reqwest::header::HeaderMap::new(); }
    } else {
        stmt.clone()
    }
}

/// The fields of builder `name` that hold a `String` (`Result<::std::string::String, String>`).
fn string_fields(structs: &[syn::ItemStruct], name: &syn::Ident) -> BTreeSet<String> {
    let Some(syn::Fields::Named(fields)) =
        structs.iter().find(|s| s.ident == *name).map(|s| &s.fields)
    else {
        return BTreeSet::new();
    };
    let string = quote!(::std::string::String).to_string();
    let is_string = |ty: syn::Type| ty.to_token_stream().to_string() == string;
    fields
        .named
        .iter()
        .filter(|f| first_generic(&f.ty, "Result").is_some_and(is_string))
        .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
        .collect()
}

/// `stmt` with `encode_path(&x.to_string())` made `encode_path(&x)` for every `String`
/// parameter `x` in `strings`: `encode_path` takes a `&str`, so the copy was made only to be
/// dropped. (The path is built inside `format!`, whose arguments are tokens, not expressions.)
fn borrowed_path_params(stmt: &syn::Stmt, strings: &BTreeSet<String>) -> Result<syn::Stmt, String> {
    if strings.is_empty() {
        return Ok(stmt.clone());
    }
    let tokens = borrow_in(stmt.to_token_stream(), strings);
    syn::parse2(tokens).map_err(|e| format!("a statement after borrowing path parameters: {e}"))
}

/// `tokens` with each `encode_path(&x.to_string())` of a parameter in `strings` borrowed, at
/// any depth of groups.
fn borrow_in(
    tokens: proc_macro2::TokenStream,
    strings: &BTreeSet<String>,
) -> proc_macro2::TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let mut out = Vec::new();
    let mut after_encode_path = false;
    for tree in tokens {
        let tree = match tree {
            TokenTree::Group(group) => {
                let borrowed = (after_encode_path && group.delimiter() == Delimiter::Parenthesis)
                    .then(|| borrowed_string(&group.stream(), strings))
                    .flatten();
                let inner = borrowed.unwrap_or_else(|| borrow_in(group.stream(), strings));
                let mut new = Group::new(group.delimiter(), inner);
                new.set_span(group.span());
                TokenTree::Group(new)
            }
            other => other,
        };
        after_encode_path = matches!(&tree, TokenTree::Ident(i) if i == "encode_path");
        out.push(tree);
    }
    out.into_iter().collect()
}

/// `&x` for the argument tokens `& x . to_string ()` when `x` is one of `strings`.
fn borrowed_string(
    argument: &proc_macro2::TokenStream,
    strings: &BTreeSet<String>,
) -> Option<proc_macro2::TokenStream> {
    use proc_macro2::TokenTree as T;
    let trees: Vec<T> = argument.clone().into_iter().collect();
    let [
        T::Punct(amp),
        T::Ident(x),
        T::Punct(dot),
        T::Ident(method),
        T::Group(args),
    ] = trees.as_slice()
    else {
        return None;
    };
    let call = amp.as_char() == '&' && dot.as_char() == '.' && method == "to_string";
    (call && args.stream().is_empty() && strings.contains(&x.to_string())).then(|| quote!(&#x))
}

impl SendParts {
    /// Reads `send()`: everything before `client.pre(…)` builds the request; the arms of the
    /// final status `match` that are not `Err(…)` are the successes. `strings` are the
    /// builder's `String` parameters (see [`borrowed_path_params`]).
    fn of(imp: &syn::ItemImpl, strings: &BTreeSet<String>) -> Result<Self, String> {
        let send = imp
            .items
            .iter()
            .find_map(|i| match i {
                syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                _ => None,
            })
            .ok_or("no send()")?;
        let stmts = &send.block.stmts;
        let text = |s: &syn::Stmt| s.to_token_stream().to_string();
        let pre = stmts
            .iter()
            .position(|s| text(s).starts_with("client . pre ("))
            .ok_or("no `client.pre(…)` statement")?;
        // progenitor's `api-version` header, which Okta does not use, is left out.
        let build: Vec<syn::Stmt> = stmts[..pre]
            .iter()
            .filter(|s| !text(s).contains("\"api-version\""))
            .map(unsized_header_map)
            .map(|s| borrowed_path_params(&s, strings))
            .collect::<Result<_, _>>()?;
        if build.iter().any(|s| text(s).contains(". await")) {
            return Err("the request is built with an `.await`".into());
        }
        let syn::ReturnType::Type(_, ty) = &send.sig.output else {
            return Err("no return type".into());
        };
        let error = nth_generic(ty, "Result", 1).ok_or("the return type is not a Result")?;
        let Some(syn::Stmt::Expr(syn::Expr::Match(status_match), _)) = stmts.last() else {
            return Err("does not end with a status `match`".into());
        };
        let (success, empty) = success_arms(status_match)?;
        Ok(Self {
            build,
            error,
            success,
            empty,
        })
    }

    /// `into_request()`: the request `send()` would send, built but not sent.
    fn request_builder_method(&self, name: &syn::Ident) -> proc_macro2::TokenStream {
        let (build, error) = (&self.build, &self.error);
        quote! {
            impl<'a> #name<'a> {
                /// The client, the request `send()` would send (before the client's headers
                /// are applied) and the operation's id.
                #[allow(unused_mut)]
                pub(crate) fn into_request(
                    self,
                ) -> ::std::result::Result<(&'a super::Client, ::reqwest::Request, &'static str), #error> {
                    #(#build)*
                    Ok((client, request, info.operation_id))
                }
            }
        }
    }

    /// The call-layer function that reads a success body: `json` or `empty`.
    fn reader(&self, with_meta: bool) -> proc_macro2::TokenStream {
        match (self.empty, with_meta) {
            (false, false) => quote!(crate::call::json),
            (false, true) => quote!(crate::call::json_with_meta),
            (true, false) => quote!(crate::call::empty),
            (true, true) => quote!(crate::call::empty_with_meta),
        }
    }
}

/// The success statuses of a status `match`, and whether their body is empty. Every arm that
/// is not `Err(…)` must read the body (`ResponseValue::from_response`) or ignore it
/// (`ResponseValue::empty`), all the same way.
fn success_arms(status_match: &syn::ExprMatch) -> Result<(Vec<u16>, bool), String> {
    let mut codes = Vec::new();
    let mut kinds = BTreeSet::new();
    for arm in &status_match.arms {
        let text = arm.body.to_token_stream().to_string();
        let body = text
            .strip_prefix("{ ")
            .and_then(|b| b.strip_suffix(" }"))
            .unwrap_or(&text);
        if body.starts_with("Err (") {
            continue;
        }
        let syn::Pat::Lit(syn::PatLit {
            lit: syn::Lit::Int(code),
            ..
        }) = &arm.pat
        else {
            return Err(format!("a success arm without a status: {body}"));
        };
        codes.push(code.base10_parse::<u16>().map_err(|e| e.to_string())?);
        kinds.insert(match body {
            "ResponseValue :: from_response (response) . await" => false,
            "Ok (ResponseValue :: empty (response))" => true,
            other => return Err(format!("an unknown success arm: {other}")),
        });
    }
    match (codes.is_empty(), kinds.len()) {
        (false, 1) => Ok((codes, kinds.contains(&true))),
        _ => Err(format!("success arms {codes:?} of {} kinds", kinds.len())),
    }
}

fn methods(
    name: &syn::Ident,
    value: &syn::Type,
    send: &SendParts,
    paginated: bool,
) -> proc_macro2::TokenStream {
    let operation = snake(&name.to_string());
    let codes = &send.success;
    let (read, read_with_meta) = (send.reader(false), send.reader(true));
    let mut tokens = quote! {
        impl<'a> #name<'a> {
            /// Sends the request and returns the decoded body; every failure is a
            /// [`crate::Error`]. The request is built when this is called; nothing is sent
            /// until the future is awaited.
            pub fn call(
                self,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<#value, crate::Error>,
            > + ::std::marker::Send + 'a {
                ::futures::FutureExt::map(
                    crate::call::exchange(self.into_request()),
                    |exchange| #read(exchange?, &[#(#codes),*]),
                )
            }

            /// Sends the request and returns the decoded body with the response's status,
            /// request id, rate-limit headers and attempts (see [`crate::Response`]).
            pub fn call_with_meta(
                self,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<crate::Response<#value>, crate::Error>,
            > + ::std::marker::Send + 'a {
                ::futures::FutureExt::map(
                    crate::call::exchange(self.into_request()),
                    |exchange| #read_with_meta(exchange?, &[#(#codes),*]),
                )
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
                    crate::pagination::page_stream(client, self.first_page(), #op)
                }

                fn items(
                    self,
                ) -> ::futures::stream::BoxStream<'a, ::std::result::Result<#item, crate::Error>>
                {
                    let client = self.client.clone();
                    crate::pagination::item_stream(client, self.first_page(), #op)
                }
            }

            impl<'a> #name<'a> {
                /// The first page: the operation's own request, its status checked.
                fn first_page(self) -> crate::pagination::FirstPage<'a> {
                    ::std::boxed::Box::pin(::futures::FutureExt::map(
                        crate::call::exchange(self.into_request()),
                        |exchange| crate::call::expect(exchange?, &[#(#codes),*]),
                    ))
                }

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
    let start = unset_builder(new, name, &required)?;
    Some(quote! {
        impl super::Client {
            #[doc = #doc]
            pub fn #method<#(#generics),*>(&self, #(#params),*) -> #name<'_> {
                let client = self;
                #start #(#setters)*
            }
        }
    })
}

/// `new()`'s struct expression with `Err(String::new())` in the `required` fields, which the
/// setters fill at once: `new()`'s `"… was not initialized"` texts are allocated only to be
/// dropped (an empty `String` allocates nothing).
fn unset_builder(
    new: &syn::ImplItemFn,
    name: &syn::Ident,
    required: &[syn::Ident],
) -> Option<syn::ExprStruct> {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = new.block.stmts.last() else {
        return None;
    };
    let mut init = init.clone();
    init.path = syn::parse_quote!(#name);
    for field in &mut init.fields {
        if matches!(&field.member, syn::Member::Named(i) if required.contains(i)) {
            field.expr = syn::parse_quote!(Err(::std::string::String::new()));
        }
    }
    Some(init)
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
                    pub async fn send(self) -> Result<ResponseValue<Vec<types::X>>, Error<E>> {
                        let Self { client, kind, limit } = self;
                        let kind = kind.map_err(Error::InvalidRequest)?;
                        let mut header_map = HeaderMap::with_capacity(1usize);
                        header_map.append(HeaderName::from_static("api-version"), HeaderValue::from_static("1"));
                        let mut request = client.client.get(url).headers(header_map).build()?;
                        let info = OperationInfo { operation_id: "list_x" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        client.post(&result, &info).await?;
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => ResponseValue::from_response(response).await,
                            404u16 => { Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)) }
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        let paginated = BTreeSet::from(["ListX".to_string()]);
        assert_eq!(add(&mut file, &paginated), Ok(2));
        let code = prettyplease::unparse(&file);
        assert!(code.contains("pub(crate) fn new()"), "{code}");
        assert!(
            code.contains("pub fn call(\n            self,\n        ) -> impl"),
            "{code}"
        );
        assert!(
            code.contains("crate::call::exchange(self.into_request())"),
            "{code}"
        );
        assert!(
            code.contains("|exchange| crate::call::json(exchange?, &[200u16])"),
            "{code}"
        );
        assert!(code.contains("pub(crate) fn into_request("), "{code}");
        assert!(
            code.contains("Ok((client, request, info.operation_id))"),
            "{code}"
        );
        // `send()` keeps progenitor's `api-version` header; `into_request()` leaves it out,
        // and its header map, empty then, is made without an allocation.
        assert_eq!(code.matches("\"api-version\"").count(), 1, "{code}");
        assert_eq!(
            code.matches("HeaderMap::with_capacity(1usize)").count(),
            1,
            "{code}"
        );
        assert!(
            code.contains("let mut header_map = ::reqwest::header::HeaderMap::new();"),
            "{code}"
        );
        assert!(code.contains("Paginate<'a> for ListX<'a>"), "{code}");
        assert!(code.contains("type Item = types::X;"), "{code}");
        assert!(
            code.contains("pub fn list_x_with<V0: ::std::convert::TryInto<types::Kind>>("),
            "{code}"
        );
        // The `_with` constructor starts from `new()`'s fields without its error texts.
        let compact: String = code.split_whitespace().collect();
        assert!(
            compact.contains(
                "ListX{client:client,kind:Err(::std::string::String::new()),limit:Ok(None),}.kind(kind)"
            ),
            "{code}"
        );
    }

    #[test]
    fn string_path_parameters_are_encoded_without_a_copy() {
        let stmt: syn::Stmt = syn::parse_quote! {
            let url = format!(
                "{}/x/{}/y/{}/z/{}",
                client.baseurl,
                encode_path(&x_id.to_string()),
                encode_path(&count.to_string()),
                other(&x_id.to_string()),
            );
        };
        let strings = BTreeSet::from(["x_id".to_string()]);
        let text = borrowed_path_params(&stmt, &strings)
            .unwrap()
            .to_token_stream()
            .to_string();
        // Only the `String` parameter, and only inside `encode_path(…)`.
        assert!(text.contains("encode_path (& x_id)"), "{text}");
        assert!(
            text.contains("encode_path (& count . to_string ())"),
            "{text}"
        );
        assert!(text.contains("other (& x_id . to_string ())"), "{text}");
        let unchanged = borrowed_path_params(&stmt, &BTreeSet::new()).unwrap();
        assert_eq!(
            unchanged.to_token_stream().to_string(),
            stmt.to_token_stream().to_string()
        );
    }

    fn status_match(arms: proc_macro2::TokenStream) -> syn::ExprMatch {
        syn::parse2(quote! { match response.status().as_u16() { #arms } }).unwrap()
    }

    #[test]
    fn reads_the_success_statuses_of_send() {
        let empty = status_match(quote! {
            200u16 => Ok(ResponseValue::empty(response)),
            204u16 => { Ok(ResponseValue::empty(response)) }
            400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
            _ => Err(Error::UnexpectedResponse(response)),
        });
        assert_eq!(success_arms(&empty), Ok((vec![200, 204], true)));
        let mixed = status_match(quote! {
            200u16 => ResponseValue::from_response(response).await,
            204u16 => Ok(ResponseValue::empty(response)),
        });
        assert!(success_arms(&mixed).unwrap_err().contains("2 kinds"));
        let unknown = status_match(quote! { 200u16 => Ok(ResponseValue::stream(response)) });
        assert!(
            success_arms(&unknown)
                .unwrap_err()
                .contains("unknown success arm")
        );
        let none = status_match(quote! { _ => Err(Error::UnexpectedResponse(response)) });
        assert!(success_arms(&none).is_err());
    }
}
