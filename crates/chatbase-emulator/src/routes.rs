//! The table of public operations (operationId, method, full path) and the matcher the
//! gateway uses to name a request's operation, tell 404 from 405 and target faults.
//! Handlers are attached in `server`; this module only knows names and paths.

/// Every public operation: `(operationId, method, path)`. v1 and v2 share some
/// operationIds (e.g. `listConversations`); the path prefix tells them apart. The two
/// files-host operations share their paths with the JSON source operations and are told
/// apart by a `multipart/form-data` body.
pub const ROUTES: &[(&str, &str, &str)] = &[
    ("getHealth", "GET", "/api/v2/health"),
    ("listAgents", "GET", "/api/v2/agents"),
    ("createAgent", "POST", "/api/v2/agents"),
    ("getAgent", "GET", "/api/v2/agents/{agentId}"),
    ("updateAgent", "PUT", "/api/v2/agents/{agentId}"),
    ("deleteAgent", "DELETE", "/api/v2/agents/{agentId}"),
    (
        "updateAgentStyles",
        "PUT",
        "/api/v2/agents/{agentId}/styles",
    ),
    (
        "updateAgentAutoRetrain",
        "PUT",
        "/api/v2/agents/{agentId}/auto-retrain",
    ),
    ("cloneAgent", "POST", "/api/v2/agents/{agentId}/clone"),
    ("trainAgent", "POST", "/api/v2/agents/{agentId}/train"),
    ("chatWithAgent", "POST", "/api/v2/agents/{agentId}/chat"),
    (
        "retryMessage",
        "POST",
        "/api/v2/agents/{agentId}/conversations/{conversationId}/retry",
    ),
    (
        "createVoiceSession",
        "POST",
        "/api/v2/agents/{agentId}/voice/sessions",
    ),
    (
        "listConversations",
        "GET",
        "/api/v2/agents/{agentId}/conversations",
    ),
    (
        "exportConversations",
        "GET",
        "/api/v2/agents/{agentId}/conversations/export",
    ),
    (
        "getConversation",
        "GET",
        "/api/v2/agents/{agentId}/conversations/{conversationId}",
    ),
    (
        "updateConversation",
        "PATCH",
        "/api/v2/agents/{agentId}/conversations/{conversationId}",
    ),
    (
        "listConversationMessages",
        "GET",
        "/api/v2/agents/{agentId}/conversations/{conversationId}/messages",
    ),
    (
        "listUserConversations",
        "GET",
        "/api/v2/agents/{agentId}/users/{userId}/conversations",
    ),
    (
        "updateMessageFeedback",
        "PATCH",
        "/api/v2/agents/{agentId}/conversations/{conversationId}/messages/{messageId}/feedback",
    ),
    (
        "submitToolResult",
        "POST",
        "/api/v2/agents/{agentId}/conversations/{conversationId}/tool-result",
    ),
    (
        "getSourcesSummary",
        "GET",
        "/api/v2/agents/{agentId}/sources/summary",
    ),
    ("listSources", "GET", "/api/v2/agents/{agentId}/sources"),
    ("createSource", "POST", "/api/v2/agents/{agentId}/sources"),
    (
        "getSource",
        "GET",
        "/api/v2/agents/{agentId}/sources/{sourceId}",
    ),
    (
        "updateSource",
        "PUT",
        "/api/v2/agents/{agentId}/sources/{sourceId}",
    ),
    (
        "deleteSource",
        "DELETE",
        "/api/v2/agents/{agentId}/sources/{sourceId}",
    ),
    (
        "restoreSource",
        "POST",
        "/api/v2/agents/{agentId}/sources/{sourceId}/restore",
    ),
    (
        "listWhatsAppTemplates",
        "GET",
        "/api/v2/agents/{agentId}/whatsapp/templates",
    ),
    (
        "sendWhatsAppTemplateMessage",
        "POST",
        "/api/v2/agents/{agentId}/whatsapp/messages/template",
    ),
    (
        "listTicketStatuses",
        "GET",
        "/api/v2/agents/{agentId}/helpdesk/ticket-statuses",
    ),
    (
        "listHelpdeskTeams",
        "GET",
        "/api/v2/agents/{agentId}/helpdesk/teams",
    ),
    (
        "listTickets",
        "GET",
        "/api/v2/agents/{agentId}/helpdesk/tickets",
    ),
    (
        "createTicket",
        "POST",
        "/api/v2/agents/{agentId}/helpdesk/tickets",
    ),
    (
        "searchTickets",
        "POST",
        "/api/v2/agents/{agentId}/helpdesk/tickets/search",
    ),
    (
        "getTicket",
        "GET",
        "/api/v2/agents/{agentId}/helpdesk/tickets/{ticketNumber}",
    ),
    (
        "updateTicket",
        "PATCH",
        "/api/v2/agents/{agentId}/helpdesk/tickets/{ticketNumber}",
    ),
    (
        "listTicketMessages",
        "GET",
        "/api/v2/agents/{agentId}/helpdesk/tickets/{ticketNumber}/messages",
    ),
    (
        "createTicketMessage",
        "POST",
        "/api/v2/agents/{agentId}/helpdesk/tickets/{ticketNumber}/messages",
    ),
    (
        "createFileSource",
        "POST",
        "/api/v2/agents/{agentId}/sources",
    ),
    (
        "updateFileSource",
        "PUT",
        "/api/v2/agents/{agentId}/sources/{sourceId}",
    ),
    ("chat", "POST", "/api/v1/chat"),
    ("createChatbot", "POST", "/api/v1/create-chatbot"),
    ("listChatbots", "GET", "/api/v1/get-chatbots"),
    ("listConversations", "GET", "/api/v1/get-conversations"),
    ("listLeads", "GET", "/api/v1/get-leads"),
    ("deleteChatbot", "DELETE", "/api/v1/delete-chatbot"),
    ("updateChatbotData", "POST", "/api/v1/update-chatbot-data"),
    (
        "updateChatbotSettings",
        "POST",
        "/api/v1/update-chatbot-settings",
    ),
    ("uploadChatbotIcon", "POST", "/api/v1/upload-chatbot-icon"),
    (
        "uploadChatbotProfilePicture",
        "POST",
        "/api/v1/upload-chatbot-profile-picture",
    ),
    ("deleteChatbotIcon", "DELETE", "/api/v1/delete-chatbot-icon"),
    (
        "deleteChatbotProfilePicture",
        "DELETE",
        "/api/v1/delete-chatbot-profile-picture",
    ),
    (
        "listContacts",
        "GET",
        "/api/v1/chatbots/{chatbotId}/contacts",
    ),
    (
        "createContacts",
        "POST",
        "/api/v1/chatbots/{chatbotId}/contacts",
    ),
    (
        "getContact",
        "GET",
        "/api/v1/chatbots/{chatbotId}/contacts/{contactId}",
    ),
    (
        "updateContact",
        "PATCH",
        "/api/v1/chatbots/{chatbotId}/contacts/{contactId}",
    ),
    (
        "deleteContact",
        "DELETE",
        "/api/v1/chatbots/{chatbotId}/contacts/{contactId}",
    ),
    (
        "listCustomAttributes",
        "GET",
        "/api/v1/chatbots/{chatbotId}/custom-attributes",
    ),
    (
        "createCustomAttribute",
        "POST",
        "/api/v1/chatbots/{chatbotId}/custom-attributes",
    ),
    (
        "updateCustomAttribute",
        "PUT",
        "/api/v1/chatbots/{chatbotId}/custom-attributes/{name}",
    ),
];

/// Operations the service answers outside the published specs: `(name, method, path)`.
/// `GET /api/cli-pairing/me` is what the official CLI calls for `auth status`; the other three are its browser
/// pairing login (create a request, poll it, revoke the minted key on logout).
pub const UNPUBLISHED_ROUTES: &[(&str, &str, &str)] = &[
    ("getCliPairingMe", "GET", "/api/cli-pairing/me"),
    ("createCliPairing", "POST", "/api/cli-pairing/create"),
    ("exchangeCliPairing", "POST", "/api/cli-pairing/exchange"),
    ("revokeCliPairing", "POST", "/api/cli-pairing/revoke"),
];

/// Result of matching a request against [`ROUTES`] and [`UNPUBLISHED_ROUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteMatch {
    Found(&'static str),
    MethodNotAllowed,
    NotFound,
}

fn literal_score(template: &str, path: &str) -> Option<usize> {
    // Runs for every request, so it walks both strings without allocating.
    let mut t = template.trim_end_matches('/').split('/');
    let mut p = path.trim_end_matches('/').split('/');
    let mut literals = 0;
    loop {
        match (t.next(), p.next()) {
            (None, None) => return Some(literals),
            (Some(ts), Some(ps)) => {
                if ts.starts_with('{') {
                    if ps.is_empty() {
                        return None;
                    }
                } else if ts == ps {
                    literals += 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Names the operation for `method` + `path`; literal segments beat parameters, as in
/// the router (`/sources/summary` is not `/sources/{sourceId}`).
pub(crate) fn match_route(method: &str, path: &str, multipart: bool) -> RouteMatch {
    let mut best: Option<(usize, &'static str, &'static str)> = None;
    for &(op, m, template) in ROUTES.iter().chain(UNPUBLISHED_ROUTES) {
        if let Some(score) = literal_score(template, path)
            && best.is_none_or(|(b, _, _)| score > b)
        {
            best = Some((score, op, m));
        }
    }
    let Some((score, _, _)) = best else {
        return RouteMatch::NotFound;
    };
    let mut first: Option<&'static str> = None;
    for &(op, m, t) in ROUTES.iter().chain(UNPUBLISHED_ROUTES) {
        if m != method || literal_score(t, path) != Some(score) {
            continue;
        }
        // Shared paths: the files-host operation takes multipart bodies.
        if op.ends_with("FileSource") == multipart {
            return RouteMatch::Found(op);
        }
        first.get_or_insert(op);
    }
    match first {
        Some(op) => RouteMatch::Found(op),
        None => RouteMatch::MethodNotAllowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_win_and_methods_matter() {
        assert_eq!(
            match_route("GET", "/api/v2/agents/a/sources/summary", false),
            RouteMatch::Found("getSourcesSummary")
        );
        assert_eq!(
            match_route("GET", "/api/v2/agents/a/sources/s1", false),
            RouteMatch::Found("getSource")
        );
        assert_eq!(
            match_route("POST", "/api/v2/agents/a/sources", true),
            RouteMatch::Found("createFileSource")
        );
        assert_eq!(
            match_route("POST", "/api/v2/agents/a/sources", false),
            RouteMatch::Found("createSource")
        );
        assert_eq!(
            match_route("DELETE", "/api/v2/agents", false),
            RouteMatch::MethodNotAllowed
        );
        assert_eq!(
            match_route("GET", "/api/v2/nope", false),
            RouteMatch::NotFound
        );
        assert_eq!(
            match_route("GET", "/api/v1/get-conversations", false),
            RouteMatch::Found("listConversations")
        );
    }
}
