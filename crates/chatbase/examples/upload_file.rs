//! Uploads a document as a file source, printing progress to stderr.
//!
//! ```sh
//! CHATBASE_API_KEY=... cargo run -p chatbase --example upload_file -- <agent-id> report.pdf
//! ```

use chatbase::{Client, UploadSource};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(agent), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: upload_file <agent-id> <file>");
        std::process::exit(2);
    };
    let client = Client::from_env()?;
    let source = client
        .agent(agent)
        .sources()
        .upload(UploadSource::path(path))
        .progress(|sent, total| eprint!("\r{sent}/{total} bytes"))
        .send()
        .await?;
    eprintln!();
    println!("created source {} ({:?})", source.id, source.status);
    Ok(())
}
