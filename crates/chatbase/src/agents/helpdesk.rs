//! Helpdesk and channel handles of one agent: [`Tickets`], one [`Ticket`], [`Helpdesk`]
//! settings and [`WhatsApp`] templates.

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
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
    pub(super) number: u64,
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
    /// `listHelpdeskTeams`.
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

    /// `listTicketStatuses`.
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
    /// `listWhatsAppTemplates`.
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
