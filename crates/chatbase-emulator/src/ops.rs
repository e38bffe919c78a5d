//! What a routed request is: the router tags every request it routes with a [`RouteOp`], an operation of
//! `chatbase_api`'s generated registry or one of the unpublished pairing routes, and the gateway reads the
//! tag (auth exemptions, fault targets, rate limits, the body check) instead of matching paths again.

use chatbase_api::operations::{Method, OperationId};

/// Operations the service answers outside the published specs, at the host root. `GET /api/cli-pairing/me`
/// is what the official CLI calls for `auth status`; the other three are its browser pairing login (create
/// a request, poll it, revoke the minted key on logout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unpublished {
    CliPairingMe,
    CreateCliPairing,
    ExchangeCliPairing,
    RevokeCliPairing,
}

impl Unpublished {
    /// Every unpublished route: `(operation, method, path)`.
    pub(crate) const ALL: &'static [(Unpublished, Method, &'static str)] = &[
        (
            Unpublished::CliPairingMe,
            Method::Get,
            "/api/cli-pairing/me",
        ),
        (
            Unpublished::CreateCliPairing,
            Method::Post,
            "/api/cli-pairing/create",
        ),
        (
            Unpublished::ExchangeCliPairing,
            Method::Post,
            "/api/cli-pairing/exchange",
        ),
        (
            Unpublished::RevokeCliPairing,
            Method::Post,
            "/api/cli-pairing/revoke",
        ),
    ];

    fn name(self) -> &'static str {
        match self {
            Unpublished::CliPairingMe => "getCliPairingMe",
            Unpublished::CreateCliPairing => "createCliPairing",
            Unpublished::ExchangeCliPairing => "exchangeCliPairing",
            Unpublished::RevokeCliPairing => "revokeCliPairing",
        }
    }
}

/// The operation a request was routed to, as a request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteOp {
    /// A published operation.
    Api(OperationId),
    /// A pairing route outside the specs.
    Unpublished(Unpublished),
}

impl RouteOp {
    /// The name fault rules target: the spec's operationId (v1 and v2 share some, e.g. `listConversations`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            RouteOp::Api(id) => id.operation_id(),
            RouteOp::Unpublished(u) => u.name(),
        }
    }

    /// Whether the request needs a key: health needs none, and pairing is how a client without a key gets one.
    pub(crate) fn needs_key(self) -> bool {
        !matches!(
            self,
            RouteOp::Api(OperationId::V2GetHealth)
                | RouteOp::Unpublished(
                    Unpublished::CreateCliPairing | Unpublished::ExchangeCliPairing
                )
        )
    }
}
