//! Streams an agent's answer to stdout.
//!
//! ```sh
//! CHATBASE_API_KEY=... cargo run -p chatbase --example stream_chat -- <agent-id> "Hello!"
//! ```

use std::io::Write;

use chatbase::{ChatEvent, Client};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(agent), Some(message)) = (args.next(), args.next()) else {
        eprintln!("usage: stream_chat <agent-id> <message>");
        std::process::exit(2);
    };
    let client = Client::from_env()?;
    let mut stream = client.agent(agent).chat(message).stream().await?;
    let mut stdout = std::io::stdout();
    while let Some(event) = stream.next().await {
        match event? {
            ChatEvent::TextDelta { delta, .. } => {
                stdout.write_all(delta.as_bytes())?;
                stdout.flush()?;
            }
            ChatEvent::MessageMetadata(meta) => {
                if let Some(id) = meta.conversation_id {
                    eprintln!("\n[conversation {id}]");
                }
            }
            _ => {}
        }
    }
    println!();
    Ok(())
}
