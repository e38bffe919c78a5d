//! `chatbase eval`: runs a YAML suite of questions and assertions against an agent (engine in `chatbase-eval`),
//! guards the credits it spends, prints a verdict table and writes JSON, JUnit and Markdown reports. Exit 0 when
//! every case passes, 1 when one fails, 2 for a bad suite or arguments, 130 after Ctrl-C (reports still written).

pub mod args;

use std::path::Path;

use chatbase_eval::report::Verdict;
use chatbase_eval::{Report, RunError, RunOptions, StopFlag, Suite};
use serde_json::{Value, json};

use crate::context::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Column, col};
use args::{EvalCmd, FailOn};

/// Above this many messages a run against a real (non-local) host needs `--yes`.
pub const COST_GUARD_MESSAGES: u64 = 20;

const COLUMNS: &[Column] = &[
    col("CASE", "case"),
    col("VERDICT", "verdict"),
    col("WHY", "why"),
    col("ANSWER", "answer"),
    col("MS", "ms"),
    col("CREDITS", "credits"),
];

const DRY_RUN_COLUMNS: &[Column] = &[
    col("CASE", "case"),
    col("TURNS", "turns"),
    col("TAGS", "tags"),
];

pub async fn run(ctx: &Ctx, cmd: EvalCmd) -> Result<()> {
    if cmd.schema {
        println!("{}", crate::output::pretty(&Suite::json_schema()));
        return Ok(());
    }
    let from_project = ctx
        .settings
        .project
        .as_ref()
        .and_then(|p| p.eval_suite.clone());
    let Some(file) = cmd.file.as_deref().or(from_project.as_deref()) else {
        return Err(
            CliError::usage("give a suite file, or --schema to print its JSON Schema").with_hint(
                "or name a default suite in chatbase.json: {\"eval\": {\"suite\": \"evals.yaml\"}}",
            ),
        );
    };
    // Every check on the suite happens here, before any request.
    let suite = Suite::load(file).map_err(|e| {
        CliError::usage(e.to_string())
            .with_hint("`chatbase eval --schema` prints the suite's JSON Schema")
    })?;
    if suite.uses_judge() && cmd.judge_agent.is_none() && suite.judge_agent.is_none() {
        return Err(CliError::usage(format!(
            "{}: the suite has `judge` assertions but no judge agent",
            file.display()
        ))
        .with_hint("pass --judge-agent ID, or set `judge-agent: ID` in the suite"));
    }
    let min_pass_rate = cmd.min_pass_rate.unwrap_or(1.0);
    if !(min_pass_rate.is_finite() && (0.0..=1.0).contains(&min_pass_rate)) {
        return Err(CliError::usage(format!(
            "--min-pass-rate must be between 0 and 1, got {min_pass_rate}"
        )));
    }
    let baseline = match &cmd.baseline {
        Some(p) => Some(chatbase_eval::baseline::load(p).map_err(CliError::usage)?),
        None => None,
    };
    let agent_id = agent_for(ctx, &suite).await?;
    let opts = RunOptions {
        agent_id,
        jobs: usize::try_from(cmd.jobs).unwrap_or(1),
        repeat: cmd.repeat,
        min_pass_rate,
        filters: cmd.filter.clone(),
        budget: cmd.budget,
        judge_agent: cmd.judge_agent.clone(),
    };
    let selected = opts.selected(&suite);
    if selected.is_empty() {
        return Err(CliError::usage(format!(
            "no case matches --filter {}",
            cmd.filter.join(", ")
        )));
    }
    // Judge messages included: the cost guard counts every message the run sends.
    let messages = suite.message_count(selected.iter().map(|(_, c)| *c), opts.repeat);
    if cmd.dry_run {
        let rows: Vec<Value> = selected
            .iter()
            .map(
                |(_, c)| json!({"case": c.name, "turns": c.turns.len(), "tags": c.tags.join(", ")}),
            )
            .collect();
        let mut stdout = std::io::stdout().lock();
        let mut list = ctx.out.list(DRY_RUN_COLUMNS, false);
        list.page(&mut stdout, &rows)?;
        list.finish(&mut stdout, None)?;
        ctx.out.note(format!(
            "Would send {messages} message{} to agent {}{} at {}",
            if messages == 1 { "" } else { "s" },
            opts.agent_id,
            match opts.judge_for(&suite) {
                Some(j) if suite.uses_judge() => format!(" and judge agent {j}"),
                _ => String::new(),
            },
            ctx.settings.api_url.value
        ));
        return Ok(());
    }
    cost_guard(ctx, messages, cmd.yes)?;
    ctx.out.note(format!(
        "Running {} case{} ({messages} message{}) against agent {}",
        selected.len(),
        if selected.len() == 1 { "" } else { "s" },
        if messages == 1 { "" } else { "s" },
        opts.agent_id
    ));

    let client = ctx.client()?;
    let units = Suite::run_count(selected.iter().map(|(_, c)| *c), opts.repeat);
    let bar = progress_bar(ctx, units);
    let stop = StopFlag::default();
    let progress = |done: usize, total: usize| {
        bar.set_length(u64::try_from(total).unwrap_or(u64::MAX));
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
    };
    let work = chatbase_eval::runner::run(client, &suite, &opts, &stop, &progress);
    tokio::pin!(work);
    let outcome = loop {
        tokio::select! {
            r = &mut work => break r,
            _ = tokio::signal::ctrl_c() => {
                if stop.is_cancelled() {
                    bar.finish_and_clear();
                    return Err(CliError::interrupted());
                }
                if stop.is_stopped() {
                    stop.cancel();
                    bar.suspend(|| ctx.out.warn(
                        "cancelling the cases in flight; writing the reports (Ctrl-C again to quit without them)",
                    ));
                } else {
                    stop.stop();
                    bar.suspend(|| ctx.out.warn(
                        "stopping: waiting for the cases in flight (Ctrl-C again to cancel them)",
                    ));
                }
            }
        }
    };
    bar.finish_and_clear();
    let mut report = match outcome {
        Ok(r) => r,
        Err(RunError::Invalid(m)) => return Err(CliError::usage(m)),
        Err(RunError::Fatal { case, error }) => {
            let mut e = CliError::from(error);
            e.message = format!(
                "{} (first hit by case `{case}`; no further case was started)",
                e.message
            );
            return Err(e);
        }
        Err(RunError::JudgeFatal { agent, case, error }) => {
            let mut e = CliError::from(error);
            e.message = format!(
                "the judge agent {agent}: {} (first hit judging case `{case}`; no further case was started)",
                e.message
            );
            return Err(e);
        }
    };

    if let Some(b) = &baseline {
        report.comparison = Some(chatbase_eval::baseline::compare(b, &report));
    }
    write_reports(&cmd, &report, file)?;
    print_report(ctx, &report)?;
    print_changes(ctx, &report);
    verdict(ctx, &report, cmd.fail_on, stop.is_stopped())
}

/// With a baseline: one line per case whose verdict or answer changed, on stderr.
fn print_changes(ctx: &Ctx, report: &Report) {
    use chatbase_eval::baseline::Change;
    let Some(cmp) = &report.comparison else {
        return;
    };
    ctx.out.note(format!(
        "Since the baseline: {} newly failing, {} fixed, {} still failing, {} new, {} removed",
        cmp.count(Change::NewlyFailing),
        cmp.count(Change::Fixed),
        cmp.count(Change::StillFailing),
        cmp.count(Change::New),
        cmp.removed.len()
    ));
    for c in &cmp.cases {
        if c.change == Change::StillPassing && c.diff.is_none() {
            continue;
        }
        let mut line = format!(
            "  {}: {}",
            c.change.as_str(),
            crate::sanitize::sanitize_cell(&c.name)
        );
        if let Some(d) = &c.diff {
            line.push_str(&format!(
                "\n    answer: {}",
                crate::sanitize::sanitize_cell(d)
            ));
        }
        ctx.out.note(line);
    }
}

/// `--agent`/`--agent-name`/`CHATBASE_AGENT_ID`/profile win over the suite's `agent`, which wins over the
/// emulator's demo agent.
async fn agent_for(ctx: &Ctx, suite: &Suite) -> Result<String> {
    if ctx.global.agent_name.is_none()
        && ctx.settings.agent.is_none()
        && let Some(a) = &suite.agent
    {
        return Ok(a.clone());
    }
    ctx.agent_id().await
}

/// Is the API host this machine (the emulator, or a local server)? Runs there spend no credits.
pub fn is_local_host(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A run spends real credits when the host is not local; more than [`COST_GUARD_MESSAGES`] of them need a yes.
fn needs_confirmation(local: bool, messages: u64, yes: bool) -> bool {
    !local && !yes && messages > COST_GUARD_MESSAGES
}

fn cost_guard(ctx: &Ctx, messages: u64, yes: bool) -> Result<()> {
    let url = &ctx.settings.api_url.value;
    let local = ctx.global.emulator || is_local_host(url);
    if !needs_confirmation(local, messages, yes) {
        return Ok(());
    }
    let question =
        format!("This run sends {messages} messages to {url}, each using credits. Continue?");
    if crate::input::ask_yes_no(&question, ctx.global.no_input)? {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "not sending {messages} messages to {url} without confirmation (the limit without --yes is {COST_GUARD_MESSAGES})"
    ))
    .with_hint("pass --yes to confirm, or narrow the run with --filter"))
}

fn progress_bar(ctx: &Ctx, total: u64) -> indicatif::ProgressBar {
    if ctx.out.quiet || !ctx.out.stderr_tty {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

fn write_file(path: &Path, what: &str, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| {
        CliError::runtime(format!(
            "cannot write the {what} report to {}: {e}",
            path.display()
        ))
    })
}

fn write_reports(cmd: &EvalCmd, report: &Report, suite_file: &Path) -> Result<()> {
    if let Some(p) = &cmd.json_report {
        write_file(p, "JSON", &report.to_json())?;
    }
    let name = suite_file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "eval".to_owned());
    if let Some(p) = &cmd.html {
        write_file(p, "HTML", &report.to_html(&name))?;
    }
    if let Some(p) = &cmd.junit {
        let xml = report
            .to_junit_for_file(&name, Some(&suite_file.to_string_lossy()))
            .map_err(|e| CliError::runtime(format!("cannot build the JUnit report: {e}")))?;
        write_file(p, "JUnit", &xml)?;
    }
    if let Some(p) = &cmd.markdown {
        write_file(p, "Markdown", &report.to_markdown())?;
    }
    Ok(())
}

fn rows(report: &Report) -> Vec<Value> {
    report
        .cases
        .iter()
        .map(|c| {
            let verdict = if c.runs.len() > 1 {
                format!("{} ({:.0}%)", c.verdict.as_str(), c.pass_rate * 100.0)
            } else {
                c.verdict.as_str().to_owned()
            };
            json!({
                "case": c.name,
                "verdict": verdict,
                "why": c.reason(),
                "answer": c.snippet().unwrap_or(""),
                "ms": c.max_ms,
                "credits": c.credits,
            })
        })
        .collect()
}

fn print_report(ctx: &Ctx, report: &Report) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    if ctx.out.is_machine() {
        let v = serde_json::to_value(report)
            .map_err(|e| CliError::runtime(format!("cannot encode the report: {e}")))?;
        ctx.out.object(&mut stdout, &v)?;
        return Ok(());
    }
    let mut list = ctx.out.list(COLUMNS, false);
    list.page(&mut stdout, &rows(report))?;
    list.finish(&mut stdout, None)?;
    Ok(())
}

fn verdict(ctx: &Ctx, report: &Report, fail_on: FailOn, interrupted: bool) -> Result<()> {
    let s = &report.summary;
    let line = format!(
        "{} passed, {} failed, {} errored{} · {} credits · {:.1} s",
        s.passed,
        s.failed,
        s.errored,
        if s.skipped > 0 {
            format!(", {} not run", s.skipped)
        } else {
            String::new()
        },
        s.credits,
        report.total_ms as f64 / 1000.0
    );
    if report.incomplete {
        let why = report.stop_reason.as_deref().unwrap_or("stopped");
        ctx.out.warn(format!("incomplete run ({why}): {line}"));
        if interrupted {
            return Err(CliError::interrupted());
        }
        return Err(CliError::runtime(format!("incomplete run: {why}")));
    }
    if report.all_passed() {
        ctx.out.success(line);
        return Ok(());
    }
    if fail_on == FailOn::Regression
        && let Some(cmp) = &report.comparison
    {
        let regressions: Vec<&str> = cmp.regressions().map(|c| c.name.as_str()).collect();
        if regressions.is_empty() {
            ctx.out
                .success(format!("no regression since the baseline: {line}"));
            return Ok(());
        }
        return Err(CliError::runtime(format!(
            "{} regression{} since the baseline ({}): {line}",
            regressions.len(),
            if regressions.len() == 1 { "" } else { "s" },
            regressions.join(", ")
        )));
    }
    let bad = report
        .cases
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .count();
    Err(CliError::runtime(format!(
        "{bad} of {} cases did not pass: {line}",
        report.cases.len()
    )))
}

#[cfg(test)]
mod tests {
    use super::{COST_GUARD_MESSAGES, is_local_host, needs_confirmation};

    #[test]
    fn only_large_runs_against_a_real_host_ask() {
        assert!(needs_confirmation(false, COST_GUARD_MESSAGES + 1, false));
        assert!(!needs_confirmation(false, COST_GUARD_MESSAGES, false));
        assert!(!needs_confirmation(false, COST_GUARD_MESSAGES + 1, true));
        assert!(!needs_confirmation(true, u64::MAX, false));
    }

    #[test]
    fn local_hosts_are_recognised() {
        for url in [
            "http://127.0.0.1:8787",
            "http://localhost/api/v2",
            "http://[::1]:9000/",
            "https://user@127.0.0.2",
            "LOCALHOST:80",
        ] {
            assert!(is_local_host(url), "{url}");
        }
        for url in [
            "https://www.chatbase.co",
            "http://10.0.0.1:8787",
            "http://localhost.example.com",
            "http://127.0.0.1.example.com",
            "",
        ] {
            assert!(!is_local_host(url), "{url}");
        }
    }
}
