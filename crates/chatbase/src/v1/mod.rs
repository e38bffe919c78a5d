//! The v1 surface (`/api/v1`): chatbots, chat (raw text stream or JSON), conversations, leads,
//! contacts, custom attributes, and chatbot icon / profile-picture uploads. Handles only; the
//! request machinery is shared with v2 ([`crate::call`], [`crate::client`]). Chat (its builder, answer and
//! text stream) is in `chat`.

use std::sync::Arc;

use chatbase_api::v1::builder as b1;
use chatbase_api::v1::types as t1;

use crate::call::Call;
use crate::client::{Client, Op, RequestOptions, Response};
use crate::error::Result;
use crate::upload::{Kind, Progress, UploadSource, part};

mod chat;

pub use chat::{Role, TextStream, V1ChatAnswer, V1ChatCall};

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

/// `/get-chatbots`, `/create-chatbot`.
#[derive(Debug, Clone, Copy)]
pub struct Chatbots<'c> {
    client: &'c Client,
}

impl<'c> Chatbots<'c> {
    /// `listChatbots`.
    pub fn list(&self) -> Call<'c, b1::ListChatbots<'c>> {
        Call::new(self.client, self.client.inner.v1.list_chatbots())
    }

    /// `createChatbot`.
    pub fn create(&self, body: t1::CreateChatbotRequest) -> Call<'c, b1::CreateChatbot<'c>> {
        Call::new(
            self.client,
            self.client.inner.v1.create_chatbot().body(body),
        )
    }
}

/// Operations scoped to one chatbot.
#[derive(Debug, Clone)]
pub struct Chatbot<'c> {
    client: &'c Client,
    id: String,
}

impl<'c> Chatbot<'c> {
    fn v1(&self) -> &'c chatbase_api::v1::Client {
        &self.client.inner.v1
    }

    /// `deleteChatbot`.
    pub fn delete(&self) -> Call<'c, b1::DeleteChatbot<'c>> {
        Call::new(
            self.client,
            self.v1().delete_chatbot().chatbot_id(self.id.as_str()),
        )
    }

    /// `updateChatbotData` (retrains the chatbot). The wire body carries a chatbot id too; this
    /// handle's id is the one sent, whatever `body.chatbot_id` holds.
    pub fn update_data(
        &self,
        mut body: t1::UpdateChatbotDataRequest,
    ) -> Call<'c, b1::UpdateChatbotData<'c>> {
        body.chatbot_id.clone_from(&self.id);
        Call::new(self.client, self.v1().update_chatbot_data().body(body))
    }

    /// `updateChatbotSettings`. The wire body carries a chatbot id too; this handle's id is the
    /// one sent, whatever `body.chatbot_id` holds.
    pub fn update_settings(
        &self,
        mut body: t1::UpdateChatbotSettingsRequest,
    ) -> Call<'c, b1::UpdateChatbotSettings<'c>> {
        body.chatbot_id.clone_from(&self.id);
        Call::new(self.client, self.v1().update_chatbot_settings().body(body))
    }

    /// `listConversations` (paginated by `page`/`size`).
    pub fn conversations(&self) -> Call<'c, b1::ListConversations<'c>> {
        Call::new(
            self.client,
            self.v1().list_conversations().chatbot_id(self.id.as_str()),
        )
    }

    /// `listLeads` (paginated by `page`/`size`).
    pub fn leads(&self) -> Call<'c, b1::ListLeads<'c>> {
        Call::new(
            self.client,
            self.v1().list_leads().chatbot_id(self.id.as_str()),
        )
    }

    /// `listContacts` (paginated by `page`/`per_page`).
    pub fn contacts(&self) -> Call<'c, b1::ListContacts<'c>> {
        Call::new(
            self.client,
            self.v1().list_contacts().chatbot_id(self.id.as_str()),
        )
    }

    /// `createContacts` (1–1000 per request).
    pub fn create_contacts(
        &self,
        body: t1::CreateContactsRequest,
    ) -> Call<'c, b1::CreateContacts<'c>> {
        Call::new(
            self.client,
            self.v1()
                .create_contacts()
                .chatbot_id(self.id.as_str())
                .body(body),
        )
    }

    /// One contact.
    pub fn contact(&self, contact_id: impl Into<String>) -> Contact<'c> {
        Contact {
            client: self.client,
            chatbot_id: self.id.clone(),
            id: contact_id.into(),
        }
    }

    /// `listCustomAttributes`.
    pub fn custom_attributes(&self) -> Call<'c, b1::ListCustomAttributes<'c>> {
        Call::new(
            self.client,
            self.v1()
                .list_custom_attributes()
                .chatbot_id(self.id.as_str()),
        )
    }

    /// `createCustomAttribute`.
    pub fn create_custom_attribute(
        &self,
        body: t1::CreateCustomAttributeRequest,
    ) -> Call<'c, b1::CreateCustomAttribute<'c>> {
        Call::new(
            self.client,
            self.v1()
                .create_custom_attribute()
                .chatbot_id(self.id.as_str())
                .body(body),
        )
    }

    /// `updateCustomAttribute`.
    pub fn update_custom_attribute(
        &self,
        name: impl Into<String>,
        body: t1::UpdateCustomAttributeRequest,
    ) -> Call<'c, b1::UpdateCustomAttribute<'c>> {
        Call::new(
            self.client,
            self.v1()
                .update_custom_attribute()
                .chatbot_id(self.id.as_str())
                .name(name.into())
                .body(body),
        )
    }

    /// `deleteChatbotIcon`.
    pub fn delete_icon(&self) -> Call<'c, b1::DeleteChatbotIcon<'c>> {
        Call::new(
            self.client,
            self.v1().delete_chatbot_icon().chatbot_id(self.id.as_str()),
        )
    }

    /// `deleteChatbotProfilePicture`.
    pub fn delete_profile_picture(&self) -> Call<'c, b1::DeleteChatbotProfilePicture<'c>> {
        Call::new(
            self.client,
            self.v1()
                .delete_chatbot_profile_picture()
                .chatbot_id(self.id.as_str()),
        )
    }

    /// `uploadChatbotIcon` (square image under 1 MB).
    pub fn upload_icon(&self, image: UploadSource) -> ImageUpload {
        self.image_upload(image, ImageSlot::Icon)
    }

    /// `uploadChatbotProfilePicture` (square image under 1 MB).
    pub fn upload_profile_picture(&self, image: UploadSource) -> ImageUpload {
        self.image_upload(image, ImageSlot::ProfilePicture)
    }

    fn image_upload(&self, image: UploadSource, slot: ImageSlot) -> ImageUpload {
        ImageUpload {
            client: self.client.clone(),
            chatbot_id: self.id.clone(),
            image,
            slot,
            progress: None,
            options: RequestOptions::default(),
        }
    }
}

/// One v1 contact.
#[derive(Debug, Clone)]
pub struct Contact<'c> {
    client: &'c Client,
    chatbot_id: String,
    id: String,
}

impl<'c> Contact<'c> {
    /// `getContact`.
    pub fn get(&self) -> Call<'c, b1::GetContact<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v1
                .get_contact()
                .chatbot_id(self.chatbot_id.as_str())
                .contact_id(self.id.as_str()),
        )
    }

    /// `updateContact`.
    pub fn update(&self, body: t1::UpdateContactRequest) -> Call<'c, b1::UpdateContact<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v1
                .update_contact()
                .chatbot_id(self.chatbot_id.as_str())
                .contact_id(self.id.as_str())
                .body(body),
        )
    }

    /// `deleteContact`.
    pub fn delete(&self) -> Call<'c, b1::DeleteContact<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v1
                .delete_contact()
                .chatbot_id(self.chatbot_id.as_str())
                .contact_id(self.id.as_str()),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageSlot {
    Icon,
    ProfilePicture,
}

/// Multipart upload of a chatbot icon or profile picture.
#[derive(Clone)]
#[must_use = "an upload does nothing until `.send()` is awaited"]
pub struct ImageUpload {
    client: Client,
    chatbot_id: String,
    image: UploadSource,
    slot: ImageSlot,
    progress: Option<Progress>,
    options: RequestOptions,
}

impl std::fmt::Debug for ImageUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageUpload")
            .field("chatbot_id", &self.chatbot_id)
            .field("image", &self.image)
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

impl ImageUpload {
    /// Progress callback `(sent, total)`.
    pub fn progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Retries for this call only.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.options = self.options.max_retries(n);
        self
    }

    /// Uploads the image.
    pub async fn send(self) -> Result<t1::MessageResponse> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<t1::MessageResponse>> {
        Ok(self
            .send_raw_with_response()
            .await?
            .map(crate::Raw::into_value))
    }

    /// Like [`send`](Self::send), returning the answer exactly as the server sent it.
    pub async fn send_raw(self) -> Result<crate::Raw<t1::MessageResponse>> {
        Ok(self.send_raw_with_response().await?.into_inner())
    }

    /// [`send_raw`](Self::send_raw), keeping status, headers and request id.
    pub async fn send_raw_with_response(self) -> Result<Response<crate::Raw<t1::MessageResponse>>> {
        crate::upload::check(Kind::Image, &self.image)?;
        let (path, field, op) = match self.slot {
            ImageSlot::Icon => (
                "upload-chatbot-icon",
                "chatbotIconFile",
                Op::safe("uploadChatbotIcon"),
            ),
            ImageSlot::ProfilePicture => (
                "upload-chatbot-profile-picture",
                "profilePictureFile",
                Op::safe("uploadChatbotProfilePicture"),
            ),
        };
        let url = format!("{}/{path}", self.client.v1_base_url());
        let chatbot_id = self.chatbot_id.clone();
        let image = self.image.clone();
        let progress = self.progress.clone();
        self.client
            .run_json_raw::<t1::MessageResponse, _>(op, &self.options, |http| {
                let form = reqwest::multipart::Form::new()
                    .text("chatbotId", chatbot_id.clone())
                    .part(field, part(Kind::Image, &image, progress.as_ref())?);
                Ok(http.post(&url).multipart(form))
            })
            .await
    }
}
