//! Snapshots of `--help` for every command, so any change to the interface shows up in review.
//! Taken with the default features (the `emulator` subcommand only exists with them; `keyring` adds a flag).
#![cfg(all(feature = "emulator", not(feature = "keyring")))]

use chatbase_cli::cli::Cli;
use clap::CommandFactory;

fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    let mut c = cmd.clone().term_width(100);
    let help = c.render_long_help().to_string();
    out.push((path.to_owned(), help));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        walk(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn help_of_every_command_is_stable() {
    let mut root = Cli::command();
    root.build();
    let mut pages = Vec::new();
    walk(&root, "chatbase", &mut pages);
    assert!(
        pages.len() > 70,
        "expected every command, got {}",
        pages.len()
    );
    for (path, help) in pages {
        let name = path.replace(' ', "_");
        insta::with_settings!({ snapshot_suffix => name.clone(), description => path.clone(), omit_expression => true }, {
            insta::assert_snapshot!("help", help);
        });
    }
}
