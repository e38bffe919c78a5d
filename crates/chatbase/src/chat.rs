//! v2 chat: the [`ChatRequest`] / [`RetryRequest`] builders (streaming and non-streaming),
//! the accumulated [`ChatResponse`], tool results and the bounded client-action loop.
//! Event decoding lives in [`crate::stream`]; v1 chat lives in [`crate::v1`].

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, Op, RequestOptions, Response};
use crate::error::{Error, Result};
use crate::stream::{ChatEvent, ChatStream, FinishReason, MessageMetadata};

/// A client action the agent asked the caller to run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolCall {
    /// Id to quote in [`crate::agents::Conversation::submit_tool_result`].
    pub tool_call_id: String,
    /// Name of the custom action.
    pub tool_name: String,
    /// Input arguments.
    pub input: Value,
}

/// A complete assistant answer, from a non-streaming call or accumulated from a stream.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ChatResponse {
    /// Assistant message id.
    pub message_id: Option<String>,
    /// Full answer text (all text parts concatenated).
    pub text: String,
    /// Client actions to run when `finish_reason` is [`FinishReason::ToolCalls`].
    pub tool_calls: Vec<ToolCall>,
    /// Why generation stopped.
    pub finish_reason: Option<FinishReason>,
    /// Conversation id (use it to continue the conversation).
    pub conversation_id: Option<String>,
    /// Id of the user message.
    pub user_message_id: Option<String>,
    /// The conversation's user id.
    pub user_id: Option<String>,
    /// Credits used.
    pub credits: Option<f64>,
}

impl ChatResponse {
    pub(crate) fn absorb(&mut self, ev: ChatEvent) {
        match ev {
            ChatEvent::MessageStart {
                message_id,
                metadata,
            } => {
                if self.message_id.is_none() {
                    self.message_id = message_id;
                }
                if let Some(m) = metadata {
                    self.absorb_meta(&m);
                }
            }
            ChatEvent::TextDelta { delta, .. } => self.text.push_str(&delta),
            ChatEvent::ToolInputAvailable {
                tool_call_id,
                tool_name,
                input,
            } => self.tool_calls.push(ToolCall {
                tool_call_id,
                tool_name,
                input,
            }),
            ChatEvent::MessageMetadata(m) => self.absorb_meta(&m),
            ChatEvent::Finish {
                finish_reason,
                metadata,
            } => {
                if let Some(m) = metadata {
                    self.absorb_meta(&m);
                }
                if finish_reason.is_some() {
                    self.finish_reason = finish_reason;
                }
            }
            _ => {}
        }
    }

    fn absorb_meta(&mut self, m: &MessageMetadata) {
        fn set<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
            if src.is_some() {
                dst.clone_from(src);
            }
        }
        set(&mut self.message_id, &m.message_id);
        set(&mut self.user_message_id, &m.user_message_id);
        set(&mut self.conversation_id, &m.conversation_id);
        set(&mut self.user_id, &m.user_id);
        set(&mut self.finish_reason, &m.finish_reason);
        set(&mut self.credits, &m.credits);
    }
}

/// Wire shape of a non-streamed chat/retry answer: `{data:{id, role, parts, metadata}}`.
#[derive(Deserialize)]
struct ChatEnvelope {
    data: ChatMessageWire,
}

#[derive(Deserialize)]
struct ChatMessageWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    parts: Vec<Value>,
    #[serde(default)]
    metadata: Option<Value>,
}

impl From<ChatEnvelope> for ChatResponse {
    fn from(env: ChatEnvelope) -> Self {
        let msg = env.data;
        let mut out = ChatResponse {
            message_id: msg.id,
            ..Default::default()
        };
        for part in msg.parts {
            let s = |k: &str| {
                part.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            match part.get("type").and_then(Value::as_str) {
                Some("text") => out.text.push_str(&s("text")),
                Some("tool-call") => out.tool_calls.push(ToolCall {
                    tool_call_id: s("toolCallId"),
                    tool_name: s("toolName"),
                    input: part.get("input").cloned().unwrap_or(Value::Null),
                }),
                _ => {}
            }
        }
        if let Some(meta) = msg.metadata {
            let m = crate::stream::metadata_from_value(&meta);
            out.absorb_meta(&m);
        }
        out
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChatBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
    stream: bool,
}

const CHAT: Op = Op::of(chatbase_api::operations::OperationId::V2ChatWithAgent);
const RETRY: Op = Op::of(chatbase_api::operations::OperationId::V2RetryMessage);

/// Builder for `POST /agents/{agentId}/chat`. Obtain with [`crate::agents::Agent::chat`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until `.send()` or `.stream()` is awaited"]
pub struct ChatRequest {
    client: Client,
    agent_id: String,
    message: Option<String>,
    conversation_id: Option<String>,
    user_id: Option<String>,
    options: RequestOptions,
}

impl ChatRequest {
    pub(crate) fn new(client: Client, agent_id: String, message: Option<String>) -> Self {
        ChatRequest {
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

    fn body(&self, stream: bool) -> ChatBody<'_> {
        ChatBody {
            message: self.message.as_deref(),
            conversation_id: self.conversation_id.as_deref(),
            user_id: self.user_id.as_deref(),
            stream,
        }
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
            &self.body(true),
        )
        .await
    }

    /// Sends with `"stream": false` and returns the whole answer.
    pub async fn send(self) -> Result<ChatResponse> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<ChatResponse>> {
        self.validate()?;
        post_json(
            &self.client,
            CHAT,
            &self.options,
            &self.url(),
            &self.body(false),
        )
        .await
    }

    /// Runs the client-action loop: sends the message; whenever the agent finishes with
    /// `tool-calls`, runs `handler` for each call, submits the results and continues the
    /// conversation, up to `max_rounds` tool rounds. Returns the final answer.
    ///
    /// ```no_run
    /// # async fn demo(client: chatbase::Client) -> Result<(), chatbase::Error> {
    /// let answer = client
    ///     .agent("agent-id")
    ///     .chat("Where is order 42?")
    ///     .run_tools(5, |call| async move {
    ///         Ok(serde_json::json!({ "status": "shipped", "tool": call.tool_name }))
    ///     })
    ///     .await?;
    /// println!("{}", answer.text);
    /// # Ok(()) }
    /// ```
    pub async fn run_tools<F, Fut>(self, max_rounds: usize, mut handler: F) -> Result<ChatResponse>
    where
        F: FnMut(ToolCall) -> Fut,
        Fut: Future<Output = Result<Value>>,
    {
        let mut req = self;
        let mut rounds = 0usize;
        loop {
            let answer = req.clone().send().await?;
            let wants_tools = answer.finish_reason == Some(FinishReason::ToolCalls)
                && !answer.tool_calls.is_empty();
            if !wants_tools {
                return Ok(answer);
            }
            if rounds >= max_rounds {
                return Err(Error::ToolRoundsExceeded { rounds });
            }
            rounds += 1;
            let conversation_id = answer
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
pub struct RetryRequest {
    client: Client,
    agent_id: String,
    conversation_id: String,
    message_id: String,
    options: RequestOptions,
}

impl RetryRequest {
    pub(crate) fn new(
        client: Client,
        agent_id: String,
        conversation_id: String,
        message_id: String,
    ) -> Self {
        RetryRequest {
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

    fn body(&self, stream: bool) -> Value {
        serde_json::json!({ "messageId": self.message_id, "stream": stream })
    }

    /// Streams the regenerated answer.
    pub async fn stream(self) -> Result<ChatStream> {
        post_stream(
            &self.client,
            RETRY,
            &self.options,
            &self.url(),
            &self.body(true),
        )
        .await
    }

    /// Regenerates with `"stream": false`.
    pub async fn send(self) -> Result<ChatResponse> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<ChatResponse>> {
        post_json(
            &self.client,
            RETRY,
            &self.options,
            &self.url(),
            &self.body(false),
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
) -> Result<Response<ChatResponse>> {
    let resp = client
        .run_json::<ChatEnvelope, _>(op, options, |http| {
            Ok(http
                .post(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .json(body))
        })
        .await?;
    Ok(resp.map(ChatResponse::from))
}
