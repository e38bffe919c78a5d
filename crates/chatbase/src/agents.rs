//! v2 resource handles: [`Agents`], [`Agent`] and everything scoped to one agent
//! (conversations, users, sources and file uploads, tickets, helpdesk, WhatsApp, voice).
//! Handles are cheap borrowed views; each method returns a [`Call`] (or a chat/upload builder)
//! and sends nothing until awaited.
//!
//! ```no_run
//! use chatbase::futures::TryStreamExt;
//! use chatbase::types::v2 as t2;
//!
//! # async fn demo(client: chatbase::Client) -> chatbase::Result<()> {
//! // Every agent, fetched page by page as the stream is read.
//! let agents: Vec<t2::Agent> = client.agents().list().items().try_collect().await?;
//! // A new agent: the body's builder takes plain strings, and `?` turns a bad value into an error.
//! let created = client
//!     .agents()
//!     .create(t2::CreateAgentBody::builder().name("Support").try_into()?)
//!     .send()
//!     .await?;
//! let agent = client.agent(&created.id).get().send().await?;
//! println!("{} agents before; created {}", agents.len(), agent.name);
//! # Ok(()) }
//! ```

use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;

use crate::call::Call;
use crate::chat::ChatCall;
use crate::client::Client;

mod conversations;
mod helpdesk;
mod sources;

pub use conversations::{Conversation, Conversations, User};
pub use helpdesk::{Helpdesk, Ticket, Tickets, WhatsApp};
pub use sources::{FileUpload, Source, Sources};

impl Client {
    /// `GET /health` (no authentication needed).
    ///
    /// `.send()` returns [`t2::HealthResponse`](crate::types::v2::HealthResponse).
    pub fn health(&self) -> Call<'_, b2::GetHealth<'_>> {
        Call::new(self, self.inner.v2.get_health())
    }

    /// The agents collection.
    pub fn agents(&self) -> Agents<'_> {
        Agents { client: self }
    }

    /// One agent by id.
    pub fn agent(&self, agent_id: impl Into<String>) -> Agent<'_> {
        Agent {
            client: self,
            id: agent_id.into(),
        }
    }
}

/// `/agents`.
#[derive(Debug, Clone, Copy)]
pub struct Agents<'c> {
    client: &'c Client,
}

impl<'c> Agents<'c> {
    /// `listAgents` (paginated).
    ///
    /// `.send()` returns one page, [`t2::ListAgentsResponse`](crate::types::v2::ListAgentsResponse); `.items()` streams every [`t2::Agent`](crate::types::v2::Agent) across pages.
    pub fn list(&self) -> Call<'c, b2::ListAgents<'c>> {
        Call::new(self.client, self.client.inner.v2.list_agents())
    }

    /// `createAgent`: creates an agent (trained from `url` when given).
    ///
    /// `.send()` returns [`t2::AgentCreatedResponse`](crate::types::v2::AgentCreatedResponse).
    pub fn create(&self, body: t2::CreateAgentBody) -> Call<'c, b2::CreateAgent<'c>> {
        Call::new(self.client, self.client.inner.v2.create_agent().body(body))
    }
}

/// `/agents/{agentId}`.
#[derive(Debug, Clone)]
pub struct Agent<'c> {
    client: &'c Client,
    id: String,
}

impl<'c> Agent<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// The agent id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `getAgent`: the agent's settings.
    ///
    /// `.send()` returns [`t2::Agent`](crate::types::v2::Agent).
    pub fn get(&self) -> Call<'c, b2::GetAgent<'c>> {
        Call::new(
            self.client,
            self.v2().get_agent().agent_id(self.id.as_str()),
        )
    }

    /// `updateAgent`: changes the agent's name, instructions, model or visibility.
    ///
    /// `.send()` returns [`t2::SuccessResponse`](crate::types::v2::SuccessResponse).
    pub fn update(&self, body: t2::UpdateAgentBody) -> Call<'c, b2::UpdateAgent<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_agent()
                .agent_id(self.id.as_str())
                .body(body),
        )
    }

    /// `deleteAgent`: deletes the agent and everything it owns.
    ///
    /// `.send()` returns [`t2::SuccessResponse`](crate::types::v2::SuccessResponse).
    pub fn delete(&self) -> Call<'c, b2::DeleteAgent<'c>> {
        Call::new(
            self.client,
            self.v2().delete_agent().agent_id(self.id.as_str()),
        )
    }

    /// `updateAgentStyles`: changes the chat widget's look.
    ///
    /// `.send()` returns [`t2::SuccessResponse`](crate::types::v2::SuccessResponse).
    pub fn update_styles(
        &self,
        body: t2::UpdateAgentStylesBody,
    ) -> Call<'c, b2::UpdateAgentStyles<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_agent_styles()
                .agent_id(self.id.as_str())
                .body(body),
        )
    }

    /// `updateAgentAutoRetrain`: turns scheduled retraining of link sources on or off.
    ///
    /// `.send()` returns [`t2::SuccessResponse`](crate::types::v2::SuccessResponse).
    pub fn update_auto_retrain(
        &self,
        body: t2::UpdateAgentAutoRetrainBody,
    ) -> Call<'c, b2::UpdateAgentAutoRetrain<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_agent_auto_retrain()
                .agent_id(self.id.as_str())
                .body(body),
        )
    }

    /// `cloneAgent`: copies the agent with its settings and sources.
    ///
    /// `.send()` returns [`t2::AgentCreatedResponse`](crate::types::v2::AgentCreatedResponse).
    pub fn clone_agent(&self) -> Call<'c, b2::CloneAgent<'c>> {
        Call::new(
            self.client,
            self.v2().clone_agent().agent_id(self.id.as_str()),
        )
    }

    /// `trainAgent` (deprecated by Chatbase: sources train on write).
    ///
    /// `.send()` returns [`t2::DeprecatedEndpointResponse`](crate::types::v2::DeprecatedEndpointResponse).
    pub fn train(&self) -> Call<'c, b2::TrainAgent<'c>> {
        Call::new(
            self.client,
            self.v2().train_agent().agent_id(self.id.as_str()),
        )
    }

    /// `chatWithAgent`: a new message. `.stream()` for events, `.send()` for the whole answer.
    pub fn chat(&self, message: impl Into<String>) -> ChatCall {
        ChatCall::new(self.client.clone(), self.id.clone(), Some(message.into()))
    }

    /// `chatWithAgent` without a message: lets the agent continue after tool results. Set the
    /// conversation with `.conversation(id)`.
    pub fn continue_chat(&self) -> ChatCall {
        ChatCall::new(self.client.clone(), self.id.clone(), None)
    }

    /// `createVoiceSession`: opens a voice session and returns its connection details.
    ///
    /// `.send()` returns [`t2::CreateVoiceSessionResponse`](crate::types::v2::CreateVoiceSessionResponse).
    pub fn create_voice_session(
        &self,
        body: t2::VoiceSessionRequest,
    ) -> Call<'c, b2::CreateVoiceSession<'c>> {
        Call::new(
            self.client,
            self.v2()
                .create_voice_session()
                .agent_id(self.id.as_str())
                .body(body),
        )
    }

    /// Conversations of this agent.
    pub fn conversations(&self) -> Conversations<'c> {
        Conversations {
            client: self.client,
            agent_id: self.id.clone(),
        }
    }

    /// One conversation.
    pub fn conversation(&self, conversation_id: impl Into<String>) -> Conversation<'c> {
        Conversation {
            client: self.client,
            agent_id: self.id.clone(),
            id: conversation_id.into(),
        }
    }

    /// One end user (by the `userId` used when chatting).
    pub fn user(&self, user_id: impl Into<String>) -> User<'c> {
        User {
            client: self.client,
            agent_id: self.id.clone(),
            id: user_id.into(),
        }
    }

    /// Sources of this agent.
    pub fn sources(&self) -> Sources<'c> {
        Sources {
            client: self.client,
            agent_id: self.id.clone(),
        }
    }

    /// One source.
    pub fn source(&self, source_id: impl Into<String>) -> Source<'c> {
        Source {
            client: self.client,
            agent_id: self.id.clone(),
            id: source_id.into(),
        }
    }

    /// Helpdesk tickets.
    pub fn tickets(&self) -> Tickets<'c> {
        Tickets {
            client: self.client,
            agent_id: self.id.clone(),
        }
    }

    /// One ticket by number.
    pub fn ticket(&self, number: u64) -> Ticket<'c> {
        Ticket {
            client: self.client,
            agent_id: self.id.clone(),
            number,
        }
    }

    /// Helpdesk settings (teams, statuses).
    pub fn helpdesk(&self) -> Helpdesk<'c> {
        Helpdesk {
            client: self.client,
            agent_id: self.id.clone(),
        }
    }

    /// WhatsApp templates and messages.
    pub fn whatsapp(&self) -> WhatsApp<'c> {
        WhatsApp {
            client: self.client,
            agent_id: self.id.clone(),
        }
    }
}
