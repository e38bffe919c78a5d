//! The operation table: which generated builder implements which `operationId`, whether it is
//! safe to replay, its typed setters, and how list responses split into pages. Everything here
//! is declarative; the behaviour lives in [`crate::call`].

use std::future::Future;
use std::num::NonZeroU64;

use chatbase_api::operations::{Operation as ApiOperation, OperationId, RetryClass};
use chatbase_api::v1::builder as b1;
use chatbase_api::v1::types as t1;
use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;
use progenitor_client::ResponseValue;

use crate::call::{Call, Operation, Paginated, sealed};
use crate::error::{Error, Result};
use crate::pagination::{Page, PageCursor};
use crate::retry::Idempotency;

macro_rules! operations {
    ($($api:ident :: $builder:ident => $id:literal, $idem:ident, $out:ty;)*) => {$(
        impl sealed::Sealed for $api::$builder<'_> {}
        impl Operation for $api::$builder<'_> {
            type Output = $out;
            fn operation_id() -> &'static str {
                $id
            }
            fn idempotency() -> Idempotency {
                Idempotency::$idem
            }
            fn execute(self) -> impl Future<Output = Result<ResponseValue<$out>>> + Send {
                async move {
                    match self.send().await {
                        Ok(v) => Ok(v),
                        // Error responses are untyped in the bindings, so a payload that does
                        // not decode is a success body: decode it again to name the JSON path.
                        Err(progenitor_client::Error::InvalidResponsePayload(bytes, err)) => {
                            Err(match crate::error::decode_json::<$out>(&bytes) {
                                Err(with_path) => with_path,
                                Ok(_) => Error::from_progenitor(
                                    progenitor_client::Error::<()>::InvalidResponsePayload(bytes, err),
                                )
                                .await,
                            })
                        }
                        Err(e) => Err(Error::from_progenitor(e).await),
                    }
                }
            }
            fn execute_raw(self) -> impl Future<Output = Result<ResponseValue<bytes::Bytes>>> + Send {
                async move {
                    match self.send_raw().await {
                        Ok(v) => Ok(v),
                        Err(e) => Err(Error::from_progenitor(e).await),
                    }
                }
            }
        }
        // The generated registry names the same output type.
        const _: fn(<$api::$builder<'static> as ApiOperation>::Output) -> $out = |x| x;
    )*
        /// The table above as data, to compare with the generated registry.
        #[cfg(test)]
        fn hand_table() -> Vec<(&'static str, Idempotency, OperationId)> {
            vec![$(($id, Idempotency::$idem, <$api::$builder<'static> as ApiOperation>::ID)),*]
        }
    };
}

/// The retry class the generated registry gives an operation, as the SDK's [`Idempotency`].
pub(crate) const fn idempotency(id: OperationId) -> Idempotency {
    match id.info().retry {
        RetryClass::Idempotent => Idempotency::Idempotent,
        RetryClass::Conservative => Idempotency::NonIdempotent,
    }
}

operations! {
    b2::GetHealth => "getHealth", Idempotent, t2::HealthResponse;
    b2::ListAgents => "listAgents", Idempotent, t2::ListAgentsResponse;
    b2::CreateAgent => "createAgent", NonIdempotent, t2::AgentCreatedResponse;
    b2::GetAgent => "getAgent", Idempotent, t2::Agent;
    b2::UpdateAgent => "updateAgent", Idempotent, t2::SuccessResponse;
    b2::DeleteAgent => "deleteAgent", Idempotent, t2::SuccessResponse;
    b2::UpdateAgentStyles => "updateAgentStyles", Idempotent, t2::SuccessResponse;
    b2::UpdateAgentAutoRetrain => "updateAgentAutoRetrain", Idempotent, t2::SuccessResponse;
    b2::CloneAgent => "cloneAgent", NonIdempotent, t2::AgentCreatedResponse;
    b2::TrainAgent => "trainAgent", NonIdempotent, t2::DeprecatedEndpointResponse;
    b2::CreateVoiceSession => "createVoiceSession", NonIdempotent, t2::CreateVoiceSessionResponse;
    b2::ListConversations => "listConversations", Idempotent, t2::ListConversationsResponse;
    b2::ExportConversations => "exportConversations", Idempotent, t2::ExportConversationsResponse;
    b2::GetConversation => "getConversation", Idempotent, t2::GetConversationResponse;
    b2::UpdateConversation => "updateConversation", Idempotent, t2::UpdateConversationResponse;
    b2::ListConversationMessages => "listConversationMessages", Idempotent, t2::ListMessagesResponse;
    b2::ListUserConversations => "listUserConversations", Idempotent, t2::ListUserConversationsResponse;
    b2::UpdateMessageFeedback => "updateMessageFeedback", Idempotent, t2::UpdateMessageFeedbackResponse;
    b2::SubmitToolResult => "submitToolResult", NonIdempotent, t2::SubmitToolResultResponse;
    b2::GetSourcesSummary => "getSourcesSummary", Idempotent, t2::SourcesSummaryResponse;
    b2::ListSources => "listSources", Idempotent, t2::ListSourcesResponse;
    b2::CreateSource => "createSource", NonIdempotent, t2::SourceListItem;
    b2::GetSource => "getSource", Idempotent, t2::SourceListItem;
    b2::DeleteSource => "deleteSource", Idempotent, t2::DeletedSourceListItem;
    b2::UpdateSource => "updateSource", Idempotent, t2::SourceListItem;
    b2::RestoreSource => "restoreSource", NonIdempotent, t2::DeprecatedEndpointResponse;
    b2::ListWhatsAppTemplates => "listWhatsAppTemplates", Idempotent, t2::ListWhatsAppTemplatesResponse;
    b2::SendWhatsAppTemplateMessage => "sendWhatsAppTemplateMessage", NonIdempotent, t2::SendWhatsAppTemplateResponse;
    b2::ListTicketStatuses => "listTicketStatuses", Idempotent, t2::TicketStatusList;
    b2::ListHelpdeskTeams => "listHelpdeskTeams", Idempotent, t2::TeamListResponse;
    b2::CreateTicket => "createTicket", NonIdempotent, t2::Ticket;
    b2::ListTickets => "listTickets", Idempotent, t2::ListTicketsResponse;
    b2::SearchTickets => "searchTickets", Idempotent, t2::SearchTicketsResponse;
    b2::GetTicket => "getTicket", Idempotent, t2::Ticket;
    b2::UpdateTicket => "updateTicket", Idempotent, t2::Ticket;
    b2::ListTicketMessages => "listTicketMessages", Idempotent, t2::ListTicketMessagesResponse;
    b2::CreateTicketMessage => "createTicketMessage", NonIdempotent, t2::CreatedTicketMessage;

    b1::CreateChatbot => "createChatbot", NonIdempotent, t1::CreateChatbotResponse;
    b1::ListChatbots => "listChatbots", Idempotent, t1::ListChatbotsResponse;
    b1::DeleteChatbot => "deleteChatbot", Idempotent, t1::MessageResponse;
    b1::UpdateChatbotData => "updateChatbotData", Idempotent, t1::UpdateChatbotDataResponse;
    b1::UpdateChatbotSettings => "updateChatbotSettings", Idempotent, t1::MessageResponse;
    b1::DeleteChatbotIcon => "deleteChatbotIcon", Idempotent, t1::MessageResponse;
    b1::DeleteChatbotProfilePicture => "deleteChatbotProfilePicture", Idempotent, t1::MessageResponse;
    b1::ListConversations => "listConversations", Idempotent, t1::ListConversationsResponse;
    b1::ListLeads => "listLeads", Idempotent, t1::ListLeadsResponse;
    b1::ListContacts => "listContacts", Idempotent, t1::ListContactsResponse;
    b1::CreateContacts => "createContacts", NonIdempotent, t1::CreateContactsResponse;
    b1::GetContact => "getContact", Idempotent, t1::ContactResponse;
    b1::UpdateContact => "updateContact", Idempotent, t1::ContactResponse;
    b1::DeleteContact => "deleteContact", Idempotent, t1::ContactResponse;
    b1::ListCustomAttributes => "listCustomAttributes", Idempotent, t1::ListCustomAttributesResponse;
    b1::CreateCustomAttribute => "createCustomAttribute", NonIdempotent, t1::CustomAttributeResponse;
    b1::UpdateCustomAttribute => "updateCustomAttribute", Idempotent, t1::CustomAttributeResponse;
}

/// Typed setters mirroring the generated builder's optional parameters.
macro_rules! setters {
    ($api:ident :: $builder:ident { $($name:ident : $ty:ty),* $(,)? }) => {
        impl<'c> Call<'c, $api::$builder<'c>> {
            $(
                #[doc = concat!("Sets the `", stringify!($name), "` parameter.")]
                pub fn $name<V>(self, value: V) -> Self
                where
                    V: TryInto<$ty>,
                    <V as TryInto<$ty>>::Error: std::fmt::Display,
                {
                    self.map_builder(|b| b.$name(value))
                }
            )*
        }
    };
}

setters!(b2::CreateAgent {
    body: t2::CreateAgentBody
});
setters!(b2::UpdateAgent {
    body: t2::UpdateAgentBody
});
setters!(b2::UpdateAgentStyles {
    body: t2::UpdateAgentStylesBody
});
setters!(b2::UpdateAgentAutoRetrain {
    body: t2::UpdateAgentAutoRetrainBody
});
setters!(b2::CreateVoiceSession {
    body: t2::VoiceSessionRequest
});
setters!(b2::ListConversations {
    start_date: String,
    end_date: String
});
setters!(b2::ExportConversations {
    conversation_id: String,
    start_date: String,
    end_date: String,
    include: t2::ExportConversationsInclude,
    source: String,
});
setters!(b2::UpdateConversation {
    body: t2::UpdateConversationRequest
});
setters!(b2::UpdateMessageFeedback {
    body: t2::UpdateMessageFeedbackRequest
});
setters!(b2::SubmitToolResult {
    body: t2::SubmitToolResultRequest
});
setters!(b2::ListSources {
    name: String,
    type_: String
});
setters!(b2::CreateSource {
    body: t2::CreateSourceBody
});
setters!(b2::UpdateSource {
    body: t2::UpdateSourceBody
});
setters!(b2::SendWhatsAppTemplateMessage {
    body: t2::SendWhatsAppTemplateBody
});
setters!(b2::CreateTicket {
    body: t2::CreateTicketBody
});
setters!(b2::ListTickets {
    assignee_id: t2::NoneOrUuid,
    channel: String,
    created_after: chrono::DateTime<chrono::Utc>,
    created_before: chrono::DateTime<chrono::Utc>,
    include_total: t2::ListTicketsIncludeTotal,
    order: t2::ListTicketsOrder,
    priority: String,
    sort_by: t2::ListTicketsSortBy,
    status: String,
    team_id: t2::NoneOrUuid,
});
setters!(b2::SearchTickets {
    body: t2::SearchTicketsBody
});
setters!(b2::UpdateTicket {
    body: t2::UpdateTicketBody
});
setters!(b2::ListTicketMessages {
    order: t2::ListTicketMessagesOrder,
    types: String
});
setters!(b2::CreateTicketMessage {
    body: t2::CreateTicketMessageBody
});

setters!(b1::CreateChatbot {
    body: t1::CreateChatbotRequest
});
setters!(b1::UpdateChatbotData {
    body: t1::UpdateChatbotDataRequest
});
setters!(b1::UpdateChatbotSettings {
    body: t1::UpdateChatbotSettingsRequest
});
setters!(b1::ListConversations {
    start_date: chrono::NaiveDate,
    end_date: chrono::NaiveDate,
    filtered_sources: String,
});
setters!(b1::ListLeads {
    start_date: chrono::NaiveDate,
    end_date: chrono::NaiveDate
});
setters!(b1::CreateContacts {
    body: t1::CreateContactsRequest
});
setters!(b1::UpdateContact {
    body: t1::UpdateContactRequest
});
setters!(b1::CreateCustomAttribute {
    body: t1::CreateCustomAttributeRequest
});
setters!(b1::UpdateCustomAttribute {
    body: t1::UpdateCustomAttributeRequest
});

/// Cursor-paginated v2 lists: `cursor`/`limit` setters and page splitting.
macro_rules! cursor_paged {
    ($($builder:ident => $item:ty, |$out:ident| $total:expr;)*) => {$(
        impl Paginated for b2::$builder<'_> {
            type Item = $item;
            fn first() -> PageCursor {
                PageCursor::First
            }
            fn start_at(self, cursor: &PageCursor) -> Self {
                match cursor {
                    PageCursor::Cursor(c) => self.cursor(c.clone()),
                    _ => self,
                }
            }
            fn into_page($out: Self::Output, _at: &PageCursor, _size: Option<u64>) -> Page<$item> {
                let total: Option<u64> = $total;
                Page::from_cursor($out.data, $out.pagination.cursor, Some($out.pagination.has_more), total)
            }
        }

        impl<'c> Call<'c, b2::$builder<'c>> {
            /// Page size (1–100; 1–20 for exports).
            pub fn limit(self, n: u64) -> Self {
                self.map_builder(|b| b.limit(n))
            }

            /// Start from this cursor (from a previous page's `next_cursor()`).
            pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
                let c = cursor.into();
                self.start = Some(PageCursor::Cursor(c.clone()));
                self.map_builder(|b| b.cursor(c))
            }
        }
    )*};
}

/// Totals arrive as JSON numbers; negative or fractional values are nonsense and dropped.
fn count(v: f64) -> Option<u64> {
    (v.is_finite() && v >= 0.0).then_some(v as u64)
}

cursor_paged! {
    ListAgents => t2::Agent, |o| count(o.pagination.total);
    ListConversations => t2::ConversationMetadata, |o| count(o.pagination.total);
    ExportConversations => t2::ExportConversation, |o| count(o.pagination.total);
    ListConversationMessages => t2::ConversationMessage, |o| count(o.pagination.total);
    ListUserConversations => t2::ConversationMetadata, |o| count(o.pagination.total);
    ListSources => t2::SourceListItem, |o| count(o.pagination.total);
    ListTickets => t2::TicketListItem, |o| o.pagination.total.and_then(|t| u64::try_from(t).ok());
    ListTicketMessages => t2::Message, |o| count(o.pagination.total);
}

fn page_number(at: &PageCursor) -> u64 {
    match at {
        PageCursor::Number(n) => *n,
        _ => 1,
    }
}

/// Page/size-paginated v1 lists.
macro_rules! number_paged {
    ($($builder:ident => $item:ty, $field:ident / $wire:literal, $size:ident;)*) => {$(
        impl Paginated for b1::$builder<'_> {
            type Item = $item;
            fn first() -> PageCursor {
                PageCursor::Number(1)
            }
            fn start_at(self, cursor: &PageCursor) -> Self {
                match cursor {
                    PageCursor::Number(n) => self.page(n.to_string()),
                    _ => self,
                }
            }
            fn into_page(out: Self::Output, at: &PageCursor, size: Option<u64>) -> Page<$item> {
                Page::from_number(out.$field, page_number(at), size)
            }
            fn items_field() -> &'static str {
                $wire
            }
        }

        impl<'c> Call<'c, b1::$builder<'c>> {
            /// Items per page (max 100).
            pub fn $size(mut self, n: u64) -> Self {
                self.page_size = Some(n);
                self.map_builder(|b| b.$size(n.to_string()))
            }

            /// Start at this 1-based page.
            pub fn page(mut self, n: u64) -> Self {
                self.start = Some(PageCursor::Number(n));
                self.map_builder(|b| b.page(n.to_string()))
            }
        }
    )*};
}

number_paged! {
    ListConversations => t1::Conversation, data / "data", size;
    ListLeads => t1::Lead, collected_customers / "collectedCustomers", size;
}

impl Paginated for b1::ListContacts<'_> {
    type Item = t1::Contact;
    fn first() -> PageCursor {
        PageCursor::Number(1)
    }
    fn start_at(self, cursor: &PageCursor) -> Self {
        match cursor {
            PageCursor::Number(n) => match NonZeroU64::new(*n) {
                Some(n) => self.page(n),
                None => self,
            },
            _ => self,
        }
    }
    fn into_page(out: Self::Output, at: &PageCursor, size: Option<u64>) -> Page<t1::Contact> {
        let n = page_number(at);
        let total_pages = out.pages.as_ref().and_then(|p| p.total_pages);
        let has_more = total_pages
            .and_then(|t| u64::try_from(t).ok())
            .map(|t| n < t);
        let total = out.total.and_then(|t| u64::try_from(t).ok());
        Page::from_number(out.data, n, size).with_totals(total, has_more)
    }
}

impl<'c> Call<'c, b1::ListContacts<'c>> {
    /// Contacts per page.
    pub fn per_page(mut self, n: u64) -> Self {
        self.page_size = Some(n);
        self.map_builder(|b| b.per_page(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    /// Start at this 1-based page.
    pub fn page(mut self, n: u64) -> Self {
        self.start = Some(PageCursor::Number(n));
        match NonZeroU64::new(n) {
            Some(nz) => self.map_builder(|b| b.page(nz)),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Before the hand table goes: every retry class and operationId it states, and those the hand-built
    /// operations state (`chat.rs`, `v1.rs`, `agents.rs`), equal the generated registry's.
    #[test]
    fn the_hand_table_agrees_with_the_generated_registry() {
        let table = hand_table();
        assert_eq!(table.len(), 54);
        let hand_built = [
            (
                "chatWithAgent",
                Idempotency::NonIdempotent,
                OperationId::V2ChatWithAgent,
            ),
            (
                "retryMessage",
                Idempotency::NonIdempotent,
                OperationId::V2RetryMessage,
            ),
            (
                "createFileSource",
                Idempotency::NonIdempotent,
                OperationId::V2CreateFileSource,
            ),
            (
                "updateFileSource",
                Idempotency::Idempotent,
                OperationId::V2UpdateFileSource,
            ),
            ("chat", Idempotency::NonIdempotent, OperationId::V1Chat),
            (
                "uploadChatbotIcon",
                Idempotency::Idempotent,
                OperationId::V1UploadChatbotIcon,
            ),
            (
                "uploadChatbotProfilePicture",
                Idempotency::Idempotent,
                OperationId::V1UploadChatbotProfilePicture,
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        for (name, idem, id) in table.into_iter().chain(hand_built) {
            assert_eq!(id.operation_id(), name);
            assert_eq!(idempotency(id), idem, "{name}");
            assert!(seen.insert(id), "{name} twice");
        }
        assert_eq!(
            seen.len(),
            OperationId::ALL.len(),
            "every operation is compared"
        );
    }
}
