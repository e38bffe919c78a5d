//! Loopback load benchmarks for the emulator (a documented harness, not criterion: the
//! numbers are whole-server throughput and memory, not per-call timings).
//!
//! ```text
//! cargo bench -p chatbase-emulator --bench load
//! BENCH_SECS=10 BENCH_CONNECTIONS=64 BENCH_STREAMS=1000 cargo bench -p chatbase-emulator --bench load
//! ```
//!
//! 1. `GET /api/v2/agents` throughput: keep-alive workers hammer the endpoint for
//!    `BENCH_SECS` seconds; reports requests/s and latency percentiles.
//! 2. `BENCH_STREAMS` concurrent v2 chat streams with zero delay: every stream must end
//!    with `data: [DONE]`; reports wall time and the process's peak RSS (VmHWM).
//!
//! Server and load generator share one process (and the machine's cores).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chatbase_emulator::Emulator;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn current_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn throughput(base: &str, key: &str) {
    let secs = env_num("BENCH_SECS", 10);
    let conns = env_num("BENCH_CONNECTIONS", 64) as usize;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .build()
        .unwrap();
    let url = format!("{base}/api/v2/agents");
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    // Warm-up: open the connections and fill caches.
    for _ in 0..conns {
        let _ = client
            .get(&url)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .bytes()
            .await;
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (client, url, key, stop, errors) = (
            client.clone(),
            url.clone(),
            key.to_string(),
            stop.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(100_000);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match client.get(&url).bearer_auth(&key).send().await {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    println!("## GET /api/v2/agents throughput");
    println!("connections: {conns}, duration: {elapsed:.1} s");
    println!(
        "requests: {} ok, {} errors",
        all.len(),
        errors.load(Ordering::Relaxed)
    );
    println!("throughput: {:.0} req/s", all.len() as f64 / elapsed);
    println!(
        "latency: p50 {} µs, p90 {} µs, p99 {} µs, max {} µs",
        percentile(&all, 0.5),
        percentile(&all, 0.9),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or(0)
    );
}

async fn streams(base: &str, key: &str) {
    let n = env_num("BENCH_STREAMS", 1000) as usize;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(n)
        .build()
        .unwrap();
    let url = format!("{base}/api/v2/agents/demo-agent/chat");
    let before = current_rss_kib();
    let start = Instant::now();
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let (client, url, key, barrier) = (
            client.clone(),
            url.clone(),
            key.to_string(),
            barrier.clone(),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let q = if i % 2 == 0 {
                "How do I reset my password?"
            } else {
                "How do I download an invoice?"
            };
            let r = client
                .post(&url)
                .bearer_auth(&key)
                .json(&serde_json::json!({"message": q}))
                .send()
                .await
                .ok()?;
            let text = r.text().await.ok()?;
            Some(text.ends_with("data: [DONE]\n\n"))
        }));
    }
    let mut complete = 0;
    for t in tasks {
        if t.await.ok().flatten() == Some(true) {
            complete += 1;
        }
    }
    let elapsed = start.elapsed();
    println!("## {n} concurrent chat streams (stream delay 0)");
    println!("complete: {complete}/{n} in {:.2} s", elapsed.as_secs_f64());
    if let (Some(b), Some(p)) = (before, peak_rss_kib()) {
        println!(
            "process RSS before: {:.1} MiB, peak (VmHWM): {:.1} MiB",
            b as f64 / 1024.0,
            p as f64 / 1024.0
        );
    }
    assert_eq!(complete, n, "every stream must finish with [DONE]");
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument (e.g. from `cargo test --benches`)
    // runs a tiny smoke pass instead of the full benchmark.
    let smoke = std::env::args().skip(1).any(|a| a != "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = Emulator::builder()
            .in_memory()
            .api_key("bench-key")
            .rate_limit(None)
            .stream_delay(Duration::ZERO)
            .start()
            .await
            .unwrap();
        if smoke {
            // A quick request proves the harness works without spending minutes.
            let client = reqwest::Client::new();
            let r = client
                .get(format!("{}/api/v2/agents", emu.base_url()))
                .bearer_auth("bench-key")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            return;
        }
        println!(
            "cores available: {}",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        );
        throughput(&emu.base_url(), emu.api_key()).await;
        streams(&emu.base_url(), emu.api_key()).await;
        emu.shutdown().await;
    });
}
