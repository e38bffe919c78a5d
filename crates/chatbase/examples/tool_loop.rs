//! Answers client-action (tool) calls locally until the agent finishes.
//!
//! ```sh
//! CHATBASE_API_KEY=... cargo run -p chatbase --example tool_loop -- <agent-id> "Where is order 42?"
//! ```

use chatbase::Client;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(agent), Some(message)) = (args.next(), args.next()) else {
        eprintln!("usage: tool_loop <agent-id> <message>");
        std::process::exit(2);
    };
    let client = Client::from_env()?;
    let answer = client
        .agent(agent)
        .chat(message)
        .run_tools(5, |call| async move {
            eprintln!("tool {} called with {}", call.tool_name, call.input);
            // The handler's error type is its own: anything a `chatbase::Error` converts into.
            Ok::<_, Box<dyn std::error::Error>>(json!({ "status": "shipped" }))
        })
        .await?;
    println!("{}", answer.text);
    Ok(())
}
