//! Helpdesk and channel handles of one agent: [`Tickets`], one [`Ticket`], [`Helpdesk`]
//! settings and [`WhatsApp`] templates.
//!
//! ```no_run
//! # async fn demo(client: chatbase::Client) -> chatbase::Result<()> {
//! let agent = client.agent("agent-id");
//! let open = agent.tickets().list().status("open").limit(50).send().await?;
//! for ticket in &open.data {
//!     println!("#{} {:?}", ticket.ticket_number, ticket.subject);
//! }
//! let teams = agent.helpdesk().list_teams().send().await?;
//! println!("{teams:?}");
//! # Ok(()) }
//! ```

use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;

use crate::call::Call;
use crate::client::Client;

/// `/agents/{agentId}/helpdesk/tickets`.
#[derive(Debug, Clone)]
pub struct Tickets<'c> {
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
}

impl<'c> Tickets<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `listTickets` (paginated; a cursor is only valid for the sort it was issued with).
    ///
    /// `.send()` returns one page, [`t2::ListTicketsResponse`](crate::types::v2::ListTicketsResponse); `.items()` streams every [`t2::TicketListItem`](crate::types::v2::TicketListItem) across pages.
    pub fn list(&self) -> Call<'c, b2::ListTickets<'c>> {
        Call::new(
            self.client,
            self.v2().list_tickets().agent_id(self.agent_id.as_str()),
        )
    }

    /// `createTicket`: opens a helpdesk ticket.
    ///
    /// `.send()` returns [`t2::Ticket`](crate::types::v2::Ticket).
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
    ///
    /// `.send()` returns [`t2::SearchTicketsResponse`](crate::types::v2::SearchTicketsResponse).
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
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
    pub(super) number: u64,
}

impl<'c> Ticket<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `getTicket`: one ticket.
    ///
    /// `.send()` returns [`t2::Ticket`](crate::types::v2::Ticket).
    pub fn get(&self) -> Call<'c, b2::GetTicket<'c>> {
        Call::new(
            self.client,
            self.v2()
                .get_ticket()
                .agent_id(self.agent_id.as_str())
                .ticket_number(self.number),
        )
    }

    /// `updateTicket`: changes a ticket's status, priority, assignee or team.
    ///
    /// `.send()` returns [`t2::Ticket`](crate::types::v2::Ticket).
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
    ///
    /// `.send()` returns one page, [`t2::ListTicketMessagesResponse`](crate::types::v2::ListTicketMessagesResponse); `.items()` streams every [`t2::Message`](crate::types::v2::Message) across pages.
    pub fn list_messages(&self) -> Call<'c, b2::ListTicketMessages<'c>> {
        Call::new(
            self.client,
            self.v2()
                .list_ticket_messages()
                .agent_id(self.agent_id.as_str())
                .ticket_number(self.number),
        )
    }

    /// `createTicketMessage` (reply or note).
    ///
    /// `.send()` returns [`t2::CreatedTicketMessage`](crate::types::v2::CreatedTicketMessage).
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
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
}

impl<'c> Helpdesk<'c> {
    /// `listHelpdeskTeams`: the helpdesk's teams.
    ///
    /// `.send()` returns [`t2::TeamListResponse`](crate::types::v2::TeamListResponse).
    pub fn list_teams(&self) -> Call<'c, b2::ListHelpdeskTeams<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_helpdesk_teams()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `listTicketStatuses`: the ticket statuses this agent uses.
    ///
    /// `.send()` returns [`t2::TicketStatusList`](crate::types::v2::TicketStatusList).
    pub fn list_ticket_statuses(&self) -> Call<'c, b2::ListTicketStatuses<'c>> {
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
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
}

impl<'c> WhatsApp<'c> {
    /// `listWhatsAppTemplates`: the WhatsApp message templates of the agent's number.
    ///
    /// `.send()` returns [`t2::ListWhatsAppTemplatesResponse`](crate::types::v2::ListWhatsAppTemplatesResponse).
    pub fn list_templates(&self) -> Call<'c, b2::ListWhatsAppTemplates<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_whats_app_templates()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `sendWhatsAppTemplateMessage`: sends a WhatsApp template message to one recipient.
    ///
    /// `.send()` returns [`t2::SendWhatsAppTemplateResponse`](crate::types::v2::SendWhatsAppTemplateResponse).
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
