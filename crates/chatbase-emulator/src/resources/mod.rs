//! The resources as stored documents, below every handler: creating, loading and updating agents,
//! conversations and sources in a store transaction. v1, v2, the admin API and the demo seed share them
//! here instead of reaching into each other; nothing here knows about HTTP.

pub(crate) mod agents;
pub(crate) mod conversations;
pub(crate) mod sources;
