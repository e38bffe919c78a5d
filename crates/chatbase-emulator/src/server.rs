//! The router. Every operation of `chatbase_api`'s generated registry (`OPERATIONS`: method and path) is
//! routed to its handler through an exhaustive `match` on `OperationId`, so an operation added to the spec
//! does not compile until it has a handler; each route tags its requests with their operation
//! (`ops::RouteOp`) for the gateway. The unpublished pairing routes and the emulator's admin API are listed
//! by hand. Handlers live in `v1`, `v2`, `admin` and `pairing`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use chatbase_api::operations::{Method, OPERATIONS, OperationId};

use crate::error::ApiError;
use crate::gateway::{envelope, guard};
use crate::ops::{RouteOp, Unpublished};
use crate::state::AppState;
use crate::util::is_multipart;
use crate::{admin, pairing, v1, v2};

/// The handler of a published operation, answering `filter`.
fn endpoint(id: OperationId, filter: MethodFilter) -> MethodRouter<AppState> {
    use OperationId as O;
    use v2::{agents, chat, conversations, helpdesk, misc, sources};
    match id {
        O::V1Chat => on(filter, v1::chat),
        O::V1CreateChatbot => on(filter, v1::create_chatbot),
        O::V1ListChatbots => on(filter, v1::list_chatbots),
        O::V1ListConversations => on(filter, v1::list_conversations),
        O::V1ListLeads => on(filter, v1::list_leads),
        O::V1DeleteChatbot => on(filter, v1::delete_chatbot),
        O::V1UpdateChatbotData => on(filter, v1::update_chatbot_data),
        O::V1UpdateChatbotSettings => on(filter, v1::update_chatbot_settings),
        O::V1UploadChatbotIcon => on(filter, v1::upload_icon),
        O::V1UploadChatbotProfilePicture => on(filter, v1::upload_profile_picture),
        O::V1DeleteChatbotIcon => on(filter, v1::delete_icon),
        O::V1DeleteChatbotProfilePicture => on(filter, v1::delete_profile_picture),
        O::V1ListContacts => on(filter, v1::list_contacts),
        O::V1CreateContacts => on(filter, v1::create_contacts),
        O::V1GetContact => on(filter, v1::get_contact),
        O::V1UpdateContact => on(filter, v1::update_contact),
        O::V1DeleteContact => on(filter, v1::delete_contact),
        O::V1ListCustomAttributes => on(filter, v1::list_custom_attributes),
        O::V1CreateCustomAttribute => on(filter, v1::create_custom_attribute),
        O::V1UpdateCustomAttribute => on(filter, v1::update_custom_attribute),
        O::V2GetHealth => on(filter, misc::health),
        O::V2ListAgents => on(filter, agents::list),
        O::V2CreateAgent => on(filter, agents::create),
        O::V2GetAgent => on(filter, agents::get),
        O::V2UpdateAgent => on(filter, agents::update),
        O::V2DeleteAgent => on(filter, agents::delete),
        O::V2UpdateAgentStyles => on(filter, agents::update_styles),
        O::V2UpdateAgentAutoRetrain => on(filter, agents::update_auto_retrain),
        O::V2CloneAgent => on(filter, agents::clone),
        O::V2TrainAgent => on(filter, agents::train),
        O::V2ChatWithAgent => on(filter, chat::chat),
        O::V2RetryMessage => on(filter, chat::retry),
        O::V2SubmitToolResult => on(filter, chat::tool_result),
        O::V2CreateVoiceSession => on(filter, misc::create_voice_session),
        O::V2ListConversations => on(filter, conversations::list),
        O::V2ExportConversations => on(filter, conversations::export),
        O::V2GetConversation => on(filter, conversations::get),
        O::V2UpdateConversation => on(filter, conversations::update),
        O::V2ListConversationMessages => on(filter, conversations::messages),
        O::V2ListUserConversations => on(filter, conversations::user_conversations),
        O::V2UpdateMessageFeedback => on(filter, conversations::feedback),
        O::V2GetSourcesSummary => on(filter, sources::summary),
        O::V2ListSources => on(filter, sources::list),
        // One handler takes both bodies of a shared path: JSON, or multipart as on the files host.
        O::V2CreateSource | O::V2CreateFileSource => on(filter, sources::create),
        O::V2GetSource => on(filter, sources::get),
        O::V2UpdateSource | O::V2UpdateFileSource => on(filter, sources::update),
        O::V2DeleteSource => on(filter, sources::delete),
        O::V2RestoreSource => on(filter, sources::restore),
        O::V2ListWhatsAppTemplates => on(filter, misc::list_whatsapp_templates),
        O::V2SendWhatsAppTemplateMessage => on(filter, misc::send_whatsapp_template),
        O::V2ListTicketStatuses => on(filter, helpdesk::list_statuses),
        O::V2ListHelpdeskTeams => on(filter, helpdesk::list_teams),
        O::V2ListTickets => on(filter, helpdesk::list),
        O::V2CreateTicket => on(filter, helpdesk::create),
        O::V2SearchTickets => on(filter, helpdesk::search),
        O::V2GetTicket => on(filter, helpdesk::get),
        O::V2UpdateTicket => on(filter, helpdesk::update),
        O::V2ListTicketMessages => on(filter, helpdesk::messages),
        O::V2CreateTicketMessage => on(filter, helpdesk::create_message),
    }
}

/// The handler of an unpublished route, answering `filter`.
fn unpublished_endpoint(op: Unpublished, filter: MethodFilter) -> MethodRouter<AppState> {
    match op {
        Unpublished::CliPairingMe => on(filter, pairing::cli_pairing_me),
        Unpublished::CreateCliPairing => on(filter, pairing::create),
        Unpublished::ExchangeCliPairing => on(filter, pairing::exchange),
        Unpublished::RevokeCliPairing => on(filter, pairing::revoke),
    }
}

fn filter(m: Method) -> MethodFilter {
    match m {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    }
}

fn method_not_allowed(req: &Request) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
    .into_response()
}

/// The operations one route serves and whether each takes a multipart body.
type Shared = Arc<[(RouteOp, bool)]>;

/// Tags a request with the operation of its route. Operations sharing a method and path (the files-host
/// uploads) are told apart by a multipart body. (axum answers HEAD with a GET route, as its 405s' `Allow`
/// header says, so a HEAD request is its GET operation.)
async fn tag(shared: Shared, mut req: Request, next: Next) -> Response {
    let multipart = is_multipart(&req);
    let Some(&(op, _)) = shared
        .iter()
        .find(|(_, m)| *m == multipart)
        .or(shared.first())
    else {
        return ApiError::internal("a route has no operation").into_response();
    };
    req.extensions_mut().insert(op);
    next.run(req).await
}

/// One route of published operations: a method and path, and the operations sharing them.
struct Published {
    method: Method,
    path: &'static str,
    /// The first operation; it names the handler.
    id: OperationId,
    ops: Vec<(RouteOp, bool)>,
}

/// Every published operation, grouped by method and path, in the registry's order.
fn published_routes() -> Vec<Published> {
    let mut routes: Vec<Published> = Vec::new();
    for info in OPERATIONS {
        let op = (RouteOp::Api(info.id), info.multipart);
        match routes
            .iter_mut()
            .find(|r| r.method == info.method && r.path == info.full_path)
        {
            Some(r) => r.ops.push(op),
            None => routes.push(Published {
                method: info.method,
                path: info.full_path,
                id: info.id,
                ops: vec![op],
            }),
        }
    }
    routes
}

/// Unknown paths; the admin API keeps its own message.
async fn no_route(req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/_emulator") {
        return ApiError::not_found("RESOURCE_NOT_FOUND", "No such route").into_response();
    }
    ApiError::not_found(
        "RESOURCE_NOT_FOUND",
        format!("No route for {} {path}", req.method()),
    )
    .into_response()
}

/// A known path with a method it does not serve (404 in the admin API, as for unknown paths there).
async fn no_method(req: Request) -> Response {
    if req.uri().path().starts_with("/_emulator") {
        return ApiError::not_found("RESOURCE_NOT_FOUND", "No such route").into_response();
    }
    method_not_allowed(&req)
}

fn admin_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/_emulator/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .delete(admin::clear_faults),
        )
        .route("/_emulator/reset", post(admin::reset))
        .route("/_emulator/info", get(admin::info))
        .route("/_emulator/pairing", get(pairing::admin_list))
        .route(
            "/_emulator/pairing/{userCode}/{action}",
            post(pairing::admin_act),
        )
        .route("/_emulator/agents/{agentId}/leads", post(admin::add_lead))
        .route(
            "/_emulator/agents/{agentId}/conversations",
            post(admin::seed_conversations),
        )
}

/// `route` under the guard, its requests tagged with their operation first.
fn guarded(
    route: MethodRouter<AppState>,
    app: &AppState,
    shared: Shared,
) -> MethodRouter<AppState> {
    // The later layer runs first: tag, then guard, then the handler.
    route
        .route_layer(middleware::from_fn_with_state(app.clone(), guard))
        .route_layer(middleware::from_fn(move |req: Request, next: Next| {
            tag(shared.clone(), req, next)
        }))
}

pub(crate) fn router(app: AppState) -> Router {
    let mut api = Router::new();
    for r in published_routes() {
        let route = guarded(endpoint(r.id, filter(r.method)), &app, r.ops.into());
        api = api.route(r.path, route);
    }
    for &(op, method, path) in Unpublished::ALL {
        let shared: Shared = Arc::new([(RouteOp::Unpublished(op), false)]);
        let route = guarded(unpublished_endpoint(op, filter(method)), &app, shared);
        api = api.route(path, route);
    }
    let body_limit = app.max_upload.max(app.max_body) + 64 * 1024;
    api.merge(admin_routes())
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(app.clone(), envelope))
        .with_state(app)
}
