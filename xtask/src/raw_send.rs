//! Gives every generated operation builder a `send_raw()` that returns the success body exactly as
//! the server sent it (`ResponseValue<bytes::Bytes>`), and makes `send()` a decode of it.
//!
//! Progenitor's builders decode inside `send()`, so the bytes the server sent are gone before a
//! caller sees them; anything that must write server data unchanged (an export, `--format json`)
//! could only re-encode the decoded types, dropping unknown fields and explicit nulls and turning
//! `5564` into `5564.0`. This pass renames each generated `send()` to `send_raw()`, makes its
//! success arms return the unparsed body, and adds a `send()` that decodes `send_raw()`'s body the
//! way progenitor does (`InvalidResponsePayload` on a mismatch). One request path per operation,
//! so the raw and the typed answer can never disagree about how the request was built.

use syn::visit_mut::VisitMut;

/// Rewrites every builder's `send()` in `file`, returning how many it rewrote.
pub fn add_send_raw(file: &mut syn::File) -> Result<usize, syn::Error> {
    let mut pass = Pass::default();
    pass.visit_file_mut(file);
    match pass.error {
        Some(err) => Err(err),
        None => Ok(pass.rewritten),
    }
}

#[derive(Default)]
struct Pass {
    rewritten: usize,
    error: Option<syn::Error>,
}

/// The success arm of a raw send: the body's bytes with status and headers.
const RAW_ARM: &str = "{
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    Ok(ResponseValue::new(body, status, headers))
}";

/// An empty success: no bytes.
const EMPTY_ARM: &str = "{
    let status = response.status();
    let headers = response.headers().clone();
    Ok(ResponseValue::new(::bytes::Bytes::new(), status, headers))
}";

/// The decoded type `T` of `Result<ResponseValue<T>, Error<()>>`.
pub(crate) fn decoded_type(sig: &syn::Signature) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let result = generic_args(ty, "Result")?;
    let syn::GenericArgument::Type(response_value) = result.first()? else {
        return None;
    };
    let inner = generic_args(response_value, "ResponseValue")?;
    match inner.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

fn generic_args(
    ty: &syn::Type,
    name: &str,
) -> Option<syn::punctuated::Punctuated<syn::GenericArgument, syn::Token![,]>> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => Some(a.args.clone()),
        _ => None,
    }
}

/// Looks through the invisible groups token interpolation leaves in a parsed tree.
fn ungroup(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Group(g) => ungroup(&g.expr),
        syn::Expr::Paren(p) => ungroup(&p.expr),
        other => other,
    }
}

/// `ResponseValue::<fn>(response)` (optionally `.await`, optionally in `Ok(…)`): the name of the
/// constructor.
fn constructor(expr: &syn::Expr) -> Option<String> {
    let mut call = ungroup(expr);
    if let syn::Expr::Await(a) = call {
        call = ungroup(&a.base);
    }
    let syn::Expr::Call(call) = call else {
        return None;
    };
    let mut call: &syn::ExprCall = call;
    if let syn::Expr::Path(p) = ungroup(&call.func)
        && p.path.is_ident("Ok")
        && call.args.len() == 1
        && let syn::Expr::Call(inner) = ungroup(&call.args[0])
    {
        call = inner;
    }
    let syn::Expr::Path(path) = ungroup(&call.func) else {
        return None;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match &segments[..] {
        [ty, f] if ty == "ResponseValue" => Some(f.clone()),
        _ => None,
    }
}

/// Makes every success arm of the final `match response.status()…` return the raw body.
fn rawify_body(func: &mut syn::ImplItemFn) -> Result<(), syn::Error> {
    let mut arms_seen = 0;
    for stmt in &mut func.block.stmts {
        let syn::Stmt::Expr(expr, _) = stmt else {
            continue;
        };
        let mut expr = expr;
        while let syn::Expr::Group(g) = expr {
            expr = &mut *g.expr;
        }
        let syn::Expr::Match(m) = expr else {
            continue;
        };
        for arm in &mut m.arms {
            let Some(ctor) = constructor(&arm.body) else {
                continue;
            };
            let replacement = match ctor.as_str() {
                "from_response" => RAW_ARM,
                "empty" => EMPTY_ARM,
                other => {
                    return Err(syn::Error::new_spanned(
                        &arm.body,
                        format!("send_raw: no raw form for a ResponseValue::{other} success arm"),
                    ));
                }
            };
            *arm.body = syn::parse_str(replacement)?;
            arms_seen += 1;
        }
    }
    if arms_seen == 0 {
        return Err(syn::Error::new_spanned(
            &func.sig,
            "send_raw: a generated send() without a success arm",
        ));
    }
    Ok(())
}

impl Pass {
    fn rewrite(&mut self, item: &mut syn::ItemImpl) -> Result<(), syn::Error> {
        if item.trait_.is_some() {
            return Ok(());
        }
        let Some(index) = item.items.iter().position(
            |i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "send" && f.sig.asyncness.is_some()),
        ) else {
            return Ok(());
        };
        let syn::ImplItem::Fn(send) = &item.items[index] else {
            return Ok(());
        };
        if decoded_type(&send.sig).is_none() {
            return Err(syn::Error::new_spanned(
                &send.sig,
                "send_raw: send() does not return Result<ResponseValue<T>, Error<()>>",
            ));
        }
        let mut raw = send.clone();
        raw.sig.ident = syn::Ident::new("send_raw", raw.sig.ident.span());
        raw.sig.output = syn::parse_str("-> Result<ResponseValue<::bytes::Bytes>, Error<()>>")?;
        raw.attrs.extend(
            syn::parse_str::<syn::DeriveInput>(
                "#[doc = \"\\n\\nReturns the success body exactly as the server sent it (not decoded).\"] struct S;",
            )?
            .attrs,
        );
        rawify_body(&mut raw).map_err(|e| {
            let name = match &*item.self_ty {
                syn::Type::Path(p) => p
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            syn::Error::new(e.span(), format!("{name}: {e}"))
        })?;
        let mut typed: syn::ImplItemFn = syn::parse_str(
            "pub async fn send(self) -> Result<ResponseValue<T>, Error<()>> {
                let raw = self.send_raw().await?;
                let status = raw.status();
                let headers = raw.headers().clone();
                let body = raw.into_inner();
                match ::serde_json::from_slice(&body) {
                    Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
                    Err(e) => Err(Error::InvalidResponsePayload(body, e)),
                }
            }",
        )?;
        typed.attrs = send.attrs.clone();
        // Same signature as progenitor's: `Result<ResponseValue<T>, Error<()>>`.
        typed.sig.output = send.sig.output.clone();
        item.items[index] = syn::ImplItem::Fn(typed);
        item.items.insert(index + 1, syn::ImplItem::Fn(raw));
        self.rewritten += 1;
        Ok(())
    }
}

impl VisitMut for Pass {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        if let Err(err) = self.rewrite(item) {
            self.error.get_or_insert(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
        pub mod builder {
            impl<'a> GetThing<'a> {
                ///Sends a `GET` request to `/things`
                pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<()>> {
                    let request = self.client.client.get("x").build()?;
                    let response = self.client.exec(request).await?;
                    match response.status().as_u16() {
                        200u16 => ResponseValue::from_response(response).await,
                        204u16 => Ok(ResponseValue::empty(response)),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        }
    "#;

    fn rewritten() -> (String, usize) {
        let mut file: syn::File = syn::parse_str(SAMPLE).unwrap();
        let n = add_send_raw(&mut file).unwrap();
        (prettyplease::unparse(&file), n)
    }

    #[test]
    fn send_becomes_a_decode_of_send_raw() {
        let (code, n) = rewritten();
        assert_eq!(n, 1);
        let send = &code[code.find("pub async fn send(").unwrap()
            ..code.find("pub async fn send_raw(").unwrap()];
        assert!(
            send.contains("-> Result<ResponseValue<types::Thing>, Error<()>>"),
            "{send}"
        );
        assert!(send.contains("self.send_raw().await?"), "{send}");
        assert!(
            send.contains("Error::InvalidResponsePayload(body, e)"),
            "{send}"
        );
        assert!(
            send.contains("///Sends a `GET` request to `/things`"),
            "{send}"
        );
        assert!(!send.contains("exec("), "one request path: {send}");
    }

    #[test]
    fn send_raw_returns_the_body_bytes_for_every_success_arm() {
        let (code, _) = rewritten();
        let raw = &code[code.find("pub async fn send_raw(").unwrap()..];
        assert!(
            raw.contains("-> Result<ResponseValue<::bytes::Bytes>, Error<()>>"),
            "{raw}"
        );
        assert!(
            raw.contains("response.bytes().await.map_err(Error::ResponseBodyError)?"),
            "{raw}"
        );
        assert!(raw.contains("::bytes::Bytes::new()"), "{raw}");
        assert!(!raw.contains("from_response"), "{raw}");
        assert!(
            raw.contains("Err(Error::UnexpectedResponse(response))"),
            "{raw}"
        );
    }

    #[test]
    fn an_unknown_success_arm_is_an_error() {
        let mut file: syn::File = syn::parse_str(&SAMPLE.replace(
            "ResponseValue::from_response(response).await",
            "ResponseValue::upgrade(response).await",
        ))
        .unwrap();
        let err = add_send_raw(&mut file).unwrap_err().to_string();
        assert!(err.contains("ResponseValue::upgrade"), "{err}");
    }

    /// The checked-in generated code: every builder has both, with one request path.
    #[test]
    fn every_generated_builder_has_send_raw() {
        let root = crate::workspace_root().unwrap();
        for version in crate::codegen::VERSIONS {
            let path = root
                .join(crate::codegen::GENERATED_DIR)
                .join(format!("{}.rs", version.module));
            let text = std::fs::read_to_string(&path).unwrap();
            let sends = text.matches("pub async fn send(").count();
            let raws = text.matches("pub async fn send_raw(").count();
            assert!(sends > 10, "{}: {sends} send()", path.display());
            assert_eq!(sends, raws, "{}", path.display());
            assert_eq!(
                text.matches("ResponseValue::from_response(").count(),
                0,
                "{}: a success arm still decodes inside the request path",
                path.display()
            );
        }
    }
}
