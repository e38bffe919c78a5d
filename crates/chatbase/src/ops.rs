//! The glue between the generated builders and [`crate::call`]: every builder is an [`Operation`] whose
//! operationId and retry class come from the generated registry (`chatbase_api::operations`); beside that, the
//! typed setters and how list responses split into pages (checked at compile time against the registry's
//! pagination). Everything here is declarative; the behaviour lives in [`crate::call`].

use std::num::NonZeroU64;

use chatbase_api::operations::{Operation as ApiOperation, OperationId, Pagination, RetryClass};
use chatbase_api::v1::builder as b1;
use chatbase_api::v1::types as t1;
use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;
use progenitor_client::ResponseValue;

use crate::call::{Call, Operation, Paginated, sealed};
use crate::client::Op;
use crate::error::{Error, Result};
use crate::pagination::{Page, PageCursor};
use crate::retry::Idempotency;

/// Every generated builder is an [`Operation`]: its operationId and retry class come from the generated registry
/// (`chatbase_api::operations`, read from the specs' `x-chatbase-*` extensions), its output type from the builder.
impl<B: ApiOperation> sealed::Sealed for B {}

impl<B> Operation for B
where
    B: ApiOperation + Clone + Send + Sync,
{
    type Output = <B as ApiOperation>::Output;
    fn operation_id() -> &'static str {
        B::ID.operation_id()
    }
    fn idempotency() -> Idempotency {
        idempotency(B::ID)
    }
    async fn execute(self) -> Result<ResponseValue<Self::Output>> {
        match self.dispatch().await {
            Ok(v) => Ok(v),
            // Error responses are untyped in the bindings, so a payload that does
            // not decode is a success body: decode it again to name the JSON path.
            Err(progenitor_client::Error::InvalidResponsePayload(bytes, err)) => {
                Err(match crate::error::decode_json::<Self::Output>(&bytes) {
                    Err(with_path) => with_path,
                    Ok(_) => {
                        Error::from_progenitor(
                            progenitor_client::Error::<()>::InvalidResponsePayload(bytes, err),
                        )
                        .await
                    }
                })
            }
            Err(e) => Err(Error::from_progenitor(e).await),
        }
    }
    async fn execute_raw(self) -> Result<ResponseValue<bytes::Bytes>> {
        match self.dispatch_raw().await {
            Ok(v) => Ok(v),
            Err(e) => Err(Error::from_progenitor(e).await),
        }
    }
}

/// The retry class the generated registry gives an operation, as the SDK's [`Idempotency`].
pub(crate) const fn idempotency(id: OperationId) -> Idempotency {
    match id.info().retry {
        RetryClass::Idempotent => Idempotency::Idempotent,
        RetryClass::Conservative => Idempotency::NonIdempotent,
    }
}

impl Op {
    /// The facts of an operation the SDK sends without a generated builder (chat streams, uploads).
    pub(crate) const fn of(id: OperationId) -> Op {
        Op {
            id: id.operation_id(),
            idempotency: idempotency(id),
        }
    }
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

/// A date or timestamp parameter: the `chrono` value itself, or text that is parsed when the call is sent
/// (RFC 3339 such as `2025-01-31T00:00:00Z` for a timestamp, `YYYY-MM-DD` for a date). Text that does not parse
/// fails the call with [`Error::InvalidInput`](crate::Error::InvalidInput) naming the text, before anything is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct DateArg<T>(std::result::Result<T, String>);

impl From<chrono::DateTime<chrono::Utc>> for DateArg<chrono::DateTime<chrono::Utc>> {
    fn from(t: chrono::DateTime<chrono::Utc>) -> Self {
        DateArg(Ok(t))
    }
}

impl From<chrono::NaiveDate> for DateArg<chrono::NaiveDate> {
    fn from(d: chrono::NaiveDate) -> Self {
        DateArg(Ok(d))
    }
}

impl From<&str> for DateArg<chrono::DateTime<chrono::Utc>> {
    fn from(s: &str) -> Self {
        DateArg(
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| {
                    format!("{s:?} is not an RFC 3339 timestamp (e.g. 2025-01-31T00:00:00Z): {e}")
                }),
        )
    }
}

impl From<&str> for DateArg<chrono::NaiveDate> {
    fn from(s: &str) -> Self {
        DateArg(
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|e| format!("{s:?} is not a date in the form YYYY-MM-DD: {e}")),
        )
    }
}

impl From<String> for DateArg<chrono::DateTime<chrono::Utc>> {
    fn from(s: String) -> Self {
        s.as_str().into()
    }
}

impl From<String> for DateArg<chrono::NaiveDate> {
    fn from(s: String) -> Self {
        s.as_str().into()
    }
}

impl TryFrom<DateArg<chrono::DateTime<chrono::Utc>>> for chrono::DateTime<chrono::Utc> {
    type Error = String;
    fn try_from(a: DateArg<chrono::DateTime<chrono::Utc>>) -> std::result::Result<Self, String> {
        a.0
    }
}

impl TryFrom<DateArg<chrono::NaiveDate>> for chrono::NaiveDate {
    type Error = String;
    fn try_from(a: DateArg<chrono::NaiveDate>) -> std::result::Result<Self, String> {
        a.0
    }
}

/// Date and timestamp setters: each takes the `chrono` value or text (see [`DateArg`]).
macro_rules! date_setters {
    ($api:ident :: $builder:ident { $($name:ident : $ty:ty),* $(,)? }) => {
        impl<'c> Call<'c, $api::$builder<'c>> {
            $(
                #[doc = concat!("Sets the `", stringify!($name), "` parameter: a `", stringify!($ty), "` or text (see [`DateArg`]).")]
                pub fn $name(mut self, value: impl Into<DateArg<$ty>>) -> Self {
                    let value: DateArg<$ty> = value.into();
                    if let Err(m) = &value.0 {
                        // Fails the call at send time with the text and the format it needed.
                        let message = format!("`{}`: {m}", stringify!($name));
                        self.options = std::mem::take(&mut self.options).reject(message);
                    }
                    self.map_builder(|b| b.$name(value))
                }
            )*
        }
    };
}

date_setters!(b2::ListTickets {
    created_after: chrono::DateTime<chrono::Utc>,
    created_before: chrono::DateTime<chrono::Utc>,
});
date_setters!(b1::ListConversations {
    start_date: chrono::NaiveDate,
    end_date: chrono::NaiveDate,
});
date_setters!(b1::ListLeads {
    start_date: chrono::NaiveDate,
    end_date: chrono::NaiveDate,
});

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
    filtered_sources: String,
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
        const _: () = assert!(
            matches!(<b2::$builder<'static> as ApiOperation>::ID.info().pagination, Pagination::Cursor { .. }),
            concat!(stringify!($builder), ": the spec does not say x-chatbase-pagination: cursor"),
        );

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
    )*
        #[cfg(test)]
        const CURSOR_PAGED: &[OperationId] = &[$(<b2::$builder<'static> as ApiOperation>::ID),*];
    };
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
        const _: () = assert!(
            page_params_are(<b1::$builder<'static> as ApiOperation>::ID, stringify!($size)),
            concat!(stringify!($builder), ": the spec does not page it by `page` and `", stringify!($size), "`"),
        );

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
    )*
        #[cfg(test)]
        const NUMBER_PAGED: &[OperationId] = &[$(<b1::$builder<'static> as ApiOperation>::ID),*];
    };
}

/// Whether the registry pages `id` by `page` and a size parameter named `size` (checked at compile time).
const fn page_params_are(id: OperationId, size: &str) -> bool {
    const fn same(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }
    match id.info().pagination {
        Pagination::Page {
            page_param,
            size_param,
        } => same(page_param, "page") && same(size_param, size),
        _ => false,
    }
}

number_paged! {
    ListConversations => t1::Conversation, data / "data", size;
    ListLeads => t1::Lead, collected_customers / "collectedCustomers", size;
}

const _: () = assert!(
    page_params_are(<b1::ListContacts<'static> as ApiOperation>::ID, "per_page"),
    "ListContacts: the spec does not page it by `page` and `per_page`",
);

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
    use chatbase_api::operations::{OPERATIONS, OperationId as Id};

    /// The retry classes the SDK used before they came from the registry: a spec edit that changes one fails here.
    #[test]
    fn retry_classes_are_unchanged() {
        let conservative = [
            Id::V1Chat,
            Id::V1CreateChatbot,
            Id::V1CreateContacts,
            Id::V1CreateCustomAttribute,
            Id::V2CreateAgent,
            Id::V2CloneAgent,
            Id::V2TrainAgent,
            Id::V2ChatWithAgent,
            Id::V2RetryMessage,
            Id::V2CreateVoiceSession,
            Id::V2SubmitToolResult,
            Id::V2CreateSource,
            Id::V2CreateFileSource,
            Id::V2RestoreSource,
            Id::V2SendWhatsAppTemplateMessage,
            Id::V2CreateTicket,
            Id::V2CreateTicketMessage,
        ];
        for &id in Id::ALL {
            let expected = if conservative.contains(&id) {
                Idempotency::NonIdempotent
            } else {
                Idempotency::Idempotent
            };
            assert_eq!(idempotency(id), expected, "{id:?}");
            assert_eq!(Op::of(id).idempotency, expected, "{id:?}");
        }
        assert_eq!(
            <b2::CreateAgent<'static> as Operation>::idempotency(),
            Idempotency::NonIdempotent
        );
        assert_eq!(
            <b2::SearchTickets<'static> as Operation>::idempotency(),
            Idempotency::Idempotent
        );
        assert_eq!(
            <b1::ListConversations<'static> as Operation>::operation_id(),
            "listConversations"
        );
    }

    /// The compile-time check behind `number_paged!` tells parameter names and pagination styles apart.
    #[test]
    fn page_parameter_check_can_fail() {
        assert!(page_params_are(Id::V1ListLeads, "size"));
        assert!(page_params_are(Id::V1ListContacts, "per_page"));
        assert!(!page_params_are(Id::V1ListContacts, "size"));
        assert!(!page_params_are(Id::V1ListLeads, "siz"));
        assert!(!page_params_are(Id::V2ListAgents, "limit"));
        assert!(!page_params_are(Id::V1ListChatbots, "size"));
    }

    /// Each operation the registry says pages has a [`Paginated`] impl, and no other.
    #[test]
    fn every_paginated_operation_pages() {
        let mut paged: Vec<Id> = CURSOR_PAGED
            .iter()
            .chain(NUMBER_PAGED)
            .copied()
            .chain([<b1::ListContacts<'static> as ApiOperation>::ID])
            .collect();
        paged.sort();
        let mut expected: Vec<Id> = OPERATIONS
            .iter()
            .filter(|op| op.pagination != Pagination::None)
            .map(|op| op.id)
            .collect();
        expected.sort();
        assert_eq!(paged, expected);
    }
}
