//! Benchmark harness for the eval engine (BENCHMARKS.md): N cases (default 500) against the in-process emulator
//! with J jobs (default 8), compared with the same N chat streams sent straight through the SDK at the same
//! concurrency. The difference is what the engine adds per case beyond the API call: suite handling, assertion
//! checks, report assembly, and the JSON, JUnit, Markdown and HTML renderings.
//!
//! ```sh
//! cargo run --release -p chatbase-eval --example bench            # 500 cases, 8 jobs, 3 rounds
//! cargo run --release -p chatbase-eval --example bench -- 500 8 5  # cases, jobs, rounds
//! ```
//!
//! Each arm of each round runs in a fresh child process (this binary again, with `--arm`), so the peak resident
//! memory of one arm (`VmHWM`) is not inflated by the other. Rounds alternate the arms (sdk, engine, sdk, …) and
//! the medians are printed. Linux only: CPU time and memory come from `/proc/self`.

use std::process::Command;
use std::time::{Duration, Instant};

use chatbase::ChatEvent;
use chatbase_eval::{RunOptions, StopFlag, Suite, runner};
use futures::StreamExt;

const KEY: &str = "cbbench_0123456789abcdef";

/// Questions the demo agent answers from its sources (varied so conversations and answers differ).
const QUESTIONS: &[&str] = &[
    "How do I reset my password?",
    "How do I cancel my plan?",
    "Where do I find my invoices?",
    "How do I replace my card?",
    "Is there a free trial?",
    "How do I turn on two-factor authentication?",
    "How do I contact support?",
    "How do I get started with Acme?",
];

fn message(i: usize) -> String {
    format!("{} (case {i})", QUESTIONS[i % QUESTIONS.len()])
}

/// The suite: each case carries the kind of assertion list a real suite has (text, negation, regex, timing,
/// similarity), so the engine does its usual work on every answer.
fn suite_yaml(cases: usize) -> String {
    let mut s = String::from(
        "description: benchmark\ndefaults:\n  assert:\n    - max-total-ms: 60000\n    - not: {icontains: \"couldn't find\"}\ncases:\n",
    );
    for i in 0..cases {
        s.push_str(&format!(
            "  - name: case {i}\n    message: \"{}\"\n    tags: [bench]\n    assert:\n      - min-chars: 20\n      - regex: '(?i)here is|yes'\n      - not-contains: ZZZ\n      - similar-to: {{value: \"Here is what I found in the help centre\", threshold: 0.02}}\n",
            message(i)
        ));
    }
    s
}

/// CPU time of this process (user + system), from `/proc/self/stat` (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name (state is 0).
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// A `/proc/self/status` value in KiB (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn one_stream(client: &chatbase::Client, msg: String) -> usize {
    let mut stream = client
        .agent("demo-agent")
        .chat(msg)
        .stream()
        .await
        .expect("chat starts");
    let mut text = String::new();
    while let Some(ev) = stream.next().await {
        if let ChatEvent::TextDelta { delta, .. } = ev.expect("stream event") {
            text.push_str(&delta);
        }
    }
    text.len()
}

/// One arm in this process; prints one line: `arm wall_us cpu_us run_us reports_us rss_before_kib hwm_kib passed`.
async fn arm(which: &str, cases: usize, jobs: usize) {
    let server = chatbase_emulator::Emulator::builder()
        .in_memory()
        .api_key(KEY)
        .rate_limit(None)
        .stream_delay(Duration::ZERO)
        .start()
        .await
        .expect("emulator starts");
    let client = chatbase::Client::builder()
        .api_key(KEY)
        .api_url(server.base_url())
        .build()
        .expect("client");
    // Warm up connections and the agent's index.
    futures::stream::iter(0..jobs * 4)
        .map(|i| one_stream(&client, message(i)))
        .buffer_unordered(jobs)
        .collect::<Vec<_>>()
        .await;
    let yaml = suite_yaml(cases);
    let rss_before = status_kib("VmRSS");
    let (cpu0, t0) = (cpu_time(), Instant::now());
    let (run_us, reports_us, passed) = match which {
        "sdk" => {
            let n = futures::stream::iter(0..cases)
                .map(|i| one_stream(&client, message(i)))
                .buffer_unordered(jobs)
                .filter(|len| futures::future::ready(*len > 0))
                .count()
                .await;
            (t0.elapsed().as_micros(), 0, n)
        }
        _ => {
            // Loading the suite is engine work too, so it is inside the clock.
            let suite = Suite::parse(&yaml, "bench.yaml").expect("suite parses");
            if std::env::var_os("BENCH_SUITE_RSS").is_some() {
                eprintln!(
                    "RSS after loading the suite: {} KiB (before: {rss_before} KiB)",
                    status_kib("VmRSS")
                );
            }
            let mut opts = RunOptions::new("demo-agent");
            opts.jobs = jobs;
            let report = runner::run(&client, &suite, &opts, &StopFlag::default(), &|_, _| {})
                .await
                .expect("run");
            let run_us = t0.elapsed().as_micros();
            if let Some(c) = report
                .cases
                .iter()
                .find(|c| c.verdict != chatbase_eval::Verdict::Pass)
            {
                eprintln!("case `{}` did not pass: {}", c.name, c.reason());
            }
            let t1 = Instant::now();
            let sizes = [
                report.to_json().len(),
                report.to_junit("bench").expect("junit").len(),
                report.to_markdown().len(),
                report.to_html("bench").len(),
            ];
            std::hint::black_box(sizes);
            (run_us, t1.elapsed().as_micros(), report.summary.passed)
        }
    };
    let wall = t0.elapsed().as_micros();
    let cpu = cpu_time().saturating_sub(cpu0).as_micros();
    println!(
        "{which} {wall} {cpu} {run_us} {reports_us} {rss_before} {} {passed}",
        status_kib("VmHWM")
    );
    server.shutdown().await;
}

#[derive(Debug, Default, Clone)]
struct Sample {
    wall: f64,
    cpu: f64,
    run: f64,
    reports: f64,
    rss_before: f64,
    hwm: f64,
    passed: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn child(exe: &std::path::Path, which: &str, cases: usize, jobs: usize) -> Sample {
    let out = Command::new(exe)
        .args(["--arm", which, &cases.to_string(), &jobs.to_string()])
        .output()
        .expect("run the child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().expect("a number"))
        .collect();
    Sample {
        wall: f[0],
        cpu: f[1],
        run: f[2],
        reports: f[3],
        rss_before: f[4],
        hwm: f[5],
        passed: f[6],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--arm") {
        let which = args[1].clone();
        let cases = args[2].parse().expect("cases");
        let jobs = args[3].parse().expect("jobs");
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(arm(&which, cases, jobs));
        return;
    }
    let num = |i: usize, d: usize| args.get(i).map_or(d, |a| a.parse().expect("a number"));
    let (cases, jobs, rounds) = (num(0, 500), num(1, 8), num(2, 3));
    let exe = std::env::current_exe().expect("own path");
    let (mut sdk, mut eng) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        let s = child(&exe, "sdk", cases, jobs);
        let e = child(&exe, "engine", cases, jobs);
        assert_eq!(s.passed as usize, cases, "the SDK arm lost answers");
        assert_eq!(
            e.passed as usize, cases,
            "cases failed: the suite no longer fits the demo agent"
        );
        eprintln!(
            "round {}: sdk {:.0} ms ({:.0} ms cpu), engine {:.0} ms ({:.0} ms cpu, reports {:.1} ms)",
            r + 1,
            s.wall / 1e3,
            s.cpu / 1e3,
            e.wall / 1e3,
            e.cpu / 1e3,
            e.reports / 1e3
        );
        sdk.push(s);
        eng.push(e);
    }
    let m = |v: &[Sample], f: fn(&Sample) -> f64| median(v.iter().map(f).collect());
    let n = cases as f64;
    // Paired per round, so a noisy neighbour hits both arms of a pair alike.
    let wall_over = median(
        sdk.iter()
            .zip(&eng)
            .map(|(s, e)| (e.wall - s.wall) / n)
            .collect(),
    );
    let cpu_over = median(
        sdk.iter()
            .zip(&eng)
            .map(|(s, e)| (e.cpu - s.cpu) / n)
            .collect(),
    );
    println!("cases {cases}, jobs {jobs}, rounds {rounds} (medians)");
    println!(
        "sdk only:   wall {:.0} ms, cpu {:.0} ms, peak RSS {:.1} MiB (before the run {:.1} MiB)",
        m(&sdk, |s| s.wall) / 1e3,
        m(&sdk, |s| s.cpu) / 1e3,
        m(&sdk, |s| s.hwm) / 1024.0,
        m(&sdk, |s| s.rss_before) / 1024.0
    );
    println!(
        "engine:     wall {:.0} ms (run {:.0} ms + reports {:.1} ms), cpu {:.0} ms, peak RSS {:.1} MiB (before the run {:.1} MiB)",
        m(&eng, |s| s.wall) / 1e3,
        m(&eng, |s| s.run) / 1e3,
        m(&eng, |s| s.reports) / 1e3,
        m(&eng, |s| s.cpu) / 1e3,
        m(&eng, |s| s.hwm) / 1024.0,
        m(&eng, |s| s.rss_before) / 1024.0
    );
    println!(
        "engine overhead per case: wall {:.3} ms, cpu {:.3} ms (goal < 1 ms)",
        wall_over / 1e3,
        cpu_over / 1e3
    );
}
