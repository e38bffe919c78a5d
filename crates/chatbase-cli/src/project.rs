//! The project file `chatbase.json` (the official CLI's name and `agent` key), found by walking up from the
//! working directory, so a repository set up for either CLI works unchanged. It also carries the `sources sync`
//! settings and the default eval suite. The file is meant to be committed, so one holding a key name that looks
//! like a secret is refused, naming the key. Precedence: flag > env > project file > profile.

use crate::error::{CliError, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "chatbase.json";

/// Key names (lower-cased, without `-` and `_`) that hold credentials, at any depth. Deliberately broad: a
/// refused name costs a rename, a committed key costs a rotation.
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "apikeyfile",
    "key",
    "token",
    "secret",
    "password",
    "accesstoken",
    "authorization",
    "bearer",
    "credential",
    "credentials",
];

/// What a project file says; relative paths are resolved against the file's directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectFile {
    pub path: PathBuf,
    pub agent: Option<String>,
    /// `sync.dir`: the folder `sources sync` mirrors when none is given.
    pub sync_dir: Option<PathBuf>,
    /// `sync.include` / `sync.exclude`: globs used when the command gives none.
    pub sync_include: Vec<String>,
    pub sync_exclude: Vec<String>,
    /// `eval.suite`: the suite `chatbase eval` runs when none is given.
    pub eval_suite: Option<PathBuf>,
}

/// The nearest `chatbase.json` in `start` or a parent; `None` when there is none (the normal case).
pub fn find(start: &Path) -> Result<Option<ProjectFile>> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        match std::fs::read_to_string(&candidate) {
            Ok(text) => return parse(&text, &candidate).map(Some),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::NotADirectory
                        | std::io::ErrorKind::IsADirectory
                ) => {}
            Err(e) => {
                return Err(CliError::runtime(format!(
                    "cannot read {}: {e}",
                    candidate.display()
                )));
            }
        }
    }
    Ok(None)
}

fn bad(path: &Path, what: String) -> CliError {
    CliError::usage(format!("{}: {what}", path.display()))
        .with_hint("fix the project file; `chatbase config list` shows what is in effect")
}

/// The first key (as a dotted path) whose name looks like a credential.
fn secret_key(v: &Value, prefix: &str) -> Option<String> {
    let Value::Object(map) = v else {
        return match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| secret_key(item, &format!("{prefix}[{i}]"))),
            _ => None,
        };
    };
    for (k, child) in map {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let norm: String = k
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        if SECRET_NAMES.contains(&norm.as_str()) {
            return Some(path);
        }
        if let Some(found) = secret_key(child, &path) {
            return Some(found);
        }
    }
    None
}

pub fn parse(text: &str, path: &Path) -> Result<ProjectFile> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| bad(path, format!("not valid JSON ({e})")))?;
    if !v.is_object() {
        return Err(bad(path, "must hold a JSON object".to_owned()));
    }
    if let Some(key) = secret_key(&v, "") {
        return Err(CliError::usage(format!(
            "{} holds {key:?}, which looks like a secret; a project file is meant to be committed",
            path.display()
        ))
        .with_hint(
            "remove it (and rotate the key if it was committed); use `chatbase auth login` or CHATBASE_API_KEY",
        ));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let string = |v: &Value, name: &str| -> Result<Option<String>> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            other => Err(bad(path, format!("`{name}` must be a string, got {other}"))),
        }
    };
    let strings = |v: &Value, name: &str| -> Result<Vec<String>> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad(path, format!("`{name}` must list strings, got {i}")))
                })
                .collect(),
            other => Err(bad(
                path,
                format!("`{name}` must be a list of globs, got {other}"),
            )),
        }
    };
    let section = |name: &str| -> Result<&Value> {
        match &v[name] {
            Value::Null | Value::Object(_) => Ok(&v[name]),
            other => Err(bad(
                path,
                format!("`{name}` must be an object, got {other}"),
            )),
        }
    };
    let sync = section("sync")?;
    let eval = section("eval")?;
    Ok(ProjectFile {
        path: path.to_path_buf(),
        agent: string(&v["agent"], "agent")?,
        sync_dir: string(&sync["dir"], "sync.dir")?.map(|d| dir.join(d)),
        sync_include: strings(&sync["include"], "sync.include")?,
        sync_exclude: strings(&sync["exclude"], "sync.exclude")?,
        eval_suite: string(&eval["suite"], "eval.suite")?.map(|s| dir.join(s)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_shape_and_our_extensions_are_read_with_paths_from_the_file() {
        let p = parse(
            r#"{"agent":"ag-1","sync":{"dir":"docs","include":["**/*.md"],"exclude":"drafts/**"},
                "eval":{"suite":"evals.yaml"},"somethingElse":1}"#,
            Path::new("/repo/chatbase.json"),
        )
        .unwrap();
        assert_eq!(p.agent.as_deref(), Some("ag-1"));
        assert_eq!(p.sync_dir, Some(PathBuf::from("/repo/docs")));
        assert_eq!(p.sync_include, vec!["**/*.md"]);
        assert_eq!(p.sync_exclude, vec!["drafts/**"]);
        assert_eq!(p.eval_suite, Some(PathBuf::from("/repo/evals.yaml")));
    }

    #[test]
    fn secret_looking_keys_are_refused_by_name_at_any_depth() {
        for (text, key) in [
            (r#"{"apiKey":"x"}"#, "apiKey"),
            (r#"{"API_KEY":"x"}"#, "API_KEY"),
            (r#"{"agent":"a","token":"x"}"#, "token"),
            (r#"{"sync":{"secret":"x"}}"#, "sync.secret"),
            (r#"{"eval":{"x":[{"password":"p"}]}}"#, "eval.x[0].password"),
        ] {
            let e = parse(text, Path::new("/r/chatbase.json")).unwrap_err();
            assert!(
                e.message.contains(&format!("{key:?}")),
                "{text}: {}",
                e.message
            );
            assert!(e.message.contains("secret"), "{}", e.message);
        }
    }

    #[test]
    fn wrong_types_name_the_key() {
        for (text, key) in [
            (r#"{"agent":5}"#, "`agent`"),
            (r#"{"sync":{"include":[1]}}"#, "`sync.include`"),
            (r#"{"sync":"docs"}"#, "`sync`"),
            ("[1]", "JSON object"),
            ("{", "not valid JSON"),
        ] {
            let e = parse(text, Path::new("/r/chatbase.json")).unwrap_err();
            assert!(e.message.contains(key), "{text}: {}", e.message);
        }
    }

    #[test]
    fn the_nearest_file_walking_up_wins() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(root.path().join(FILE_NAME), r#"{"agent":"outer"}"#).unwrap();
        assert_eq!(
            find(&deep).unwrap().unwrap().agent.as_deref(),
            Some("outer")
        );
        std::fs::write(
            root.path().join("a/b").join(FILE_NAME),
            r#"{"agent":"inner"}"#,
        )
        .unwrap();
        let p = find(&deep).unwrap().unwrap();
        assert_eq!(p.agent.as_deref(), Some("inner"));
        assert_eq!(p.path, root.path().join("a/b").join(FILE_NAME));
    }
}
