//! Turns the raw process arguments into clap matches. Arguments are read as `OsString`s, so no byte sequence can
//! panic, and clap's nameless "invalid UTF-8" error is replaced by a usage error (exit 2) naming the argument.

use crate::cli::Cli;
use crate::error::ExitKind;
use clap::CommandFactory;
use clap::error::{ContextKind, ErrorKind};
use std::ffi::{OsStr, OsString};

/// A parse that ends the run: help or version (exit 0) or a usage error (exit 2).
#[derive(Debug)]
pub enum ParseExit {
    /// clap's own error or help text, with an optional hint line after it.
    Clap(clap::Error, Option<String>),
    /// One of our usage errors, as plain text (without the `error: ` prefix).
    Usage(String),
}

impl ParseExit {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            ParseExit::Clap(e, _) => u8::try_from(e.exit_code()).unwrap_or(2),
            ParseExit::Usage(_) => ExitKind::Usage.code(),
        }
    }

    /// The full text shown to the user, uncoloured.
    pub fn text(&self) -> String {
        match self {
            ParseExit::Clap(e, hint) => {
                let mut s = e.render().to_string();
                if let Some(h) = hint {
                    s.push_str(&format!("hint: {h}\n"));
                }
                s
            }
            ParseExit::Usage(m) => format!("error: {m}\n\nFor more information, try '--help'.\n"),
        }
    }

    /// Prints to the stream clap would use (help on stdout, errors on stderr) and returns the exit code.
    pub fn print(&self) -> u8 {
        match self {
            ParseExit::Clap(e, hint) => {
                let _ = e.print();
                if let Some(h) = hint {
                    eprintln!("hint: {h}");
                }
            }
            ParseExit::Usage(_) => eprint!("{}", self.text()),
        }
        self.exit_code()
    }
}

/// Parses `argv` (including the program name) against the full command tree.
pub fn parse_from(argv: Vec<OsString>) -> Result<clap::ArgMatches, ParseExit> {
    match Cli::command().try_get_matches_from(&argv) {
        Ok(m) => Ok(m),
        Err(e) => {
            let has_bad_arg = argv.iter().skip(1).any(|a| a.to_str().is_none());
            if e.kind() == ErrorKind::InvalidUtf8
                || (has_bad_arg && e.to_string().contains('\u{FFFD}'))
            {
                return Err(ParseExit::Usage(invalid_utf8_message(&argv)));
            }
            let hint = chat_hint(&e, &argv);
            Err(ParseExit::Clap(e, hint))
        }
    }
}

/// `chatbase chat "question"` reads the question as a subcommand; point at `-m`.
fn chat_hint(e: &clap::Error, argv: &[OsString]) -> Option<String> {
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let chat = argv.iter().skip(1).position(|a| a == "chat")?;
    let word = match e.get(ContextKind::InvalidSubcommand) {
        Some(clap::error::ContextValue::String(s)) => s.clone(),
        _ => return None,
    };
    // Only when the unknown word came after `chat`.
    argv.iter()
        .skip(chat + 2)
        .find(|a| a.to_string_lossy() == word)?;
    Some(format!(
        "to send a message, pass it with -m: chatbase chat -m {}",
        shell_quote(&word)
    ))
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Names the first argument (or environment variable) that is not valid UTF-8.
fn invalid_utf8_message(argv: &[OsString]) -> String {
    let Some(bad) = argv
        .iter()
        .skip(1)
        .position(|a| a.to_str().is_none())
        .map(|i| i + 1)
    else {
        return invalid_env_message();
    };
    let shown = format!("{:?}", argv[bad].as_os_str());
    // Parse again with the bad bytes replaced, tolerating other errors, to learn which argument took the value.
    let lossy: Vec<OsString> = argv
        .iter()
        .map(|a| OsString::from(a.to_string_lossy().into_owned()))
        .collect();
    let cmd = Cli::command().ignore_errors(true);
    let describe = |path: String, name: String| {
        format!(
            "invalid UTF-8 in the value of {name} (`{path}`, argument {bad}): {shown}; \
             arguments must be valid UTF-8 text"
        )
    };
    // A string argument takes the replaced text as it is.
    if let Ok(m) = cmd.clone().try_get_matches_from(&lossy) {
        if let Some((path, name)) = find_value(&cmd, &m, &lossy[bad], &mut Vec::new()) {
            return describe(path, name);
        }
        // An option's value (`--format X`, `-m X`, `--format=X`) that its parser refused: name the option.
        let chain = command_chain(&cmd, &m);
        let path = chain
            .iter()
            .map(|c| c.get_name())
            .collect::<Vec<_>>()
            .join(" ");
        let token = lossy[bad].to_string_lossy();
        let option = match token.strip_prefix("--").and_then(|t| t.split_once('=')) {
            Some((long, _)) => Some(long.to_owned()),
            // `-mVALUE`: a short option with its value attached.
            None if token.starts_with('-') && !token.starts_with("--") => {
                token.chars().nth(1).map(|c| format!("-{c}"))
            }
            None => lossy[bad - 1]
                .to_str()
                .filter(|p| p.starts_with('-') && *p != "--" && *p != "-")
                .map(str::to_owned),
        };
        if let Some(option) = option
            && let Some(arg) = chain.iter().rev().find_map(|c| find_option(c, &option))
            && arg.get_action().takes_values()
        {
            return describe(path, display_name(arg));
        }
    }
    // A number or a choice: retry with stand-ins each parser accepts, then see which argument took it.
    let mut stand_ins = vec!["987654321".to_owned()];
    collect_choices(&Cli::command(), &mut stand_ins);
    for stand_in in stand_ins {
        let mut argv = lossy.clone();
        argv[bad] = OsString::from(&stand_in);
        if let Ok(m) = cmd.clone().try_get_matches_from(&argv)
            && let Some((path, name)) = find_value(&cmd, &m, OsStr::new(&stand_in), &mut Vec::new())
        {
            return describe(path, name);
        }
    }
    format!("argument {bad} is not valid UTF-8: {shown}; arguments must be valid UTF-8 text")
}

/// The root and every matched subcommand below it.
fn command_chain<'a>(root: &'a clap::Command, m: &clap::ArgMatches) -> Vec<&'a clap::Command> {
    let mut chain = vec![root];
    let (mut cmd, mut m) = (root, m);
    while let Some((name, sub_m)) = m.subcommand() {
        let Some(sub) = cmd.find_subcommand(name) else {
            break;
        };
        chain.push(sub);
        (cmd, m) = (sub, sub_m);
    }
    chain
}

/// The option `--long`, `-s` (or the last letter of `-abc`) defined directly on `cmd`.
fn find_option<'a>(cmd: &'a clap::Command, token: &str) -> Option<&'a clap::Arg> {
    if let Some(long) = token.strip_prefix("--") {
        return cmd.get_arguments().find(|a| a.get_long() == Some(long));
    }
    let short = token.strip_prefix('-')?.chars().last()?;
    cmd.get_arguments().find(|a| a.get_short() == Some(short))
}

/// The first possible value of every argument that has a fixed set.
fn collect_choices(cmd: &clap::Command, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        if let Some(v) = arg.get_possible_values().first()
            && !out.iter().any(|o| o == v.get_name())
        {
            out.push(v.get_name().to_owned());
        }
    }
    for sub in cmd.get_subcommands() {
        collect_choices(sub, out);
    }
}

/// Depth-first: the command path and display name of the argument whose raw value is `target`.
fn find_value(
    cmd: &clap::Command,
    m: &clap::ArgMatches,
    target: &OsStr,
    path: &mut Vec<String>,
) -> Option<(String, String)> {
    path.push(cmd.get_name().to_owned());
    if let Some((sub, sub_m)) = m.subcommand()
        && let Some(sub_cmd) = cmd.find_subcommand(sub)
        && let Some(found) = find_value(sub_cmd, sub_m, target, path)
    {
        return Some(found);
    }
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        let Ok(Some(mut values)) = m.try_get_raw(id) else {
            continue;
        };
        if values.any(|v| v == target) {
            return Some((path.join(" "), display_name(arg)));
        }
    }
    path.pop();
    None
}

/// `--message`, `-m` or `<KEY>`: how the user refers to an argument.
pub fn display_name(arg: &clap::Arg) -> String {
    if let Some(long) = arg.get_long() {
        format!("--{long}")
    } else if let Some(short) = arg.get_short() {
        format!("-{short}")
    } else {
        let name = arg
            .get_value_names()
            .and_then(|n| n.first())
            .map(|n| n.to_string())
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        format!("<{name}>")
    }
}

fn invalid_env_message() -> String {
    fn walk(cmd: &clap::Command, found: &mut Option<String>) {
        for arg in cmd.get_arguments() {
            if let Some(env) = arg.get_env()
                && std::env::var_os(env).is_some_and(|v| v.to_str().is_none())
                && found.is_none()
            {
                *found = Some(format!(
                    "the environment variable {} (read for {}) is not valid UTF-8",
                    env.to_string_lossy(),
                    display_name(arg)
                ));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, found);
        }
    }
    let mut found = None;
    walk(&Cli::command(), &mut found);
    found.unwrap_or_else(|| "an argument is not valid UTF-8".to_owned())
}
