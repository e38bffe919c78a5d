//! Per-run context handed to every command: resolved settings, output, the SDK client (built on first use, so
//! local commands never need a key) and, with `--emulator`, the in-process emulator it talks to.

use crate::cli::GlobalArgs;
use crate::config::{ApiKey, Origin, Resolved, Settings};
use crate::error::{CliError, Result};
use crate::output::Output;
use futures::StreamExt;
use std::time::Duration;

pub struct Ctx {
    pub global: GlobalArgs,
    pub settings: Settings,
    pub out: Output,
    client: std::sync::OnceLock<chatbase::Client>,
    /// With `--emulator`: the agent to use when none is selected.
    pub default_agent: Option<String>,
    /// With `--emulator`: the configured agent after the check that the emulator has it (checked once per run).
    emulator_agent: tokio::sync::OnceCell<String>,
    #[cfg(feature = "emulator")]
    _emulator: Option<crate::local_emulator::Running>,
}

impl Ctx {
    #[cfg_attr(not(feature = "emulator"), allow(unused_mut))]
    pub async fn new(global: GlobalArgs, mut settings: Settings, out: Output) -> Result<Self> {
        let mut default_agent = None;
        #[cfg(feature = "emulator")]
        let emulator = if global.emulator {
            let running = crate::local_emulator::start_in_process().await?;
            settings.api_url = Resolved {
                value: running.base_url.clone(),
                origin: Origin::Emulator,
            };
            settings.api_key = Some(Resolved {
                value: ApiKey::new(running.api_key.clone()),
                origin: Origin::Emulator,
            });
            default_agent = running.demo_agent_id.clone();
            Some(running)
        } else {
            None
        };
        #[cfg(not(feature = "emulator"))]
        if global.emulator {
            return Err(CliError::compiled_out(
                "the emulator behind `--emulator`",
                "emulator",
            ));
        }
        Ok(Ctx {
            global,
            settings,
            out,
            client: std::sync::OnceLock::new(),
            default_agent,
            emulator_agent: tokio::sync::OnceCell::new(),
            #[cfg(feature = "emulator")]
            _emulator: emulator,
        })
    }

    /// The SDK client; fails with exit code 3 when no key is configured.
    pub fn client(&self) -> Result<&chatbase::Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let key = self
            .settings
            .api_key
            .as_ref()
            .ok_or_else(|| self.settings.missing_key_error())?;
        let client = self.builder(&key.value, [None; 3]).build()?;
        Ok(self.client.get_or_init(|| client))
    }

    /// The client for a streamed answer: [`client`](Self::client), or one with the command's stream flags over the
    /// settings when any was given.
    pub fn stream_client(&self, flags: &crate::args::StreamArgs) -> Result<chatbase::Client> {
        let flags = flags.values();
        if flags.iter().all(Option::is_none) {
            return self.client().cloned();
        }
        let key = self
            .settings
            .api_key
            .as_ref()
            .ok_or_else(|| self.settings.missing_key_error())?;
        Ok(self.builder(&key.value, flags).build()?)
    }

    fn builder(&self, key: &ApiKey, stream_flags: [Option<u64>; 3]) -> chatbase::ClientBuilder {
        let secs = |i: usize| {
            Duration::from_secs(stream_flags[i].unwrap_or(self.settings.stream[i].value))
        };
        client_builder(
            key,
            &self.settings.api_url,
            Duration::from_secs(self.settings.timeout.value),
        )
        .stream_idle_timeout(secs(0))
        .stream_event_timeout(secs(1))
        .stream_deadline(secs(2))
    }

    /// The agent for agent-scoped commands: `--agent-name` (resolved by listing), `--agent`/env/profile, the
    /// emulator's demo agent, else a usage error saying how to pick one.
    pub async fn agent_id(&self) -> Result<String> {
        if let Some(name) = &self.global.agent_name {
            return self.agent_named(name).await;
        }
        if let Some(a) = &self.settings.agent {
            // In emulator mode a configured agent (env or profile, not `-a`) the emulator lacks falls back to
            // its demo agent, with a note; an explicit `-a` still wins and fails if unknown.
            if let (Some(demo), true) = (&self.default_agent, self.global.emulator)
                && a.origin != Origin::Flag("--agent")
                && a.value != *demo
            {
                let chosen = self
                    .emulator_agent
                    .get_or_init(|| async {
                        if !self.emulator_lacks(&a.value).await {
                            return a.value.clone();
                        }
                        self.out.note(format!(
                            "note: the emulator has no agent {:?} (from {}); using its demo agent {demo}",
                            a.value, a.origin
                        ));
                        demo.clone()
                    })
                    .await;
                return Ok(chosen.clone());
            }
            return Ok(a.value.clone());
        }
        if let Some(a) = &self.default_agent {
            return Ok(a.clone());
        }
        Err(CliError::usage("no agent selected")
            .with_hint("pass --agent ID or --agent-name NAME, set CHATBASE_AGENT_ID, or run `chatbase config set agent ID`"))
    }

    /// Finds the one agent whose name is exactly `name` by walking every page (100 per request).
    async fn agent_named(&self, name: &str) -> Result<String> {
        let client = self.client()?;
        let mut matches = Vec::new();
        let mut items = client.agents().list().limit(100).items();
        while let Some(agent) = items.next().await {
            let agent = serde_json::to_value(agent?)
                .map_err(|e| CliError::runtime(format!("cannot encode the response: {e}")))?;
            if agent.get("name").and_then(|n| n.as_str()) == Some(name)
                && let Some(id) = agent.get("id").and_then(|i| i.as_str())
            {
                matches.push(id.to_owned());
            }
        }
        match matches.len() {
            1 => {
                let id = matches.remove(0);
                self.out
                    .note(format!("→ {}", crate::sanitize::sanitize_cell(&id)));
                Ok(id)
            }
            0 => Err(CliError::usage(format!("no agent is named {name:?}"))
                .with_hint("names are matched exactly; `chatbase agents list` shows them")),
            n => Err(CliError::usage(format!(
                "{n} agents are named {name:?}: {}",
                matches.join(", ")
            ))
            .with_hint("pick one with --agent ID")),
        }
    }

    /// Whether the emulator answers 404 for this agent (any other outcome keeps the configured agent).
    async fn emulator_lacks(&self, agent_id: &str) -> bool {
        let Ok(client) = self.client() else {
            return false;
        };
        match client.agent(agent_id).get().send().await {
            Ok(_) => false,
            Err(e) => e.status().is_some_and(|s| s.as_u16() == 404),
        }
    }

    /// An explicit positional ID, else the selected agent.
    pub async fn agent_or(&self, positional: Option<&str>) -> Result<String> {
        match positional {
            Some(id) => Ok(id.to_owned()),
            None => self.agent_id().await,
        }
    }
}

/// Builds the SDK client for an API host root. The SDK sends uploads to the same host when it is not the public
/// API, so a local URL never sends a key to the public files host.
pub fn build_client(
    key: &ApiKey,
    api_url: &Resolved<String>,
    timeout: Duration,
) -> Result<chatbase::Client> {
    client_builder(key, api_url, timeout)
        .build()
        .map_err(CliError::from)
}

/// The SDK builder behind [`build_client`]: `timeout` bounds each non-streaming call and each read of its body.
fn client_builder(
    key: &ApiKey,
    api_url: &Resolved<String>,
    timeout: Duration,
) -> chatbase::ClientBuilder {
    let root = api_url.value.trim_end_matches('/');
    let root = root.strip_suffix("/api/v2").unwrap_or(root);
    let mut builder = chatbase::Client::builder()
        .api_key(key.expose())
        .api_url(root)
        .user_agent(format!(
            "chatbase-cli/{} ({}-{})",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        ))
        .timeout(timeout)
        .read_timeout(timeout);
    // Without CHATBASE_FILES_URL the SDK derives the files host from the API host.
    if let Some(files) = std::env::var("CHATBASE_FILES_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        builder = builder.files_url(files);
    }
    builder
}
