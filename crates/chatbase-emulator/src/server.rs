//! The router: every operation's path and method mapped to its handler, plus the emulator's admin API,
//! under the gateway middleware (`gateway`). Handlers live in `v1`, `v2`, `admin` and `pairing`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};

use crate::error::ApiError;
use crate::gateway::gateway;
use crate::state::AppState;
use crate::{admin, v1, v2};

async fn not_found() -> Response {
    ApiError::not_found("RESOURCE_NOT_FOUND", "No such route").into_response()
}

pub(crate) fn router(app: AppState) -> Router {
    use v2::{agents, chat, conversations, helpdesk, misc, sources};
    let a = "/api/v2/agents/{agentId}";
    let v2 = Router::new()
        .route("/api/cli-pairing/me", get(misc::cli_pairing_me))
        .route("/api/cli-pairing/create", post(crate::pairing::create))
        .route("/api/cli-pairing/exchange", post(crate::pairing::exchange))
        .route("/api/cli-pairing/revoke", post(crate::pairing::revoke))
        .route("/api/v2/health", get(misc::health))
        .route("/api/v2/agents", get(agents::list).post(agents::create))
        .route(
            a,
            get(agents::get).put(agents::update).delete(agents::delete),
        )
        .route(&format!("{a}/styles"), put(agents::update_styles))
        .route(
            &format!("{a}/auto-retrain"),
            put(agents::update_auto_retrain),
        )
        .route(&format!("{a}/clone"), post(agents::clone))
        .route(&format!("{a}/train"), post(agents::train))
        .route(&format!("{a}/chat"), post(chat::chat))
        .route(
            &format!("{a}/conversations/{{conversationId}}/retry"),
            post(chat::retry),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}/tool-result"),
            post(chat::tool_result),
        )
        .route(
            &format!("{a}/voice/sessions"),
            post(misc::create_voice_session),
        )
        .route(&format!("{a}/conversations"), get(conversations::list))
        .route(
            &format!("{a}/conversations/export"),
            get(conversations::export),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}"),
            get(conversations::get).patch(conversations::update),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}/messages"),
            get(conversations::messages),
        )
        .route(
            &format!("{a}/conversations/{{conversationId}}/messages/{{messageId}}/feedback"),
            patch(conversations::feedback),
        )
        .route(
            &format!("{a}/users/{{userId}}/conversations"),
            get(conversations::user_conversations),
        )
        .route(&format!("{a}/sources/summary"), get(sources::summary))
        .route(
            &format!("{a}/sources"),
            get(sources::list).post(sources::create),
        )
        .route(
            &format!("{a}/sources/{{sourceId}}"),
            get(sources::get)
                .put(sources::update)
                .delete(sources::delete),
        )
        .route(
            &format!("{a}/sources/{{sourceId}}/restore"),
            post(sources::restore),
        )
        .route(
            &format!("{a}/whatsapp/templates"),
            get(misc::list_whatsapp_templates),
        )
        .route(
            &format!("{a}/whatsapp/messages/template"),
            post(misc::send_whatsapp_template),
        )
        .route(
            &format!("{a}/helpdesk/ticket-statuses"),
            get(helpdesk::list_statuses),
        )
        .route(&format!("{a}/helpdesk/teams"), get(helpdesk::list_teams))
        .route(
            &format!("{a}/helpdesk/tickets"),
            get(helpdesk::list).post(helpdesk::create),
        )
        .route(
            &format!("{a}/helpdesk/tickets/search"),
            post(helpdesk::search),
        )
        .route(
            &format!("{a}/helpdesk/tickets/{{ticketNumber}}"),
            get(helpdesk::get).patch(helpdesk::update),
        )
        .route(
            &format!("{a}/helpdesk/tickets/{{ticketNumber}}/messages"),
            get(helpdesk::messages).post(helpdesk::create_message),
        );
    let c = "/api/v1/chatbots/{chatbotId}";
    let v1 = Router::new()
        .route("/api/v1/chat", post(v1::chat))
        .route("/api/v1/create-chatbot", post(v1::create_chatbot))
        .route("/api/v1/get-chatbots", get(v1::list_chatbots))
        .route("/api/v1/get-conversations", get(v1::list_conversations))
        .route("/api/v1/get-leads", get(v1::list_leads))
        .route("/api/v1/delete-chatbot", delete(v1::delete_chatbot))
        .route("/api/v1/update-chatbot-data", post(v1::update_chatbot_data))
        .route(
            "/api/v1/update-chatbot-settings",
            post(v1::update_chatbot_settings),
        )
        .route("/api/v1/upload-chatbot-icon", post(v1::upload_icon))
        .route(
            "/api/v1/upload-chatbot-profile-picture",
            post(v1::upload_profile_picture),
        )
        .route("/api/v1/delete-chatbot-icon", delete(v1::delete_icon))
        .route(
            "/api/v1/delete-chatbot-profile-picture",
            delete(v1::delete_profile_picture),
        )
        .route(
            &format!("{c}/contacts"),
            get(v1::list_contacts).post(v1::create_contacts),
        )
        .route(
            &format!("{c}/contacts/{{contactId}}"),
            get(v1::get_contact)
                .patch(v1::update_contact)
                .delete(v1::delete_contact),
        )
        .route(
            &format!("{c}/custom-attributes"),
            get(v1::list_custom_attributes).post(v1::create_custom_attribute),
        )
        .route(
            &format!("{c}/custom-attributes/{{name}}"),
            put(v1::update_custom_attribute),
        );
    let admin = Router::new()
        .route(
            "/_emulator/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .delete(admin::clear_faults),
        )
        .route("/_emulator/reset", post(admin::reset))
        .route("/_emulator/info", get(admin::info))
        .route("/_emulator/pairing", get(crate::pairing::admin_list))
        .route(
            "/_emulator/pairing/{userCode}/{action}",
            post(crate::pairing::admin_act),
        )
        .route("/_emulator/agents/{agentId}/leads", post(admin::add_lead))
        .route(
            "/_emulator/agents/{agentId}/conversations",
            post(admin::seed_conversations),
        );
    let body_limit = app.max_upload.max(app.max_body) + 64 * 1024;
    v2.merge(v1)
        .merge(admin)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(app.clone(), gateway))
        .with_state(app)
}
