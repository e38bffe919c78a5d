//! Conversation handles of one agent: [`Conversations`] (list, export), one [`Conversation`]
//! (messages, feedback, chat, retry, tool results) and one end [`User`]'s conversations.
//!
//! ```no_run
//! use chatbase::futures::TryStreamExt;
//!
//! # async fn demo(client: chatbase::Client) -> chatbase::Result<()> {
//! let agent = client.agent("agent-id");
//! // The first page of API conversations, then every message of its first conversation.
//! let page = agent.conversations().list().limit(20).first_page().await?;
//! if let Some(c) = page.items().first() {
//!     let messages: Vec<_> = agent.conversation(&c.id).list_messages().items().try_collect().await?;
//!     println!("{} messages", messages.len());
//! }
//! // One end user's conversations, most recent activity first.
//! let theirs = agent.user("user-42").list_conversations().send().await?;
//! println!("{} on the first page", theirs.data.len());
//! # Ok(()) }
//! ```

use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;
use serde_json::Value;

use crate::call::Call;
use crate::chat::{ChatCall, RetryCall};
use crate::client::Client;

/// `/agents/{agentId}/conversations`.
#[derive(Debug, Clone)]
pub struct Conversations<'c> {
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
}

impl<'c> Conversations<'c> {
    /// `listConversations` (paginated; API-created conversations only).
    ///
    /// `.send()` returns one page, [`t2::ListConversationsResponse`](crate::types::v2::ListConversationsResponse); `.items()` streams every [`t2::ConversationMetadata`](crate::types::v2::ConversationMetadata) across pages.
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
    ///
    /// `.send()` returns one page, [`t2::ExportConversationsResponse`](crate::types::v2::ExportConversationsResponse); `.items()` streams every [`t2::ExportConversation`](crate::types::v2::ExportConversation) across pages.
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
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
    pub(super) id: String,
}

impl<'c> Conversation<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `getConversation`: the conversation with its messages.
    ///
    /// `.send()` returns [`t2::GetConversationResponse`](crate::types::v2::GetConversationResponse).
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
    ///
    /// `.send()` returns [`t2::UpdateConversationResponse`](crate::types::v2::UpdateConversationResponse).
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
    ///
    /// `.send()` returns one page, [`t2::ListMessagesResponse`](crate::types::v2::ListMessagesResponse); `.items()` streams every [`t2::ConversationMessage`](crate::types::v2::ConversationMessage) across pages.
    pub fn list_messages(&self) -> Call<'c, b2::ListConversationMessages<'c>> {
        Call::new(
            self.client,
            self.v2()
                .list_conversation_messages()
                .agent_id(self.agent_id.as_str())
                .conversation_id(self.id.as_str()),
        )
    }

    /// `updateMessageFeedback`: records a thumbs up or down on one assistant message.
    ///
    /// `.send()` returns [`t2::UpdateMessageFeedbackResponse`](crate::types::v2::UpdateMessageFeedbackResponse).
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
    ///
    /// `.send()` returns [`t2::SubmitToolResultResponse`](crate::types::v2::SubmitToolResultResponse).
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
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
    pub(super) id: String,
}

impl<'c> User<'c> {
    /// `listUserConversations` (paginated, most recent activity first).
    ///
    /// `.send()` returns one page, [`t2::ListUserConversationsResponse`](crate::types::v2::ListUserConversationsResponse); `.items()` streams every [`t2::ConversationMetadata`](crate::types::v2::ConversationMetadata) across pages.
    pub fn list_conversations(&self) -> Call<'c, b2::ListUserConversations<'c>> {
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
