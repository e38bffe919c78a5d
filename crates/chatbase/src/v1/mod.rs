//! The v1 surface (`/api/v1`): chatbots, chat (raw text stream or JSON), conversations, leads,
//! contacts, custom attributes, and chatbot icon / profile-picture uploads. Handles only; the
//! request machinery is shared with v2 ([`crate::call`], [`crate::client`]). Chat (its builder, answer and
//! text stream) is in `chat`.

use crate::client::Client;

mod chat;
mod chatbots;

pub use chat::{Role, TextStream, V1ChatAnswer, V1ChatCall};
pub use chatbots::{Chatbot, Chatbots, Contact, ImageUpload};

impl Client {
    /// The v1 API.
    pub fn v1(&self) -> V1<'_> {
        V1 { client: self }
    }
}

/// Entry point of the v1 API.
#[derive(Debug, Clone, Copy)]
pub struct V1<'c> {
    client: &'c Client,
}

impl<'c> V1<'c> {
    /// The chatbots collection.
    pub fn chatbots(&self) -> Chatbots<'c> {
        Chatbots {
            client: self.client,
        }
    }

    /// One chatbot.
    pub fn chatbot(&self, chatbot_id: impl Into<String>) -> Chatbot<'c> {
        Chatbot {
            client: self.client,
            id: chatbot_id.into(),
        }
    }

    /// `chat`: message a chatbot (send the whole history each time; v1 keeps no context).
    pub fn chat(&self, chatbot_id: impl Into<String>) -> V1ChatCall {
        V1ChatCall::new(self.client.clone(), chatbot_id.into())
    }
}
