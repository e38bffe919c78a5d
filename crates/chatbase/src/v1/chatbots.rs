//! v1 chatbot handles: [`Chatbots`] (list, create), one [`Chatbot`] (settings, data,
//! conversations, leads, contacts, custom attributes, images), one [`Contact`] and the multipart
//! [`ImageUpload`] of an icon or profile picture.
//!
//! ```no_run
//! use chatbase::futures::TryStreamExt;
//!
//! # async fn demo(client: chatbase::Client) -> chatbase::Result<()> {
//! let bot = client.v1().chatbot("chatbot-id");
//! // Every lead (numbered pages of 100), then the first page of contacts.
//! let leads: Vec<_> = bot.list_leads().size(100).items().try_collect().await?;
//! let contacts = bot.list_contacts().per_page(50).first_page().await?;
//! println!("{} leads, {} contacts on page 1", leads.len(), contacts.items().len());
//! # Ok(()) }
//! ```

use std::sync::Arc;

use chatbase_api::v1::builder as b1;
use chatbase_api::v1::types as t1;

use crate::call::Call;
use crate::client::{Client, Op, Response};
use crate::error::Result;
use crate::options::RequestOptions;
use crate::upload::{Kind, Progress, UploadSource, part};

/// `/get-chatbots`, `/create-chatbot`.
#[derive(Debug, Clone, Copy)]
pub struct Chatbots<'c> {
    pub(super) client: &'c Client,
}

impl<'c> Chatbots<'c> {
    /// `listChatbots`: every chatbot of the account.
    ///
    /// `.send()` returns [`t1::ListChatbotsResponse`](crate::types::v1::ListChatbotsResponse).
    pub fn list(&self) -> Call<'c, b1::ListChatbots<'c>> {
        Call::new(self.client, self.client.inner.v1.list_chatbots())
    }

    /// `createChatbot`: creates a chatbot from text.
    ///
    /// `.send()` returns [`t1::CreateChatbotResponse`](crate::types::v1::CreateChatbotResponse).
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
    pub(super) client: &'c Client,
    pub(super) id: String,
}

impl<'c> Chatbot<'c> {
    fn v1(&self) -> &'c chatbase_api::v1::Client {
        &self.client.inner.v1
    }

    /// `deleteChatbot`: deletes the chatbot.
    ///
    /// `.send()` returns [`t1::MessageResponse`](crate::types::v1::MessageResponse).
    pub fn delete(&self) -> Call<'c, b1::DeleteChatbot<'c>> {
        Call::new(
            self.client,
            self.v1().delete_chatbot().chatbot_id(self.id.as_str()),
        )
    }

    /// `updateChatbotData` (retrains the chatbot). The wire body carries a chatbot id too; this
    /// handle's id is the one sent, whatever `body.chatbot_id` holds.
    ///
    /// `.send()` returns [`t1::UpdateChatbotDataResponse`](crate::types::v1::UpdateChatbotDataResponse).
    pub fn update_data(
        &self,
        mut body: t1::UpdateChatbotDataRequest,
    ) -> Call<'c, b1::UpdateChatbotData<'c>> {
        body.chatbot_id.clone_from(&self.id);
        Call::new(self.client, self.v1().update_chatbot_data().body(body))
    }

    /// `updateChatbotSettings`. The wire body carries a chatbot id too; this handle's id is the
    /// one sent, whatever `body.chatbot_id` holds.
    ///
    /// `.send()` returns [`t1::MessageResponse`](crate::types::v1::MessageResponse).
    pub fn update_settings(
        &self,
        mut body: t1::UpdateChatbotSettingsRequest,
    ) -> Call<'c, b1::UpdateChatbotSettings<'c>> {
        body.chatbot_id.clone_from(&self.id);
        Call::new(self.client, self.v1().update_chatbot_settings().body(body))
    }

    /// `listConversations` (paginated by `page`/`size`).
    ///
    /// `.send()` returns one page, [`t1::ListConversationsResponse`](crate::types::v1::ListConversationsResponse); `.items()` streams every [`t1::Conversation`](crate::types::v1::Conversation) across pages.
    pub fn list_conversations(&self) -> Call<'c, b1::ListConversations<'c>> {
        Call::new(
            self.client,
            self.v1().list_conversations().chatbot_id(self.id.as_str()),
        )
    }

    /// `listLeads` (paginated by `page`/`size`).
    ///
    /// `.send()` returns one page, [`t1::ListLeadsResponse`](crate::types::v1::ListLeadsResponse); `.items()` streams every [`t1::Lead`](crate::types::v1::Lead) across pages.
    pub fn list_leads(&self) -> Call<'c, b1::ListLeads<'c>> {
        Call::new(
            self.client,
            self.v1().list_leads().chatbot_id(self.id.as_str()),
        )
    }

    /// `listContacts` (paginated by `page`/`per_page`).
    ///
    /// `.send()` returns one page, [`t1::ListContactsResponse`](crate::types::v1::ListContactsResponse); `.items()` streams every [`t1::Contact`](crate::types::v1::Contact) across pages.
    pub fn list_contacts(&self) -> Call<'c, b1::ListContacts<'c>> {
        Call::new(
            self.client,
            self.v1().list_contacts().chatbot_id(self.id.as_str()),
        )
    }

    /// `createContacts` (1–1000 per request).
    ///
    /// `.send()` returns [`t1::CreateContactsResponse`](crate::types::v1::CreateContactsResponse).
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

    /// `listCustomAttributes`: the chatbot's custom contact attributes.
    ///
    /// `.send()` returns [`t1::ListCustomAttributesResponse`](crate::types::v1::ListCustomAttributesResponse).
    pub fn list_custom_attributes(&self) -> Call<'c, b1::ListCustomAttributes<'c>> {
        Call::new(
            self.client,
            self.v1()
                .list_custom_attributes()
                .chatbot_id(self.id.as_str()),
        )
    }

    /// `createCustomAttribute`: adds a custom contact attribute.
    ///
    /// `.send()` returns [`t1::CustomAttributeResponse`](crate::types::v1::CustomAttributeResponse).
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

    /// `updateCustomAttribute`: changes a custom contact attribute.
    ///
    /// `.send()` returns [`t1::CustomAttributeResponse`](crate::types::v1::CustomAttributeResponse).
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

    /// `deleteChatbotIcon`: removes the chatbot's icon.
    ///
    /// `.send()` returns [`t1::MessageResponse`](crate::types::v1::MessageResponse).
    pub fn delete_icon(&self) -> Call<'c, b1::DeleteChatbotIcon<'c>> {
        Call::new(
            self.client,
            self.v1().delete_chatbot_icon().chatbot_id(self.id.as_str()),
        )
    }

    /// `deleteChatbotProfilePicture`: removes the chatbot's profile picture.
    ///
    /// `.send()` returns [`t1::MessageResponse`](crate::types::v1::MessageResponse).
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
    pub(super) client: &'c Client,
    chatbot_id: String,
    pub(super) id: String,
}

impl<'c> Contact<'c> {
    /// `getContact`: one contact.
    ///
    /// `.send()` returns [`t1::ContactResponse`](crate::types::v1::ContactResponse).
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

    /// `updateContact`: changes a contact's fields.
    ///
    /// `.send()` returns [`t1::ContactResponse`](crate::types::v1::ContactResponse).
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

    /// `deleteContact`: deletes the contact.
    ///
    /// `.send()` returns [`t1::ContactResponse`](crate::types::v1::ContactResponse).
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
    pub(super) client: Client,
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
    crate::options::request_options!();

    /// Progress callback `(sent, total)`.
    pub fn progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Uploads the image; returns the server's [`t1::MessageResponse`](crate::types::v1::MessageResponse).
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
                Op::of(chatbase_api::operations::OperationId::V1UploadChatbotIcon),
            ),
            ImageSlot::ProfilePicture => (
                "upload-chatbot-profile-picture",
                "profilePictureFile",
                Op::of(chatbase_api::operations::OperationId::V1UploadChatbotProfilePicture),
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
