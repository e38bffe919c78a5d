//! Documents the generated items progenitor and typify emit without words, so the bindings have no
//! undocumented public item:
//!
//! - `types::X::builder()`, the builder struct `types::builder::X` and each of its setters (a setter
//!   gets the doc of the field it sets);
//! - the one variant of a one-value enum (a constant; see `spec_docs`), and the variants of a
//!   union whose branches are `$ref`s (`V(T)`: the type `T` carries the words);
//! - the operation builders in `builder`: `new` and each parameter setter (from the parameter's
//!   description in the spec), `body` and `body_map`.
//!
//! It works on the generated syntax tree after the other passes, like `open_enums`. An item it
//! cannot find words for is an error naming it, so the generated docs stay complete.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde_json::Value;

/// Documents every undocumented generated item it knows; returns how many it documented.
pub fn document(file: &mut syn::File, spec: &Value) -> Result<usize> {
    let params = parameter_docs(spec);
    let mut pass = Pass {
        documented: 0,
        missing: Vec::new(),
        spec,
    };
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        if module.ident == "types" {
            pass.types(items);
        } else if module.ident == "builder" {
            pass.operation_builders(items, &params);
        }
    }
    if !pass.missing.is_empty() {
        bail!(
            "generated items without documentation (describe them in the spec):\n  {}",
            pass.missing.join("\n  ")
        );
    }
    Ok(pass.documented)
}

struct Pass<'s> {
    documented: usize,
    missing: Vec<String>,
    spec: &'s Value,
}

fn has_doc(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn doc_attrs(attrs: &[syn::Attribute]) -> Vec<syn::Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect()
}

fn doc(text: &str) -> syn::Attribute {
    syn::parse_quote!(#[doc = #text])
}

/// The name of the type an `impl` block is for (`impl X`, `impl<'a> X<'a>`).
fn impl_target(block: &syn::ItemImpl) -> Option<String> {
    if block.trait_.is_some() {
        return None;
    }
    match &*block.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Lower-case letters and digits only, so `listAgents`, `list_agents` and `ListAgents` agree.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The serde (wire) value of a unit variant: its `rename`, else its name.
fn wire_value(variant: &syn::Variant) -> String {
    for attr in &variant.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut renamed = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                renamed = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
        if let Some(name) = renamed {
            return name;
        }
    }
    variant.ident.to_string()
}

/// Type names in a field's type, outermost first (`Option<Vec<X>>` → `Option`, `Vec`, `X`).
fn generated_type_of(ty: &syn::Type) -> Vec<String> {
    let mut names = Vec::new();
    let mut next = Some(ty);
    while let Some(syn::Type::Path(p)) = next {
        next = None;
        let Some(last) = p.path.segments.last() else {
            break;
        };
        names.push(last.ident.to_string());
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            next = args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            });
        }
    }
    names
}

/// `T` of a variant `V(T)` whose `T` is a plain type name.
fn newtype_of(fields: &syn::Fields) -> Option<String> {
    let syn::Fields::Unnamed(unnamed) = fields else {
        return None;
    };
    let mut types = unnamed.unnamed.iter();
    let (Some(field), None) = (types.next(), types.next()) else {
        return None;
    };
    match &field.ty {
        syn::Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

impl Pass<'_> {
    fn types(&mut self, items: &mut [syn::Item]) {
        self.fields_from_types(items);
        // Field docs of every struct, for the builder setters.
        let mut fields: BTreeMap<String, BTreeMap<String, Vec<syn::Attribute>>> = BTreeMap::new();
        for item in items.iter() {
            if let syn::Item::Struct(s) = item
                && let syn::Fields::Named(named) = &s.fields
            {
                let docs = named
                    .named
                    .iter()
                    .filter_map(|f| Some((f.ident.as_ref()?.to_string(), doc_attrs(&f.attrs))))
                    .collect();
                fields.insert(s.ident.to_string(), docs);
            }
        }
        for item in items.iter_mut() {
            match item {
                syn::Item::Impl(block) => self.builder_fn(block),
                syn::Item::Enum(e) => self.variant_docs(e),
                syn::Item::Mod(m) if m.ident == "builder" => {
                    if let Some((_, inner)) = &mut m.content {
                        self.type_builders(inner, &fields);
                    }
                }
                _ => {}
            }
        }
    }

    /// A field whose property is an inline schema: typify puts the property's description on the
    /// type it generates for it, so the field takes the words of that type.
    fn fields_from_types(&mut self, items: &mut [syn::Item]) {
        let type_docs: BTreeMap<String, Vec<syn::Attribute>> = items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some((s.ident.to_string(), doc_attrs(&s.attrs))),
                syn::Item::Enum(e) => Some((e.ident.to_string(), doc_attrs(&e.attrs))),
                syn::Item::Type(t) => Some((t.ident.to_string(), doc_attrs(&t.attrs))),
                _ => None,
            })
            .filter(|(_, docs)| !docs.is_empty())
            .collect();
        for item in items.iter_mut() {
            let syn::Item::Struct(s) = item else {
                continue;
            };
            let syn::Fields::Named(named) = &mut s.fields else {
                continue;
            };
            for field in named.named.iter_mut().filter(|f| !has_doc(&f.attrs)) {
                if let Some(docs) = generated_type_of(&field.ty)
                    .into_iter()
                    .find_map(|name| type_docs.get(&name))
                {
                    field.attrs.splice(0..0, docs.iter().cloned());
                    self.documented += 1;
                }
            }
        }
    }

    /// `impl X { pub fn builder() -> builder::X }`.
    fn builder_fn(&mut self, block: &mut syn::ItemImpl) {
        let Some(target) = impl_target(block) else {
            return;
        };
        for member in &mut block.items {
            if let syn::ImplItem::Fn(f) = member
                && f.sig.ident == "builder"
                && !has_doc(&f.attrs)
            {
                f.attrs.insert(
                    0,
                    doc(&format!(
                        "Starts a [`builder::{target}`], which checks each field as it is set."
                    )),
                );
                self.documented += 1;
            }
        }
    }

    /// Undocumented variants: the one value of a constant, a union branch (from the spec, or the
    /// type it holds).
    fn variant_docs(&mut self, item: &mut syn::ItemEnum) {
        let undocumented: Vec<usize> = item
            .variants
            .iter()
            .enumerate()
            .filter(|(_, v)| !has_doc(&v.attrs))
            .map(|(i, _)| i)
            .collect();
        let known = item
            .variants
            .iter()
            .filter(|v| matches!(v.fields, syn::Fields::Unit))
            .count();
        for i in undocumented {
            let variant = &mut item.variants[i];
            if known == 1 && matches!(variant.fields, syn::Fields::Unit) {
                let text = format!(
                    "`{}`, the only value the spec defines here.",
                    wire_value(variant)
                );
                variant.attrs.insert(0, doc(&text));
                self.documented += 1;
            } else if let Some(text) = self.branch_description(&item.ident.to_string(), i) {
                variant.attrs.insert(0, doc(&text));
                self.documented += 1;
            } else if let Some(ty) = newtype_of(&variant.fields) {
                // A union branch that is a `$ref`: the referenced type carries the words.
                variant
                    .attrs
                    .insert(0, doc(&format!("The value in its [`{ty}`] form.")));
                self.documented += 1;
            } else {
                self.missing
                    .push(format!("variant {}::{}", item.ident, variant.ident));
            }
        }
    }

    /// The description of branch `index` of the union schema `name` (typify keeps the branch order
    /// and drops the words of inline branches).
    fn branch_description(&self, name: &str, index: usize) -> Option<String> {
        let schema = self.spec.pointer(&format!("/components/schemas/{name}"))?;
        let branches = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))?
            .as_array()?;
        let text = branches.get(index)?.get("description")?.as_str()?.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// `types::builder`: the builder structs and their setters.
    fn type_builders(
        &mut self,
        items: &mut [syn::Item],
        fields: &BTreeMap<String, BTreeMap<String, Vec<syn::Attribute>>>,
    ) {
        for item in items.iter_mut() {
            match item {
                syn::Item::Struct(s) if !has_doc(&s.attrs) => {
                    let name = s.ident.to_string();
                    s.attrs.insert(
                        0,
                        doc(&format!(
                            "Builder for [`super::{name}`]: set the fields, then convert it with \
                             `try_into()`, which names the first field that is missing or invalid."
                        )),
                    );
                    self.documented += 1;
                }
                syn::Item::Impl(block) => {
                    let Some(target) = impl_target(block) else {
                        continue;
                    };
                    for member in &mut block.items {
                        let syn::ImplItem::Fn(f) = member else {
                            continue;
                        };
                        if has_doc(&f.attrs) {
                            continue;
                        }
                        let setter = f.sig.ident.to_string();
                        match fields.get(&target).and_then(|docs| docs.get(&setter)) {
                            Some(docs) if !docs.is_empty() => {
                                f.attrs.splice(0..0, docs.iter().cloned());
                                self.documented += 1;
                            }
                            _ => self
                                .missing
                                .push(format!("setter types::builder::{target}::{setter}")),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The top-level `builder` module: one request builder per operation.
    fn operation_builders(&mut self, items: &mut [syn::Item], params: &ParamDocs) {
        for item in items.iter_mut() {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let Some(target) = impl_target(block) else {
                continue;
            };
            let op_params = params.get(&normalize(&target));
            for member in &mut block.items {
                let syn::ImplItem::Fn(f) = member else {
                    continue;
                };
                if has_doc(&f.attrs) {
                    continue;
                }
                let method = f.sig.ident.to_string();
                let text = match method.as_str() {
                    "new" => Some(
                        "A request with nothing set yet; the `Client` method of the same name \
                         starts one."
                            .to_owned(),
                    ),
                    "body" => Some(
                        "Sets the request body: the body type itself, or its builder.".to_owned(),
                    ),
                    "body_map" => Some(
                        "Changes the request body through its builder, starting from the body \
                         set so far (or an empty one)."
                            .to_owned(),
                    ),
                    _ => op_params.and_then(|p| p.get(&normalize(&method))).map(
                        |(label, description)| format!("The {label} parameter: {description}"),
                    ),
                };
                match text {
                    Some(text) => {
                        f.attrs.insert(0, doc(&text));
                        self.documented += 1;
                    }
                    None => self.missing.push(format!("builder::{target}::{method}")),
                }
            }
        }
    }
}

/// Normalized operation id → normalized parameter name → (`` `name` location ``, description).
type ParamDocs = BTreeMap<String, BTreeMap<String, (String, String)>>;

fn parameter_docs(spec: &Value) -> ParamDocs {
    let mut out = ParamDocs::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    let resolve = |p: &Value| -> Option<Value> {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => spec.pointer(r.strip_prefix('#')?).cloned(),
            None => Some(p.clone()),
        }
    };
    for item in paths.values() {
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().filter_map(resolve).collect())
            .unwrap_or_default();
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if method == "parameters" {
                continue;
            }
            let own = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| ps.iter().filter_map(resolve).collect::<Vec<_>>())
                .unwrap_or_default();
            let entry = out.entry(normalize(id)).or_default();
            for p in shared.iter().chain(&own) {
                let (Some(name), Some(location), Some(description)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                    p.get("description").and_then(Value::as_str),
                ) else {
                    continue;
                };
                entry.insert(
                    normalize(name),
                    (
                        format!("`{name}` {location}"),
                        description.trim().to_owned(),
                    ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs_of(attrs: &[syn::Attribute]) -> Vec<String> {
        attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .map(|a| match &a.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.value(),
                    _ => panic!("doc is not a string"),
                },
                _ => panic!("doc is not name = value"),
            })
            .collect()
    }

    const GENERATED: &str = r#"
        pub mod types {
            pub struct Thing {
                ///How big it is.
                pub size: i64,
                pub shape: ::std::option::Option<ThingShape>,
            }
            ///The outline of the thing.
            pub struct ThingShape {}
            impl Thing {
                pub fn builder() -> builder::Thing { Default::default() }
            }
            pub enum Either {
                Thing(Thing),
                /// A value the server sent that these bindings do not know yet, kept as it arrived.
                Unknown(::serde_json::Value),
            }
            pub enum Role {
                #[serde(rename = "assistant")]
                Assistant,
                /// A value the server sent that these bindings do not know yet.
                #[serde(untagged)]
                Unknown(String),
            }
            pub mod builder {
                pub struct Thing { size: Result<i64, String> }
                impl Thing {
                    pub fn size<T>(mut self, value: T) -> Self { self }
                    pub fn shape<T>(mut self, value: T) -> Self { self }
                }
            }
        }
        pub mod builder {
            pub struct ListThings<'a> { client: &'a super::Client }
            impl<'a> ListThings<'a> {
                pub fn new(client: &'a super::Client) -> Self { Self { client } }
                pub fn page_size<V>(mut self, value: V) -> Self { self }
                pub fn body<V>(mut self, value: V) -> Self { self }
            }
        }
    "#;

    fn spec() -> Value {
        json!({
            "paths": {"/things": {"get": {
                "operationId": "listThings",
                "parameters": [{"$ref": "#/components/parameters/PageSize"}]
            }}},
            "components": {"parameters": {"PageSize": {
                "name": "pageSize", "in": "query", "description": "Things per page."
            }}}
        })
    }

    #[test]
    fn every_generated_item_gets_words() {
        let mut file: syn::File = syn::parse_str(GENERATED).unwrap();
        assert_eq!(document(&mut file, &spec()).unwrap(), 10);
        let text = prettyplease::unparse(&file);
        for expected in [
            "///Starts a [`builder::Thing`]",
            "///`assistant`, the only value the spec defines here.",
            "///The value in its [`Thing`] form.",
            "///Builder for [`super::Thing`]",
            "///How big it is.\n        pub fn size",
            "///The outline of the thing.\n pub shape:",
            "///The outline of the thing.\n pub fn shape",
            "///The `pageSize` query parameter: Things per page.",
            "///A request with nothing set yet",
            "///Sets the request body",
        ] {
            let squash = |s: &str| s.split_whitespace().collect::<String>();
            assert!(
                squash(&text).contains(&squash(expected)),
                "missing {expected:?} in:\n{text}"
            );
        }
        let syn::Item::Mod(types) = &file.items[0] else {
            panic!("types is not first")
        };
        let syn::Item::Struct(thing) = &types.content.as_ref().unwrap().1[0] else {
            panic!("Thing is not first")
        };
        assert_eq!(
            docs_of(&thing.fields.iter().next().unwrap().attrs),
            ["How big it is."]
        );
    }

    #[test]
    fn a_parameter_without_words_is_an_error_naming_it() {
        let mut file: syn::File = syn::parse_str(GENERATED).unwrap();
        let mut spec = spec();
        spec["components"]["parameters"]["PageSize"]
            .as_object_mut()
            .unwrap()
            .remove("description");
        let err = document(&mut file, &spec).unwrap_err().to_string();
        assert!(err.contains("builder::ListThings::page_size"), "{err}");
    }
}
