//! Streams an agent's answer to stdout, then prints the conversation id and the credits it cost.
//!
//! ```sh
//! CHATBASE_API_KEY=... cargo run -p chatbase --example stream_chat -- <agent-id> "Hello!"
//! ```

use std::io::Write;

use chatbase::Client;

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
    // The text as it arrives; the stream keeps every other event for the answer.
    while let Some(text) = stream.next_text().await? {
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
    }
    println!();
    let answer = stream.final_response().await?;
    if let Some(id) = &answer.metadata.conversation_id {
        eprintln!("[conversation {id}]");
    }
    if let Some(credits) = answer.metadata.credits {
        eprintln!("[{credits} credits]");
    }
    Ok(())
}
