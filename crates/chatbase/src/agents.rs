//! v2 resource handles: [`Agents`], [`Agent`] and everything scoped to one agent
//! (conversations, users, sources and file uploads, tickets, helpdesk, WhatsApp, voice).
//! Handles are cheap borrowed views; each method returns a [`Call`] (or a chat/upload builder)
//! and sends nothing until awaited.

use std::sync::Arc;

use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;
use serde_json::Value;

use crate::call::Call;
use crate::chat::{ChatCall, RetryCall};
use crate::client::{Client, Op, RequestOptions, Response};
use crate::error::Result;
use crate::upload::{Kind, Progress, UploadSource, part};

impl Client {
    /// `GET /health` (no authentication needed).
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
    pub fn list(&self) -> Call<'c, b2::ListAgents<'c>> {
        Call::new(self.client, self.client.inner.v2.list_agents())
    }

    /// `createAgent`.
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

    /// `getAgent`.
    pub fn get(&self) -> Call<'c, b2::GetAgent<'c>> {
        Call::new(
            self.client,
            self.v2().get_agent().agent_id(self.id.as_str()),
        )
    }

    /// `updateAgent`.
    pub fn update(&self, body: t2::UpdateAgentBody) -> Call<'c, b2::UpdateAgent<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_agent()
                .agent_id(self.id.as_str())
                .body(body),
        )
    }

    /// `deleteAgent`.
    pub fn delete(&self) -> Call<'c, b2::DeleteAgent<'c>> {
        Call::new(
            self.client,
            self.v2().delete_agent().agent_id(self.id.as_str()),
        )
    }

    /// `updateAgentStyles`.
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

    /// `updateAgentAutoRetrain`.
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

    /// `cloneAgent`.
    pub fn clone_agent(&self) -> Call<'c, b2::CloneAgent<'c>> {
        Call::new(
            self.client,
            self.v2().clone_agent().agent_id(self.id.as_str()),
        )
    }

    /// `trainAgent` (deprecated by Chatbase: sources train on write).
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

    /// `createVoiceSession`.
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

/// `/agents/{agentId}/conversations`.
#[derive(Debug, Clone)]
pub struct Conversations<'c> {
    client: &'c Client,
    agent_id: String,
}

impl<'c> Conversations<'c> {
    /// `listConversations` (paginated; API-created conversations only).
    pub fn list(&self) -> Call<'c, b2::ListConversations<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_conversations()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `exportConversations` (paginated, limit ≤ 20, all sources, newest first).
    pub fn export(&self) -> Call<'c, b2::ExportConversations<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .export_conversations()
                .agent_id(self.agent_id.as_str()),
        )
    }
}

/// `/agents/{agentId}/conversations/{conversationId}`.
#[derive(Debug, Clone)]
pub struct Conversation<'c> {
    client: &'c Client,
    agent_id: String,
    id: String,
}

impl<'c> Conversation<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `getConversation`.
    pub fn get(&self) -> Call<'c, b2::GetConversation<'c>> {
        Call::new(
            self.client,
            self.v2()
                .get_conversation()
                .agent_id(self.agent_id.as_str())
                .conversation_id(self.id.as_str()),
        )
    }

    /// `updateConversation` (pause / resume).
    pub fn update(
        &self,
        body: t2::UpdateConversationRequest,
    ) -> Call<'c, b2::UpdateConversation<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_conversation()
                .agent_id(self.agent_id.as_str())
                .conversation_id(self.id.as_str())
                .body(body),
        )
    }

    /// `listConversationMessages` (paginated backward: first page = newest messages).
    pub fn messages(&self) -> Call<'c, b2::ListConversationMessages<'c>> {
        Call::new(
            self.client,
            self.v2()
                .list_conversation_messages()
                .agent_id(self.agent_id.as_str())
                .conversation_id(self.id.as_str()),
        )
    }

    /// `updateMessageFeedback`.
    pub fn message_feedback(
        &self,
        message_id: impl Into<String>,
        body: t2::UpdateMessageFeedbackRequest,
    ) -> Call<'c, b2::UpdateMessageFeedback<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_message_feedback()
                .agent_id(self.agent_id.as_str())
                .conversation_id(self.id.as_str())
                .message_id(message_id.into())
                .body(body),
        )
    }

    /// `chatWithAgent` in this conversation.
    pub fn chat(&self, message: impl Into<String>) -> ChatCall {
        ChatCall::new(
            self.client.clone(),
            self.agent_id.clone(),
            Some(message.into()),
        )
        .conversation(self.id.clone())
    }

    /// `retryMessage`: regenerate the answer at `message_id`.
    pub fn retry(&self, message_id: impl Into<String>) -> RetryCall {
        RetryCall::new(
            self.client.clone(),
            self.agent_id.clone(),
            self.id.clone(),
            message_id.into(),
        )
    }

    /// `submitToolResult`: the output of a client action the agent requested.
    pub fn submit_tool_result(
        &self,
        tool_call_id: impl Into<String>,
        output: Value,
    ) -> Call<'c, b2::SubmitToolResult<'c>> {
        let body = t2::builder::SubmitToolResultRequest::default()
            .tool_call_id(tool_call_id.into())
            .output(Some(output));
        Call::new(
            self.client,
            self.v2()
                .submit_tool_result()
                .agent_id(self.agent_id.as_str())
                .conversation_id(self.id.as_str())
                .body(body),
        )
    }
}

/// `/agents/{agentId}/users/{userId}`.
#[derive(Debug, Clone)]
pub struct User<'c> {
    client: &'c Client,
    agent_id: String,
    id: String,
}

impl<'c> User<'c> {
    /// `listUserConversations` (paginated, most recent activity first).
    pub fn conversations(&self) -> Call<'c, b2::ListUserConversations<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_user_conversations()
                .agent_id(self.agent_id.as_str())
                .user_id(self.id.as_str()),
        )
    }
}

/// `/agents/{agentId}/sources`.
#[derive(Debug, Clone)]
pub struct Sources<'c> {
    client: &'c Client,
    agent_id: String,
}

impl<'c> Sources<'c> {
    /// `listSources` (paginated).
    pub fn list(&self) -> Call<'c, b2::ListSources<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_sources()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `createSource` (text, Q&A or link sources, JSON).
    pub fn create(&self, body: t2::CreateSourceBody) -> Call<'c, b2::CreateSource<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .create_source()
                .agent_id(self.agent_id.as_str())
                .body(body),
        )
    }

    /// `getSourcesSummary`.
    pub fn summary(&self) -> Call<'c, b2::GetSourcesSummary<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .get_sources_summary()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `createFileSource`: uploads a PDF/DOC/DOCX/TXT file (≤ 20 MB) to the files host.
    pub fn upload(&self, source: UploadSource) -> FileUpload {
        FileUpload {
            client: self.client.clone(),
            agent_id: self.agent_id.clone(),
            source_id: None,
            name: None,
            file: Some(source),
            progress: None,
            options: RequestOptions::default(),
        }
    }
}

/// `/agents/{agentId}/sources/{sourceId}`.
#[derive(Debug, Clone)]
pub struct Source<'c> {
    client: &'c Client,
    agent_id: String,
    id: String,
}

impl<'c> Source<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `getSource`.
    pub fn get(&self) -> Call<'c, b2::GetSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .get_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str()),
        )
    }

    /// `updateSource` (JSON sources).
    pub fn update(&self, body: t2::UpdateSourceBody) -> Call<'c, b2::UpdateSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str())
                .body(body),
        )
    }

    /// `deleteSource`.
    pub fn delete(&self) -> Call<'c, b2::DeleteSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .delete_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str()),
        )
    }

    /// `restoreSource` (deprecated no-op upstream).
    pub fn restore(&self) -> Call<'c, b2::RestoreSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .restore_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str()),
        )
    }

    /// `updateFileSource`: replace the file and/or rename (set at least one).
    pub fn update_file(&self) -> FileUpload {
        FileUpload {
            client: self.client.clone(),
            agent_id: self.agent_id.clone(),
            source_id: Some(self.id.clone()),
            name: None,
            file: None,
            progress: None,
            options: RequestOptions::default(),
        }
    }
}

/// Multipart upload to the files host (`createFileSource` / `updateFileSource`).
#[derive(Clone)]
#[must_use = "an upload does nothing until `.send()` is awaited"]
pub struct FileUpload {
    client: Client,
    agent_id: String,
    source_id: Option<String>,
    name: Option<String>,
    file: Option<UploadSource>,
    progress: Option<Progress>,
    options: RequestOptions,
}

impl std::fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileUpload")
            .field("agent_id", &self.agent_id)
            .field("source_id", &self.source_id)
            .field("name", &self.name)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl FileUpload {
    /// Source name (default for new uploads: the file name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The file to send (replaces the file on updates).
    pub fn file(mut self, source: UploadSource) -> Self {
        self.file = Some(source);
        self
    }

    /// Progress callback `(sent, total)`.
    pub fn progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Retries for this call only.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.options = self.options.max_retries(n);
        self
    }

    /// Per-call options (the deadline covers the whole upload).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Uploads and returns the created/updated source.
    pub async fn send(self) -> Result<t2::SourceListItem> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<t2::SourceListItem>> {
        Ok(self
            .send_raw_with_response()
            .await?
            .map(crate::Raw::into_value))
    }

    /// Like [`send`](Self::send), returning the answer exactly as the server sent it.
    pub async fn send_raw(self) -> Result<crate::Raw<t2::SourceListItem>> {
        Ok(self.send_raw_with_response().await?.into_inner())
    }

    /// [`send_raw`](Self::send_raw), keeping status, headers and request id.
    pub async fn send_raw_with_response(self) -> Result<Response<crate::Raw<t2::SourceListItem>>> {
        if self.name.is_none() && self.file.is_none() {
            return Err(crate::Error::invalid(
                "a file source update needs a new name, a new file, or both",
            ));
        }
        if let Some(file) = &self.file {
            // Fail fast, before any connection is opened.
            crate::upload::check(Kind::Document, file)?;
        }
        let name = match (&self.name, &self.file, &self.source_id) {
            (Some(n), _, _) => Some(n.clone()),
            (None, Some(f), None) => Some(f.filename()),
            _ => None,
        };
        let base = format!(
            "{}/api/v2/agents/{}/sources",
            self.client.files_base_url(),
            crate::path(&self.agent_id)
        );
        let (url, op) = match &self.source_id {
            None => (base, Op::unsafe_("createFileSource")),
            Some(id) => (
                format!("{base}/{}", crate::path(id)),
                Op::safe("updateFileSource"),
            ),
        };
        let is_update = self.source_id.is_some();
        let file = self.file.clone();
        let progress = self.progress.clone();
        self.client
            .run_json_raw::<t2::SourceListItem, _>(op, &self.options, |http| {
                let mut form = reqwest::multipart::Form::new();
                if let Some(n) = &name {
                    form = form.text("name", n.clone());
                }
                if let Some(f) = &file {
                    form = form.part("file", part(Kind::Document, f, progress.as_ref())?);
                }
                let rb = if is_update {
                    http.put(&url)
                } else {
                    http.post(&url)
                };
                Ok(rb.multipart(form))
            })
            .await
    }
}

/// `/agents/{agentId}/helpdesk/tickets`.
#[derive(Debug, Clone)]
pub struct Tickets<'c> {
    client: &'c Client,
    agent_id: String,
}

impl<'c> Tickets<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `listTickets` (paginated; a cursor is only valid for the sort it was issued with).
    pub fn list(&self) -> Call<'c, b2::ListTickets<'c>> {
        Call::new(
            self.client,
            self.v2().list_tickets().agent_id(self.agent_id.as_str()),
        )
    }

    /// `createTicket`.
    pub fn create(&self, body: t2::CreateTicketBody) -> Call<'c, b2::CreateTicket<'c>> {
        Call::new(
            self.client,
            self.v2()
                .create_ticket()
                .agent_id(self.agent_id.as_str())
                .body(body),
        )
    }

    /// `searchTickets` (capped, not paginated).
    pub fn search(&self, body: t2::SearchTicketsBody) -> Call<'c, b2::SearchTickets<'c>> {
        Call::new(
            self.client,
            self.v2()
                .search_tickets()
                .agent_id(self.agent_id.as_str())
                .body(body),
        )
    }
}

/// `/agents/{agentId}/helpdesk/tickets/{ticketNumber}`.
#[derive(Debug, Clone)]
pub struct Ticket<'c> {
    client: &'c Client,
    agent_id: String,
    number: u64,
}

impl<'c> Ticket<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `getTicket`.
    pub fn get(&self) -> Call<'c, b2::GetTicket<'c>> {
        Call::new(
            self.client,
            self.v2()
                .get_ticket()
                .agent_id(self.agent_id.as_str())
                .ticket_number(self.number),
        )
    }

    /// `updateTicket`.
    pub fn update(&self, body: t2::UpdateTicketBody) -> Call<'c, b2::UpdateTicket<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_ticket()
                .agent_id(self.agent_id.as_str())
                .ticket_number(self.number)
                .body(body),
        )
    }

    /// `listTicketMessages` (paginated).
    pub fn messages(&self) -> Call<'c, b2::ListTicketMessages<'c>> {
        Call::new(
            self.client,
            self.v2()
                .list_ticket_messages()
                .agent_id(self.agent_id.as_str())
                .ticket_number(self.number),
        )
    }

    /// `createTicketMessage` (reply or note).
    pub fn create_message(
        &self,
        body: t2::CreateTicketMessageBody,
    ) -> Call<'c, b2::CreateTicketMessage<'c>> {
        Call::new(
            self.client,
            self.v2()
                .create_ticket_message()
                .agent_id(self.agent_id.as_str())
                .ticket_number(self.number)
                .body(body),
        )
    }
}

/// `/agents/{agentId}/helpdesk`.
#[derive(Debug, Clone)]
pub struct Helpdesk<'c> {
    client: &'c Client,
    agent_id: String,
}

impl<'c> Helpdesk<'c> {
    /// `listHelpdeskTeams`.
    pub fn teams(&self) -> Call<'c, b2::ListHelpdeskTeams<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_helpdesk_teams()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `listTicketStatuses`.
    pub fn ticket_statuses(&self) -> Call<'c, b2::ListTicketStatuses<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_ticket_statuses()
                .agent_id(self.agent_id.as_str()),
        )
    }
}

/// `/agents/{agentId}/whatsapp`.
#[derive(Debug, Clone)]
pub struct WhatsApp<'c> {
    client: &'c Client,
    agent_id: String,
}

impl<'c> WhatsApp<'c> {
    /// `listWhatsAppTemplates`.
    pub fn templates(&self) -> Call<'c, b2::ListWhatsAppTemplates<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_whats_app_templates()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `sendWhatsAppTemplateMessage`.
    pub fn send_template(
        &self,
        body: t2::SendWhatsAppTemplateBody,
    ) -> Call<'c, b2::SendWhatsAppTemplateMessage<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .send_whats_app_template_message()
                .agent_id(self.agent_id.as_str())
                .body(body),
        )
    }
}
