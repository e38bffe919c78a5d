//! Opens every enum typify generates, so a value this version of the bindings does not know is kept
//! instead of failing the whole response:
//!
//! - string enums (every variant a unit variant, renamed or not) get `#[non_exhaustive]` and an
//!   `Unknown(String)` variant, with their `Display`/`FromStr` impls extended to match;
//! - unions (untagged, or tagged by a field such as `type`) get `#[non_exhaustive]` and a catch-all
//!   `Unknown(serde_json::Value)` variant, tried last, that holds the value exactly as it arrived.
//!
//! The server adds enum values (models, statuses, channels, message part types) before a new SDK
//! is released; a closed enum would turn each such value into a decode failure of the whole page.
//! This pass works on the generated syntax tree in the xtask, so the generated files are still
//! never edited by hand. When the spec itself has a value `unknown` (a variant named `Unknown`),
//! the fallback is named `UnknownValue` (then `Unrecognized`); an enum it cannot open is an error,
//! never silently skipped. [`check_all_open`] checks generated code (codegen and the tests run it).

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;

/// What the pass opened.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Opened {
    /// String enums given `Unknown(String)`.
    pub strings: BTreeSet<String>,
    /// Unions given `Unknown(serde_json::Value)`.
    pub unions: BTreeSet<String>,
}

impl Opened {
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty() && self.unions.is_empty()
    }
}

/// Rewrites every enum in `file`, returning the names of the enums it opened.
pub fn open_enums(file: &mut syn::File) -> Result<Opened, syn::Error> {
    let mut pass = Pass::default();
    pass.visit_file_mut(file);
    match pass.error {
        Some(err) => Err(err),
        None => Ok(pass.opened),
    }
}

#[derive(Default)]
struct Pass {
    opened: Opened,
    /// Enum name → the name of its fallback variant.
    fallback: std::collections::BTreeMap<String, String>,
    error: Option<syn::Error>,
}

/// Names for the fallback variant, first free one wins.
const FALLBACK_NAMES: [&str; 3] = ["Unknown", "UnknownValue", "Unrecognized"];

fn unknown_string(name: &str) -> String {
    format!(
        "/// A value the server sent that these bindings do not know yet.\n\
         #[serde(untagged)]\n\
         {name}(::std::string::String)"
    )
}

fn unknown_value(name: &str, tagged: bool) -> String {
    format!(
        "/// A value the server sent that these bindings do not know yet, kept as it arrived.\n\
         {}{name}(::serde_json::Value)",
        if tagged { "#[serde(untagged)]\n" } else { "" }
    )
}

/// Derives a variant holding `String` / `serde_json::Value` cannot keep.
const STRING_DROPS: &[&str] = &["Copy"];
const VALUE_DROPS: &[&str] = &["Copy", "Ord", "PartialOrd"];

fn is_string_enum(item: &syn::ItemEnum) -> bool {
    !item.variants.is_empty()
        && item
            .variants
            .iter()
            .all(|v| matches!(v.fields, syn::Fields::Unit))
}

/// Whether the enum carries `#[serde(untagged)]` itself.
fn is_untagged(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|metas| metas.iter().any(|m| m.path().is_ident("untagged")))
    })
}

/// Drops the named derives from the derive lists.
fn drop_derives(attrs: &mut [syn::Attribute], drops: &[&str]) -> Result<(), syn::Error> {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        )?;
        let kept: Vec<String> = paths
            .iter()
            .filter(|p| !drops.iter().any(|d| p.is_ident(d)))
            .map(path_to_string)
            .collect();
        *attr = syn::parse_str::<syn::DeriveInput>(&format!(
            "#[derive({})] struct S;",
            kept.join(", ")
        ))?
        .attrs
        .remove(0);
    }
    Ok(())
}

fn path_to_string(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let joined = segments.join("::");
    if path.leading_colon.is_some() {
        format!("::{joined}")
    } else {
        joined
    }
}

fn self_type_name(item: &syn::ItemImpl) -> Option<String> {
    match &*item.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn trait_name(item: &syn::ItemImpl) -> Option<String> {
    item.trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .map(|s| s.ident.to_string())
}

fn has_non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

impl Pass {
    fn open_enum(&mut self, item: &mut syn::ItemEnum) -> Result<(), syn::Error> {
        let Some(fallback) = FALLBACK_NAMES
            .iter()
            .find(|n| !item.variants.iter().any(|v| v.ident == **n))
        else {
            return Err(syn::Error::new_spanned(
                &item.ident,
                format!(
                    "enum {} already has variants named {}; the open-enum pass cannot add its fallback",
                    item.ident,
                    FALLBACK_NAMES.join(", ")
                ),
            ));
        };
        let string = is_string_enum(item);
        let (drops, variant) = if string {
            (STRING_DROPS, unknown_string(fallback))
        } else {
            (
                VALUE_DROPS,
                unknown_value(fallback, !is_untagged(&item.attrs)),
            )
        };
        drop_derives(&mut item.attrs, drops)?;
        if !has_non_exhaustive(&item.attrs) {
            item.attrs
                .extend(syn::parse_str::<syn::DeriveInput>("#[non_exhaustive] struct S;")?.attrs);
        }
        item.variants
            .push(syn::parse_str::<syn::Variant>(&variant)?);
        let name = item.ident.to_string();
        self.fallback.insert(name.clone(), (*fallback).to_owned());
        if string {
            self.opened.strings.insert(name);
        } else {
            self.opened.unions.insert(name);
        }
        Ok(())
    }

    /// String enums: `Display` gets an arm for the new variant, `FromStr` turns unknown text into
    /// `Unknown`. Unions: any exhaustive `match` typify wrote over `Self` gets an arm.
    fn patch_impl(&mut self, item: &mut syn::ItemImpl) -> Result<(), syn::Error> {
        let Some(name) = self_type_name(item) else {
            return Ok(());
        };
        let string = self.opened.strings.contains(&name);
        let Some(fallback) = self.fallback.get(&name).cloned() else {
            return Ok(());
        };
        let trait_ = trait_name(item);
        for impl_item in &mut item.items {
            let syn::ImplItem::Fn(func) = impl_item else {
                continue;
            };
            for stmt in &mut func.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt else {
                    continue;
                };
                if m.arms.iter().any(|a| matches!(a.pat, syn::Pat::Wild(_)))
                    && trait_.as_deref() != Some("FromStr")
                {
                    continue;
                }
                match (string, trait_.as_deref()) {
                    (true, Some("Display")) => m.arms.push(syn::parse_str::<syn::Arm>(&format!(
                        "Self::{fallback}(ref value) => f.write_str(value),"
                    ))?),
                    (true, Some("FromStr")) => {
                        if let Some(last) = m.arms.last_mut()
                            && matches!(last.pat, syn::Pat::Wild(_))
                        {
                            *last = syn::parse_str::<syn::Arm>(&format!(
                                "_ => Ok(Self::{fallback}(value.to_string())),"
                            ))?;
                        }
                    }
                    (false, Some("Display")) => m.arms.push(syn::parse_str::<syn::Arm>(&format!(
                        "Self::{fallback}(ref value) => value.fmt(f),"
                    ))?),
                    (_, other) => {
                        return Err(syn::Error::new_spanned(
                            m.match_token,
                            format!(
                                "the open-enum pass does not know how to extend a match in impl {} for {name}",
                                other.unwrap_or("(inherent)")
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl VisitMut for Pass {
    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        let Some((_, items)) = module.content.as_mut() else {
            return;
        };
        // Enums first, so the impls that follow them (anywhere in the module) know their names.
        for item in items.iter_mut() {
            if let syn::Item::Enum(e) = item
                && let Err(err) = self.open_enum(e)
            {
                self.error.get_or_insert(err);
            }
        }
        for item in items.iter_mut() {
            match item {
                syn::Item::Impl(i) => {
                    if let Err(err) = self.patch_impl(i) {
                        self.error.get_or_insert(err);
                    }
                }
                syn::Item::Mod(m) => self.visit_item_mod_mut(m),
                _ => {}
            }
        }
    }
}

/// Every enum in `file` that does not accept unknown values, as `Name: why`. Used by the tests
/// over the generated code: an enum is open when it is `#[non_exhaustive]` and its last variant is
/// `Unknown(String)` (string enums) or `Unknown(serde_json::Value)` (unions), tried last
/// (`#[serde(untagged)]` on the variant, or on an untagged enum).
pub fn check_all_open(file: &syn::File) -> Vec<String> {
    struct Check(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Check {
        fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
            if let Err(why) = enum_is_open(item) {
                self.0.push(format!("{}: {why}", item.ident));
            }
        }
    }
    let mut check = Check(Vec::new());
    syn::visit::Visit::visit_file(&mut check, file);
    check.0
}

fn enum_is_open(item: &syn::ItemEnum) -> Result<(), &'static str> {
    if !has_non_exhaustive(&item.attrs) {
        return Err("not #[non_exhaustive]");
    }
    let Some(last) = item.variants.last() else {
        return Err("no variants");
    };
    if !FALLBACK_NAMES.iter().any(|n| last.ident == *n) {
        return Err("the last variant is not the Unknown fallback");
    }
    let syn::Fields::Unnamed(fields) = &last.fields else {
        return Err("Unknown holds no value");
    };
    let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
        return Err("Unknown does not hold exactly one value");
    };
    let syn::Type::Path(ty) = &field.ty else {
        return Err("Unknown holds neither a String nor a serde_json::Value");
    };
    let segments: Vec<String> = ty
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let others = &item.variants.iter().collect::<Vec<_>>()[..item.variants.len() - 1];
    let all_unit = others.iter().all(|v| matches!(v.fields, syn::Fields::Unit));
    match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [.., "string", "String"] | ["String"] if all_unit => {}
        [.., "serde_json", "Value"] if !all_unit || others.is_empty() => {}
        _ if all_unit => return Err("a string enum whose Unknown does not hold a String"),
        _ => return Err("a union whose Unknown does not hold a serde_json::Value"),
    }
    let variant_untagged = is_untagged(&last.attrs);
    if !variant_untagged && !is_untagged(&item.attrs) {
        return Err("Unknown is not #[serde(untagged)]");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
        pub mod types {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, PartialEq)]
            pub enum Status {
                #[serde(rename = "open")]
                Open,
                #[serde(rename = "closed")]
                Closed,
            }
            impl ::std::fmt::Display for Status {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self {
                        Self::Open => f.write_str("open"),
                        Self::Closed => f.write_str("closed"),
                    }
                }
            }
            impl ::std::str::FromStr for Status {
                type Err = &'static str;
                fn from_str(value: &str) -> ::std::result::Result<Self, &'static str> {
                    match value {
                        "open" => Ok(Self::Open),
                        "closed" => Ok(Self::Closed),
                        _ => Err("invalid value"),
                    }
                }
            }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
            pub enum Channel {
                #[serde(rename = "API")]
                Api,
                WhatsApp,
            }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Eq, Ord, PartialEq, PartialOrd)]
            #[serde(untagged)]
            pub enum Part {
                Text(TextPart),
                Call(CallPart),
            }
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(tag = "type")]
            pub enum Body {
                #[serde(rename = "text")]
                Text { text: String },
            }
        }
    "#;

    fn rewritten() -> (String, syn::File, Opened) {
        let mut file: syn::File = syn::parse_str(SAMPLE).unwrap();
        let opened = open_enums(&mut file).unwrap();
        (prettyplease::unparse(&file), file, opened)
    }

    fn section<'a>(code: &'a str, start: &str) -> &'a str {
        let from = code.find(start).unwrap();
        let rest = &code[from..];
        let end = rest[1..].find("    #[derive").map_or(rest.len(), |e| e + 1);
        &rest[..end]
    }

    #[test]
    fn string_enums_get_unknown_string_and_lose_copy_renamed_or_not() {
        let (code, _, opened) = rewritten();
        assert_eq!(
            opened.strings,
            BTreeSet::from(["Channel".to_string(), "Status".to_string()])
        );
        for name in ["pub enum Status", "pub enum Channel"] {
            let part = section(&code, name);
            assert!(part.contains("Unknown(::std::string::String)"), "{part}");
            assert!(part.contains("#[serde(untagged)]"), "{part}");
        }
        assert!(code.contains("#[non_exhaustive]"), "{code}");
        assert!(!code.contains("Copy"), "{code}");
    }

    #[test]
    fn display_and_from_str_cover_unknown() {
        let (code, _, _) = rewritten();
        assert!(
            code.contains("Self::Unknown(ref value) => f.write_str(value)"),
            "{code}"
        );
        assert!(
            code.contains("_ => Ok(Self::Unknown(value.to_string()))"),
            "{code}"
        );
        assert!(!code.contains("invalid value"), "{code}");
    }

    #[test]
    fn unions_get_a_catch_all_value_tried_last() {
        let (code, _, opened) = rewritten();
        assert_eq!(
            opened.unions,
            BTreeSet::from(["Body".to_string(), "Part".to_string()])
        );
        let part = &code[code.find("pub enum Part").unwrap()..code.find("pub enum Body").unwrap()];
        // An untagged enum tries its variants in order: the catch-all is last and needs no attribute.
        assert!(
            part.contains("Call(CallPart),\n        /// A value the server sent"),
            "{part}"
        );
        assert!(
            part.contains("Unknown(::serde_json::Value),\n    }"),
            "{part}"
        );
        assert!(
            !part.contains("#[serde(untagged)]\n        Unknown"),
            "{part}"
        );
        let body = &code[code.find("pub enum Body").unwrap()..];
        assert!(
            body.contains("#[serde(untagged)]\n        Unknown(::serde_json::Value)"),
            "{body}"
        );
        // A Value is neither ordered nor Copy.
        let derive = &code[..code.find("pub enum Part").unwrap()];
        let derive = &derive[derive.rfind("#[derive").unwrap()..];
        assert!(!derive.contains("Ord"), "{derive}");
    }

    #[test]
    fn every_rewritten_enum_passes_the_check_and_a_closed_one_fails_it() {
        let (_, file, _) = rewritten();
        assert_eq!(check_all_open(&file), Vec::<String>::new());
        let closed: syn::File = syn::parse_str(SAMPLE).unwrap();
        let problems = check_all_open(&closed);
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn a_spec_value_named_unknown_gets_a_fallback_under_another_name() {
        let mut file: syn::File = syn::parse_str(
            r#"pub mod types {
                #[derive(Clone)]
                pub enum E { #[serde(rename = "unknown")] Unknown, A }
                impl ::std::fmt::Display for E {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self { Self::Unknown => f.write_str("unknown"), Self::A => f.write_str("A") }
                    }
                }
            }"#,
        )
        .unwrap();
        open_enums(&mut file).unwrap();
        let code = prettyplease::unparse(&file);
        assert!(
            code.contains("UnknownValue(::std::string::String)"),
            "{code}"
        );
        assert!(
            code.contains("Self::UnknownValue(ref value) => f.write_str(value)"),
            "{code}"
        );
        assert_eq!(check_all_open(&file), Vec::<String>::new());
        let mut file: syn::File = syn::parse_str(
            "pub mod types { #[derive(Clone)] pub enum E { Unknown, UnknownValue, Unrecognized } }",
        )
        .unwrap();
        let err = open_enums(&mut file).unwrap_err().to_string();
        assert!(err.contains("already has variants named"), "{err}");
    }

    /// The checked-in generated code: every enum, whatever its shape, accepts unknown values.
    #[test]
    fn every_enum_in_the_generated_code_is_open() {
        let root = crate::workspace_root().unwrap();
        let mut enums = 0;
        for version in crate::codegen::VERSIONS {
            let path = root
                .join(crate::codegen::GENERATED_DIR)
                .join(format!("{}.rs", version.module));
            let text = std::fs::read_to_string(&path).unwrap();
            let file = syn::parse_file(&text).unwrap();
            struct Count(usize);
            impl<'ast> syn::visit::Visit<'ast> for Count {
                fn visit_item_enum(&mut self, _: &'ast syn::ItemEnum) {
                    self.0 += 1;
                }
            }
            let mut count = Count(0);
            syn::visit::Visit::visit_file(&mut count, &file);
            enums += count.0;
            let closed = check_all_open(&file);
            assert!(
                closed.is_empty(),
                "{}: enums that reject unknown values: {closed:#?}",
                path.display()
            );
        }
        assert!(
            enums > 50,
            "only {enums} enums found: is the generated code there?"
        );
    }
}
