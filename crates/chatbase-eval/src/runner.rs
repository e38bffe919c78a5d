//! Running a suite: every selected case (times `repeat`) as one unit of work, at most `jobs` at once, each turn
//! streamed through the SDK and measured (first token, total time, credits, tool calls); results come back in
//! suite order. An error that would hit every case (bad key, missing agent, no credits) stops the run once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chatbase::{ChatEvent, Client};
use futures::StreamExt;

use crate::assertion::{Answer, Assertion, AssertionResult, ToolCallSeen};
use crate::report::{CaseReport, Report, RunReport, TurnReport};
use crate::suite::{Case, Suite};

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The agent under test.
    pub agent_id: String,
    /// Units of work in flight at once (at least 1).
    pub jobs: usize,
    /// Runs per case (at least 1).
    pub repeat: u32,
    /// Share of a case's runs that must pass (0 to 1; 1 means every run).
    pub min_pass_rate: f64,
    /// Case filters (any may match; see [`Case::matches`]); empty selects every case.
    pub filters: Vec<String>,
    /// Stop starting units once the run has used this many credits (units in flight finish).
    pub budget: Option<f64>,
    /// The agent that answers `judge` assertions; wins over the suite's `judge-agent`.
    pub judge_agent: Option<String>,
}

impl RunOptions {
    /// Defaults: 4 jobs, one run per case, every run must pass, no filter.
    pub fn new(agent_id: impl Into<String>) -> Self {
        RunOptions {
            agent_id: agent_id.into(),
            jobs: 4,
            repeat: 1,
            min_pass_rate: 1.0,
            filters: Vec::new(),
            budget: None,
            judge_agent: None,
        }
    }

    /// The judge agent for `suite`: these options', else the suite's.
    pub fn judge_for<'a>(&'a self, suite: &'a Suite) -> Option<&'a str> {
        self.judge_agent.as_deref().or(suite.judge_agent.as_deref())
    }

    /// The cases these options select, in suite order.
    pub fn selected<'s>(&self, suite: &'s Suite) -> Vec<(usize, &'s Case)> {
        suite
            .cases
            .iter()
            .enumerate()
            .filter(|(_, c)| self.filters.is_empty() || self.filters.iter().any(|f| c.matches(f)))
            .collect()
    }
}

/// A run that could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options are out of range or select nothing.
    #[error("{0}")]
    Invalid(String),
    /// An error every case would hit (authentication, a missing agent, no credits): reported once.
    #[error("case `{case}` failed in a way every case would: {error}")]
    Fatal {
        /// The case that hit it first.
        case: String,
        /// The SDK error.
        #[source]
        error: chatbase::Error,
    },
    /// The judge agent failed in a way every judged case would (authentication, the agent is missing).
    #[error(
        "the judge agent {agent}, asked about case `{case}`, failed in a way every case would: {error}"
    )]
    JudgeFatal {
        /// The judge agent.
        agent: String,
        /// The case whose answer it was asked about.
        case: String,
        /// The SDK error.
        #[source]
        error: chatbase::Error,
    },
}

/// A unit of work that must stop the whole run.
enum Halt {
    Agent(chatbase::Error),
    Judge(chatbase::Error),
}

/// Stops a run: [`stop`](Self::stop) ends it between units of work (units already sending finish), and
/// [`cancel`](Self::cancel) also abandons the units in flight. Either way the units that did not finish are
/// reported as not run and the report is marked incomplete.
#[derive(Debug)]
pub struct StopFlag(tokio::sync::watch::Sender<u8>);

const RUNNING: u8 = 0;
const STOPPED: u8 = 1;
const CANCELLED: u8 = 2;

impl Default for StopFlag {
    fn default() -> Self {
        StopFlag(tokio::sync::watch::Sender::new(RUNNING))
    }
}

impl StopFlag {
    fn raise(&self, level: u8) {
        self.0.send_if_modified(|s| {
            let raised = *s < level;
            if raised {
                *s = level;
            }
            raised
        });
    }
    /// Asks the run to stop starting new units.
    pub fn stop(&self) {
        self.raise(STOPPED);
    }
    /// Asks the run to stop starting new units and to abandon those in flight.
    pub fn cancel(&self) {
        self.raise(CANCELLED);
    }
    /// Whether [`stop`](Self::stop) or [`cancel`](Self::cancel) was called.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow() >= STOPPED
    }
    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow() >= CANCELLED
    }
    /// Resolves once [`cancel`](Self::cancel) is called.
    async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives as long as `self`, so this only returns once cancelled.
        let _ = rx.wait_for(|s| *s >= CANCELLED).await;
    }
}

/// Is this error one every case would hit? A 404 counts only before a conversation exists (the agent is
/// missing), not when a later turn's conversation is gone.
fn is_fatal(e: &chatbase::Error, first_turn: bool) -> bool {
    match e.status().map(|s| s.as_u16()) {
        Some(401..=403) => true,
        Some(404) => first_turn,
        _ => e.is_auth_failure(),
    }
}

/// Sends one turn and measures it.
async fn send_turn(
    client: &Client,
    agent_id: &str,
    message: &str,
    conversation: Option<&str>,
    user_id: Option<&str>,
) -> Result<Answer, chatbase::Error> {
    let mut req = client.agent(agent_id).chat(message);
    match conversation {
        Some(c) => req = req.conversation(c),
        None => {
            if let Some(u) = user_id {
                req = req.user(u);
            }
        }
    }
    let start = Instant::now();
    let ms = |start: Instant| u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut stream = req.stream().await?;
    let mut a = Answer::default();
    while let Some(ev) = stream.next().await {
        let ev = ev?;
        let first = matches!(
            ev,
            ChatEvent::TextDelta { .. }
                | ChatEvent::ToolInputStart { .. }
                | ChatEvent::ToolInputAvailable { .. }
        );
        if first && a.first_token_ms.is_none() {
            a.first_token_ms = Some(ms(start));
        }
    }
    // The stream accumulated the answer as the events went by.
    let r = stream.final_response().await?;
    a.text = r.text;
    a.tool_calls = r
        .tool_calls
        .into_iter()
        .map(|t| ToolCallSeen {
            name: t.tool_name,
            input: t.input,
        })
        .collect();
    a.finish_reason = r.metadata.finish_reason.map(|f| f.as_str().to_owned());
    a.credits = r.metadata.credits.filter(|c| c.is_finite());
    a.conversation_id = r.metadata.conversation_id;
    a.message_id = r.metadata.message_id;
    a.total_ms = ms(start);
    Ok(a)
}

/// Asks the judge agent about one answer. `Ok(Err(_))` is a judge request that failed for this answer only.
async fn judge(
    client: &Client,
    judge_agent: &str,
    assertion: &Assertion,
    criterion: &str,
    earlier: &[TurnReport],
    question: &str,
    answer: &Answer,
) -> Result<Result<AssertionResult, String>, chatbase::Error> {
    let earlier: Vec<(&str, &str)> = earlier
        .iter()
        .map(|t| (t.message.as_str(), t.answer.text.as_str()))
        .collect();
    let prompt = crate::judge::prompt(criterion, &earlier, question, &answer.text);
    match send_turn(client, judge_agent, &prompt, None, None).await {
        Ok(reply) => Ok(Ok(assertion.judged(answer, &reply.text, reply.credits))),
        Err(e) if is_fatal(&e, true) => Err(e),
        Err(e) => Ok(Err(format!("the judge agent {judge_agent} failed: {e}"))),
    }
}

/// One run of one case. `Err` only for fatal errors; other failures are recorded in the report.
async fn run_once(
    client: &Client,
    suite: &Suite,
    case: &Case,
    agent_id: &str,
    judge_agent: Option<&str>,
) -> Result<RunReport, Halt> {
    let started = Instant::now();
    let user_id = case
        .user_id
        .as_deref()
        .or(suite.defaults.user_id.as_deref());
    let mut conversation: Option<String> = None;
    let mut turns = Vec::with_capacity(case.turns.len());
    let mut error = None;
    for turn in &case.turns {
        match send_turn(
            client,
            agent_id,
            &turn.message,
            conversation.as_deref(),
            user_id,
        )
        .await
        {
            Ok(answer) => {
                if answer.conversation_id.is_some() {
                    conversation.clone_from(&answer.conversation_id);
                }
                let mut assertions = Vec::new();
                for a in suite.defaults.assert.iter().chain(&turn.assert) {
                    match (a.judge_criterion(), judge_agent) {
                        (Some(criterion), Some(j)) => {
                            match judge(client, j, a, criterion, &turns, &turn.message, &answer)
                                .await
                                .map_err(Halt::Judge)?
                            {
                                Ok(r) => assertions.push(r),
                                Err(e) => {
                                    error = Some(e);
                                    break;
                                }
                            }
                        }
                        _ => assertions.push(a.evaluate(&answer)),
                    }
                }
                turns.push(TurnReport {
                    message: turn.message.clone(),
                    answer,
                    assertions,
                });
                if error.is_some() {
                    break;
                }
            }
            Err(e) if is_fatal(&e, conversation.is_none()) => return Err(Halt::Agent(e)),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
        if conversation.is_none() && case.turns.len() > 1 {
            error = Some(
                "the server sent no conversation id, so the next turn cannot follow".to_owned(),
            );
            break;
        }
    }
    let threshold = case.threshold.or(suite.defaults.threshold);
    Ok(RunReport::new(
        turns,
        error,
        threshold,
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    ))
}

/// Runs the selected cases of `suite` and returns the report in suite order. `on_progress` is called after
/// each unit of work with (done, total); `stop` ends the run early (the report is then marked incomplete).
pub async fn run(
    client: &Client,
    suite: &Suite,
    opts: &RunOptions,
    stop: &StopFlag,
    on_progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report, RunError> {
    if opts.jobs == 0 {
        return Err(RunError::Invalid("jobs must be at least 1".to_owned()));
    }
    if opts.repeat == 0 {
        return Err(RunError::Invalid("repeat must be at least 1".to_owned()));
    }
    if !(opts.min_pass_rate.is_finite() && (0.0..=1.0).contains(&opts.min_pass_rate)) {
        return Err(RunError::Invalid(format!(
            "the minimum pass rate must be between 0 and 1, got {}",
            opts.min_pass_rate
        )));
    }
    if let Some(b) = opts.budget
        && !(b.is_finite() && b >= 0.0)
    {
        return Err(RunError::Invalid(format!(
            "the credit budget must be 0 or more, got {b}"
        )));
    }
    if suite.uses_judge() && opts.judge_for(suite).is_none() {
        return Err(RunError::Invalid(
            "the suite has `judge` assertions but no judge agent: set `judge-agent` in the suite or pass one"
                .to_owned(),
        ));
    }
    let judge_agent = opts.judge_for(suite);
    let selected = opts.selected(suite);
    if selected.is_empty() {
        return Err(RunError::Invalid(format!(
            "no case matches the filter {:?}",
            opts.filters
        )));
    }
    let started = Instant::now();
    let units: Vec<(usize, u32)> = selected
        .iter()
        .enumerate()
        .flat_map(|(i, (_, c))| (0..c.runs(opts.repeat)).map(move |r| (i, r)))
        .collect();
    let total = units.len();
    let fatal: Mutex<Option<RunError>> = Mutex::new(None);
    let halted = AtomicBool::new(false);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let spent = Mutex::new(0.0_f64);
    let over_budget = AtomicBool::new(opts.budget.is_some_and(|b| b <= 0.0));
    let mut slots: Vec<Vec<Option<RunReport>>> = selected
        .iter()
        .map(|(_, c)| (0..c.runs(opts.repeat)).map(|_| None).collect())
        .collect();
    let work = futures::stream::iter(units).map(|(i, r)| {
        let (_, case) = selected[i];
        let (fatal, halted, done, spent, over_budget) =
            (&fatal, &halted, &done, &spent, &over_budget);
        async move {
            if stop.is_stopped()
                || halted.load(Ordering::SeqCst)
                || over_budget.load(Ordering::SeqCst)
            {
                return (i, r, None);
            }
            let outcome = tokio::select! {
                r = run_once(client, suite, case, &opts.agent_id, judge_agent) => r,
                // Abandoned: reported as not run.
                () = stop.cancelled() => return (i, r, None),
            };
            let out = match outcome {
                Ok(run) => {
                    if let (Some(budget), Ok(mut total)) = (opts.budget, spent.lock()) {
                        *total += run.credits;
                        if *total >= budget {
                            over_budget.store(true, Ordering::SeqCst);
                        }
                    }
                    Some(run)
                }
                Err(halt) => {
                    halted.store(true, Ordering::SeqCst);
                    if let Ok(mut slot) = fatal.lock()
                        && slot.is_none()
                    {
                        let case = case.name.clone();
                        *slot = Some(match halt {
                            Halt::Agent(error) => RunError::Fatal { case, error },
                            Halt::Judge(error) => RunError::JudgeFatal {
                                agent: judge_agent.unwrap_or_default().to_owned(),
                                case,
                                error,
                            },
                        });
                    }
                    None
                }
            };
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            on_progress(n, total);
            (i, r, out)
        }
    });
    let mut results = work.buffer_unordered(opts.jobs);
    while let Some((i, r, out)) = results.next().await {
        if let Some(slot) = slots
            .get_mut(i)
            .and_then(|s| s.get_mut(usize::try_from(r).unwrap_or(usize::MAX)))
        {
            *slot = out;
        }
    }
    drop(results);
    if let Some(e) = fatal.into_inner().ok().flatten() {
        return Err(e);
    }
    let skipped = slots.iter().flatten().any(Option::is_none);
    let stop_reason = match (skipped, opts.budget) {
        (false, _) => None,
        (true, Some(b)) if over_budget.load(Ordering::SeqCst) => {
            Some(format!("the credit budget of {b} was reached"))
        }
        (true, _) => Some("stopped before every case ran".to_owned()),
    };
    let cases = selected
        .iter()
        .zip(slots)
        .map(|((_, case), runs)| {
            CaseReport::new(case, runs, case.min_pass_rate.unwrap_or(opts.min_pass_rate))
        })
        .collect();
    Ok(Report::new(
        suite,
        &opts.agent_id,
        opts,
        cases,
        stop_reason,
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    ))
}
