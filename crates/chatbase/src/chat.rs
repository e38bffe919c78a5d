//! v2 chat: the [`ChatCall`] / [`RetryCall`] builders (streaming and non-streaming) and the bounded
//! client-action loop. Request bodies are the generated wire types; the answer ([`ChatAnswer`]) and event
//! decoding live in [`crate::stream`]; v1 chat lives in [`crate::v1`].

use std::future::Future;

use chatbase_api::v2::types as t2;
use serde::Serialize;
use serde_json::Value;

use crate::client::{Client, Op, RequestOptions, Response};
use crate::error::{Error, Result};
pub use crate::stream::{ChatAnswer, ToolCall};
use crate::stream::{ChatEvent, ChatStream};
use futures::StreamExt;

const CHAT: Op = Op::unsafe_("chatWithAgent");
const RETRY: Op = Op::unsafe_("retryMessage");

/// Builder for `POST /agents/{agentId}/chat`. Obtain with [`crate::agents::Agent::chat`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send()` or `.stream()` is awaited"]
pub struct ChatCall {
    client: Client,
    agent_id: String,
    message: Option<String>,
    conversation_id: Option<String>,
    user_id: Option<String>,
    options: RequestOptions,
}

impl ChatCall {
    pub(crate) fn new(client: Client, agent_id: String, message: Option<String>) -> Self {
        ChatCall {
            client,
            agent_id,
            message,
            conversation_id: None,
            user_id: None,
            options: RequestOptions::default(),
        }
    }

    /// Continue an existing conversation (omit to start a new one).
    pub fn conversation(mut self, conversation_id: impl Into<String>) -> Self {
        self.conversation_id = Some(conversation_id.into());
        self
    }

    /// Attach a user id to a *new* conversation (ignored by the server for existing ones).
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Retries for this call only (credit-spending: only retried when the request did not run).
    pub fn max_retries(mut self, n: usize) -> Self {
        self.options = self.options.max_retries(n);
        self
    }

    /// Per-call options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(m) = &self.message {
            if m.is_empty() {
                return Err(Error::invalid("the chat message must not be empty"));
            }
        } else if self.conversation_id.is_none() {
            return Err(Error::invalid(
                "continuing without a message needs a conversation id",
            ));
        }
        if let Some(u) = &self.user_id
            && (u.is_empty()
                || u.len() > 128
                || !u
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')))
        {
            return Err(Error::invalid(
                "user id must be 1-128 characters of letters, digits, '.', '_' or '-'",
            ));
        }
        Ok(())
    }

    fn url(&self) -> String {
        format!(
            "{}/agents/{}/chat",
            self.client.v2_base_url(),
            crate::path(&self.agent_id)
        )
    }

    /// The generated request body; call after [`validate`](Self::validate), whose messages are clearer than the
    /// generated types' conversion errors.
    fn body(&self, stream: bool) -> Result<t2::ChatRequest> {
        Ok(t2::ChatRequest {
            message: self
                .message
                .as_deref()
                .map(t2::ChatRequestMessage::try_from)
                .transpose()
                .map_err(|e| Error::invalid(format!("invalid chat message: {e}")))?,
            conversation_id: self.conversation_id.clone(),
            user_id: self
                .user_id
                .as_deref()
                .map(t2::ChatRequestUserId::try_from)
                .transpose()
                .map_err(|e| Error::invalid(format!("invalid user id: {e}")))?,
            stream,
        })
    }

    /// Streams the answer as [`ChatEvent`]s. HTTP errors (401, 402, 429…) are returned here,
    /// before any event, and 429 / refused connections are retried.
    pub async fn stream(self) -> Result<ChatStream> {
        self.validate()?;
        post_stream(
            &self.client,
            CHAT,
            &self.options,
            &self.url(),
            &self.body(true)?,
        )
        .await
    }

    /// Sends with `"stream": false` and returns the whole answer.
    pub async fn send(self) -> Result<ChatAnswer> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<ChatAnswer>> {
        self.validate()?;
        post_json(
            &self.client,
            CHAT,
            &self.options,
            &self.url(),
            &self.body(false)?,
        )
        .await
    }

    /// Runs the client-action loop: sends the message; whenever the agent finishes with
    /// `tool-calls`, runs `handler` for each call, submits the results and continues the
    /// conversation, up to `max_rounds` tool rounds. Returns the final answer.
    ///
    /// The handler returns its own error type `E`, which only needs `From<chatbase::Error>` (so the SDK's own
    /// failures fit in it too): `chatbase::Error` itself, `anyhow::Error`, `Box<dyn Error + Send + Sync>` or an
    /// enum of yours. A handler error stops the loop and is returned as is.
    ///
    /// ```no_run
    /// # async fn demo(client: chatbase::Client) -> Result<(), chatbase::Error> {
    /// let answer = client
    ///     .agent("agent-id")
    ///     .chat("Where is order 42?")
    ///     .run_tools(5, |call| async move {
    ///         Ok::<_, chatbase::Error>(serde_json::json!({ "status": "shipped", "tool": call.tool_name }))
    ///     })
    ///     .await?;
    /// println!("{}", answer.text);
    /// # Ok(()) }
    /// ```
    pub async fn run_tools<F, Fut, E>(
        self,
        max_rounds: usize,
        handler: F,
    ) -> std::result::Result<ChatAnswer, E>
    where
        F: FnMut(ToolCall) -> Fut,
        Fut: Future<Output = std::result::Result<Value, E>>,
        E: From<Error>,
    {
        self.tool_loop(max_rounds, handler, None).await
    }

    /// [`run_tools`](Self::run_tools), streamed: every round's answer is streamed and each of its events is passed
    /// to `on_event` as it arrives (to print text as it comes), while the loop runs the tools between rounds.
    /// Returns the final answer.
    ///
    /// ```no_run
    /// # async fn demo(client: chatbase::Client) -> Result<(), chatbase::Error> {
    /// let answer = client
    ///     .agent("agent-id")
    ///     .chat("Where is order 42?")
    ///     .run_tools_streamed(
    ///         5,
    ///         |call| async move { Ok::<_, chatbase::Error>(serde_json::json!({ "status": "shipped" })) },
    ///         |event| {
    ///             if let chatbase::ChatEvent::TextDelta { delta, .. } = event {
    ///                 print!("{delta}");
    ///             }
    ///         },
    ///     )
    ///     .await?;
    /// println!("\n{:?} credits in the last round", answer.metadata.credits);
    /// # Ok(()) }
    /// ```
    pub async fn run_tools_streamed<F, Fut, E, O>(
        self,
        max_rounds: usize,
        handler: F,
        mut on_event: O,
    ) -> std::result::Result<ChatAnswer, E>
    where
        F: FnMut(ToolCall) -> Fut,
        Fut: Future<Output = std::result::Result<Value, E>>,
        E: From<Error>,
        O: FnMut(&ChatEvent),
    {
        self.tool_loop(max_rounds, handler, Some(&mut on_event))
            .await
    }

    /// The one tool loop behind [`run_tools`](Self::run_tools) and [`run_tools_streamed`](Self::run_tools_streamed).
    async fn tool_loop<F, Fut, E>(
        self,
        max_rounds: usize,
        mut handler: F,
        mut on_event: Option<&mut dyn FnMut(&ChatEvent)>,
    ) -> std::result::Result<ChatAnswer, E>
    where
        F: FnMut(ToolCall) -> Fut,
        Fut: Future<Output = std::result::Result<Value, E>>,
        E: From<Error>,
    {
        let mut req = self;
        let mut rounds = 0usize;
        loop {
            let answer = match on_event.as_deref_mut() {
                None => req.clone().send().await?,
                Some(on_event) => {
                    let mut stream = req.clone().stream().await?;
                    while let Some(ev) = stream.next().await {
                        on_event(&ev?);
                    }
                    stream.final_response().await?
                }
            };
            if !answer.wants_tools() {
                return Ok(answer);
            }
            if rounds >= max_rounds {
                return Err(Error::ToolRoundsExceeded { rounds }.into());
            }
            rounds += 1;
            let conversation_id = answer
                .metadata
                .conversation_id
                .clone()
                .or_else(|| req.conversation_id.clone())
                .ok_or_else(|| {
                    Error::invalid("the agent requested tools but sent no conversation id")
                })?;
            for call in answer.tool_calls {
                let id = call.tool_call_id.clone();
                let output = handler(call).await?;
                req.client
                    .agent(req.agent_id.as_str())
                    .conversation(conversation_id.as_str())
                    .submit_tool_result(id, output)
                    .options(req.options.clone())
                    .send()
                    .await?;
            }
            req.message = None;
            req.conversation_id = Some(conversation_id);
        }
    }
}

/// Builder for `POST /agents/{agentId}/conversations/{conversationId}/retry`.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send()` or `.stream()` is awaited"]
pub struct RetryCall {
    client: Client,
    agent_id: String,
    conversation_id: String,
    message_id: String,
    options: RequestOptions,
}

impl RetryCall {
    pub(crate) fn new(
        client: Client,
        agent_id: String,
        conversation_id: String,
        message_id: String,
    ) -> Self {
        RetryCall {
            client,
            agent_id,
            conversation_id,
            message_id,
            options: RequestOptions::default(),
        }
    }

    /// Retries for this call only.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.options = self.options.max_retries(n);
        self
    }

    /// Per-call options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    fn url(&self) -> String {
        format!(
            "{}/agents/{}/conversations/{}/retry",
            self.client.v2_base_url(),
            crate::path(&self.agent_id),
            crate::path(&self.conversation_id)
        )
    }

    fn body(&self, stream: bool) -> Result<t2::RetryRequest> {
        Ok(t2::RetryRequest {
            message_id: t2::RetryRequestMessageId::try_from(self.message_id.as_str())
                .map_err(|e| Error::invalid(format!("invalid message id: {e}")))?,
            stream,
        })
    }

    /// Streams the regenerated answer.
    pub async fn stream(self) -> Result<ChatStream> {
        post_stream(
            &self.client,
            RETRY,
            &self.options,
            &self.url(),
            &self.body(true)?,
        )
        .await
    }

    /// Regenerates with `"stream": false`.
    pub async fn send(self) -> Result<ChatAnswer> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<ChatAnswer>> {
        post_json(
            &self.client,
            RETRY,
            &self.options,
            &self.url(),
            &self.body(false)?,
        )
        .await
    }
}

/// The streamed form of chat and retry: the status is checked (and 429 / refused connections
/// retried) before the stream is handed out.
async fn post_stream<B: Serialize>(
    client: &Client,
    op: Op,
    options: &RequestOptions,
    url: &str,
    body: &B,
) -> Result<ChatStream> {
    let guarded = client
        .run_streaming(op, options, |http| {
            Ok(http
                .post(url)
                .header(reqwest::header::ACCEPT, "text/event-stream")
                .json(body))
        })
        .await?;
    Ok(ChatStream::from_guarded(guarded))
}

/// The whole-answer form of chat and retry (`"stream": false` is in `body`).
async fn post_json<B: Serialize>(
    client: &Client,
    op: Op,
    options: &RequestOptions,
    url: &str,
    body: &B,
) -> Result<Response<ChatAnswer>> {
    let resp = client
        .run_json::<t2::ChatResponseEnvelope, _>(op, options, |http| {
            Ok(http
                .post(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .json(body))
        })
        .await?;
    Ok(resp.map(|envelope| ChatAnswer::from(envelope.data)))
}
