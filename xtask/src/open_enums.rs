//! Opens the string enums typify generates: each gets a `#[non_exhaustive]` marker and an
//! `Unknown(String)` variant that catches values this version of the bindings does not know.
//!
//! The server adds enum values (models, statuses, channels) before a new SDK is released; a closed
//! enum would turn each such value into a decode failure of the whole response. This pass works
//! on the generated syntax tree in the xtask, so the generated files are still never edited by
//! hand. It only touches enums whose variants are all unit variants renamed with
//! `#[serde(rename = "...")]` (the shape typify emits for `type: string` + `enum`), and the
//! `Display`/`FromStr` impls typify writes for them.

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;

/// Rewrites every string enum in `file`, returning the names of the enums it opened.
pub fn open_string_enums(file: &mut syn::File) -> Result<BTreeSet<String>, syn::Error> {
    let mut pass = Pass::default();
    pass.visit_file_mut(file);
    match pass.error {
        Some(err) => Err(err),
        None => Ok(pass.opened),
    }
}

#[derive(Default)]
struct Pass {
    opened: BTreeSet<String>,
    error: Option<syn::Error>,
}

const UNKNOWN_VARIANT: &str = "\
    /// A value the server sent that these bindings do not know yet.\n\
    #[serde(untagged)]\n\
    Unknown(::std::string::String)";

fn is_string_enum(item: &syn::ItemEnum) -> bool {
    !item.variants.is_empty()
        && item.variants.iter().all(|v| {
            matches!(v.fields, syn::Fields::Unit)
                && v.attrs.iter().any(|a| {
                    a.path().is_ident("serde")
                        && a.parse_args::<syn::Meta>()
                            .is_ok_and(|m| m.path().is_ident("rename"))
                })
        })
}

/// Drops `Copy` from the derive list: the new variant holds a `String`.
fn drop_copy(attrs: &mut [syn::Attribute]) -> Result<(), syn::Error> {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        )?;
        let kept: Vec<String> = paths
            .iter()
            .filter(|p| !p.is_ident("Copy"))
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

impl Pass {
    fn open_enum(&mut self, item: &mut syn::ItemEnum) -> Result<(), syn::Error> {
        drop_copy(&mut item.attrs)?;
        item.attrs
            .extend(syn::parse_str::<syn::DeriveInput>("#[non_exhaustive] struct S;")?.attrs);
        item.variants
            .push(syn::parse_str::<syn::Variant>(UNKNOWN_VARIANT)?);
        self.opened.insert(item.ident.to_string());
        Ok(())
    }

    /// `Display`: add an arm for the new variant. `FromStr`: unknown text becomes `Unknown`.
    fn patch_impl(&mut self, item: &mut syn::ItemImpl) -> Result<(), syn::Error> {
        let Some(name) = self_type_name(item) else {
            return Ok(());
        };
        if !self.opened.contains(&name) {
            return Ok(());
        }
        let trait_ = trait_name(item);
        for impl_item in &mut item.items {
            let syn::ImplItem::Fn(func) = impl_item else {
                continue;
            };
            for stmt in &mut func.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt else {
                    continue;
                };
                match trait_.as_deref() {
                    Some("Display") => m.arms.push(syn::parse_str::<syn::Arm>(
                        "Self::Unknown(ref value) => f.write_str(value),",
                    )?),
                    Some("FromStr") => {
                        if let Some(last) = m.arms.last_mut()
                            && matches!(last.pat, syn::Pat::Wild(_))
                        {
                            *last = syn::parse_str::<syn::Arm>(
                                "_ => Ok(Self::Unknown(value.to_string())),",
                            )?;
                        }
                    }
                    _ => {}
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
                && is_string_enum(e)
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
            #[derive(Clone, Debug)]
            pub enum Shape {
                Square(u32),
                Circle { radius: u32 },
            }
        }
    "#;

    fn rewritten() -> (String, BTreeSet<String>) {
        let mut file: syn::File = syn::parse_str(SAMPLE).unwrap();
        let opened = open_string_enums(&mut file).unwrap();
        (prettyplease::unparse(&file), opened)
    }

    #[test]
    fn string_enum_gets_unknown_variant_and_loses_copy() {
        let (code, opened) = rewritten();
        assert_eq!(opened, BTreeSet::from(["Status".to_string()]));
        assert!(code.contains("Unknown(::std::string::String)"), "{code}");
        assert!(code.contains("#[serde(untagged)]"), "{code}");
        assert!(code.contains("#[non_exhaustive]"), "{code}");
        assert!(!code.contains("Copy"), "{code}");
    }

    #[test]
    fn display_and_from_str_cover_unknown() {
        let (code, _) = rewritten();
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
    fn data_carrying_enums_are_left_alone() {
        let (code, _) = rewritten();
        let shape = &code[code.find("pub enum Shape").unwrap()..];
        assert!(!shape.contains("Unknown"), "{code}");
    }
}
