//! Lists every agent, walking all pages lazily.
//!
//! ```sh
//! CHATBASE_API_KEY=... cargo run -p chatbase --example list_agents
//! ```

use chatbase::Client;
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), chatbase::Error> {
    let client = Client::from_env()?;
    let mut agents = client.agents().list().limit(100).items();
    let mut n = 0usize;
    while let Some(agent) = agents.try_next().await? {
        n += 1;
        println!("{}\t{}", agent.id, agent.name);
    }
    eprintln!("{n} agents");
    Ok(())
}
