//! Benchmark harness, not an SDK example: reads one chat stream with bare `reqwest` (no SSE parsing, no decoding,
//! no idle timer) and only counts its chunks and bytes. That is the floor for any client built on `reqwest`/`hyper`,
//! which hands each HTTP chunk from its connection task to the reader one at a time;
//! `crates/chatbase-cli/benches/cli.sh` compares it with `chatbase chat` and `curl -N`.
//!
//! ```sh
//! cargo run --release -p chatbase --example stream_floor -- URL API_KEY '{"message":"hi","stream":true}'
//! ```

use futures::StreamExt;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(key), Some(body)) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: stream_floor URL API_KEY JSON_BODY");
        std::process::exit(2);
    };
    // The same runtime shape as the CLI: one thread, the work in a spawned task.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        tokio::spawn(async move {
            let resp = reqwest::Client::new()
                .post(url)
                .bearer_auth(key)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await?
                .error_for_status()?;
            let (mut chunks, mut bytes) = (0u64, 0u64);
            let mut body = resp.bytes_stream();
            while let Some(chunk) = body.next().await {
                chunks += 1;
                bytes += chunk?.len() as u64;
            }
            eprintln!("{chunks} chunks, {bytes} bytes");
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .await?
        .map_err(|e| e as Box<dyn std::error::Error>)
    })
}
