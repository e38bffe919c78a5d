//! Commands that work on this machine only: `config`, `completions` and `man`.

pub mod args;

use crate::cli::Cli;
use crate::config::{self, ConfigFile, Origin};
use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Column, col};
use args::{CompletionsCmd, ConfigCmd, ManCmd};
use clap::CommandFactory;
use serde_json::json;
use std::io::Write;

const CONFIG_COLUMNS: &[Column] = &[
    col("KEY", "key"),
    col("VALUE", "value"),
    col("ORIGIN", "origin"),
];

pub fn config(ctx: &Ctx, cmd: ConfigCmd) -> Result<()> {
    let s = &ctx.settings;
    let mut stdout = std::io::stdout().lock();
    match cmd {
        ConfigCmd::Path => {
            writeln!(stdout, "{}", s.path.display())?;
        }
        ConfigCmd::Get { key } => {
            let canonical = config::canonical_key(&key)?;
            match s.get(canonical)? {
                Some((value, origin)) => {
                    if ctx.out.is_machine() {
                        ctx.out.object(
                            &mut stdout,
                            &json!({"key": canonical, "value": value, "origin": origin.to_string()}),
                        )?;
                    } else {
                        writeln!(stdout, "{value}")?;
                        ctx.out.note(format!("({origin})"));
                    }
                }
                None => {
                    return Err(CliError::runtime(format!("{canonical} is not set"))
                        .with_hint(format!("`chatbase config set {canonical} VALUE`")));
                }
            }
        }
        ConfigCmd::Set { key, value } => {
            let mut file: ConfigFile = s.file.clone();
            let profile = s.profile.value.clone();
            let canonical = config::set_value(&mut file, &profile, &key, &value)?;
            let new_profile = canonical != "default-profile"
                && !s.file.known_profiles().contains(&profile.as_str());
            file.save(&s.path)?;
            if new_profile {
                ctx.out.note(format!(
                    "created profile {profile} (known before: {})",
                    s.file.known_profiles().join(", ")
                ));
            }
            let scope = if canonical == "default-profile" {
                String::new()
            } else {
                format!(" in profile {profile}")
            };
            if value.is_empty() {
                ctx.out.success(format!("Cleared {canonical}{scope}"));
            } else {
                ctx.out.success(format!("Set {canonical} = {value}{scope}"));
            }
            let shadow = match canonical {
                "agent" => Some("CHATBASE_AGENT_ID"),
                "api-url" => Some("CHATBASE_API_URL"),
                "timeout" => Some("CHATBASE_TIMEOUT"),
                k if k.starts_with("stream-") => crate::config::STREAM_SETTINGS
                    .iter()
                    .find(|(key, ..)| *key == k)
                    .map(|(_, var, ..)| *var),
                "default-profile" => Some("CHATBASE_PROFILE"),
                _ => None,
            };
            if let Some(var) = shadow.filter(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
            {
                ctx.out
                    .warn(format!("{var} is set and overrides this value"));
            }
        }
        ConfigCmd::List => {
            let mut rows = Vec::new();
            for key in config::KEYS {
                let (value, origin) = s
                    .get(key)?
                    .map_or((String::new(), "unset".to_owned()), |(v, o)| {
                        (v, o.to_string())
                    });
                rows.push(json!({"key": key, "value": value, "origin": origin}));
            }
            let (value, origin) = match &s.api_key {
                Some(k) => (k.value.tail(), k.origin.to_string()),
                None => (String::new(), "unset".to_owned()),
            };
            rows.push(json!({"key": "api-key", "value": value, "origin": origin}));
            if let Some(p) = &s.project {
                let origin = Origin::Project(p.path.display().to_string()).to_string();
                let path = |d: &Option<std::path::PathBuf>| {
                    d.as_ref()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default()
                };
                for (key, value) in [
                    ("sync-dir", path(&p.sync_dir)),
                    ("sync-include", p.sync_include.join(",")),
                    ("sync-exclude", p.sync_exclude.join(",")),
                    ("eval-suite", path(&p.eval_suite)),
                ] {
                    if !value.is_empty() {
                        rows.push(json!({"key": key, "value": value, "origin": origin}));
                    }
                }
            }
            let mut list = ctx.out.list(CONFIG_COLUMNS, true);
            list.page(&mut stdout, &rows)?;
            list.finish(&mut stdout, None)?;
        }
    }
    Ok(())
}

pub fn completions(c: CompletionsCmd) -> Result<()> {
    let mut cmd = Cli::command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(c.shell, &mut cmd, "chatbase", &mut stdout);
    stdout.flush()?;
    Ok(())
}

pub fn man(m: ManCmd) -> Result<()> {
    let cmd = Cli::command();
    match m.out_dir {
        None => {
            let mut stdout = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut stdout)?;
            Ok(())
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::runtime(format!("cannot create {}: {e}", dir.display())))?;
            let mut written = 0;
            write_pages(&cmd.clone(), "chatbase", &dir, &mut written)?;
            eprintln!("Wrote {written} man pages to {}", dir.display());
            Ok(())
        }
    }
}

fn write_pages(
    cmd: &clap::Command,
    name: &str,
    dir: &std::path::Path,
    written: &mut usize,
) -> Result<()> {
    let page_cmd = cmd.clone().name(name.to_owned());
    let mut buf = Vec::new();
    clap_mangen::Man::new(page_cmd).render(&mut buf)?;
    std::fs::write(dir.join(format!("{name}.1")), buf)?;
    *written += 1;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
