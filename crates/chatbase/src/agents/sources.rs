//! Source handles of one agent: [`Sources`] (list, create, summary, upload), one [`Source`]
//! and the multipart [`FileUpload`] to the files host.
//!
//! ```no_run
//! # async fn demo(client: chatbase::Client) -> chatbase::Result<()> {
//! let sources = client.agent("agent-id").sources();
//! // Streamed from disk, checked for type and size before anything is sent.
//! let created = sources
//!     .upload(chatbase::UploadSource::path("handbook.pdf"))
//!     .progress(|sent, total| eprintln!("{sent}/{total} bytes"))
//!     .send()
//!     .await?;
//! let summary = sources.summary().send().await?;
//! println!("uploaded {}; {summary:?}", created.id);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use chatbase_api::v2::builder as b2;
use chatbase_api::v2::types as t2;

use crate::call::Call;
use crate::client::{Client, Op, Response};
use crate::error::Result;
use crate::options::RequestOptions;
use crate::upload::{Kind, Progress, UploadSource, part};

/// `/agents/{agentId}/sources`.
#[derive(Debug, Clone)]
pub struct Sources<'c> {
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
}

impl<'c> Sources<'c> {
    /// `listSources` (paginated).
    ///
    /// `.send()` returns one page, [`t2::ListSourcesResponse`](crate::types::v2::ListSourcesResponse); `.items()` streams every [`t2::SourceListItem`](crate::types::v2::SourceListItem) across pages.
    pub fn list(&self) -> Call<'c, b2::ListSources<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .list_sources()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `createSource` (text, Q&A or link sources, JSON).
    ///
    /// `.send()` returns [`t2::SourceListItem`](crate::types::v2::SourceListItem).
    pub fn create(&self, body: t2::CreateSourceBody) -> Call<'c, b2::CreateSource<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .create_source()
                .agent_id(self.agent_id.as_str())
                .body(body),
        )
    }

    /// `getSourcesSummary`: counts and sizes of the agent's sources by type.
    ///
    /// `.send()` returns [`t2::SourcesSummaryResponse`](crate::types::v2::SourcesSummaryResponse).
    pub fn summary(&self) -> Call<'c, b2::GetSourcesSummary<'c>> {
        Call::new(
            self.client,
            self.client
                .inner
                .v2
                .get_sources_summary()
                .agent_id(self.agent_id.as_str()),
        )
    }

    /// `createFileSource`: uploads a PDF/DOC/DOCX/TXT file (≤ 20 MB) to the files host.
    pub fn upload(&self, source: UploadSource) -> FileUpload {
        FileUpload {
            client: self.client.clone(),
            agent_id: self.agent_id.clone(),
            source_id: None,
            name: None,
            file: Some(source),
            progress: None,
            options: RequestOptions::default(),
        }
    }
}

/// `/agents/{agentId}/sources/{sourceId}`.
#[derive(Debug, Clone)]
pub struct Source<'c> {
    pub(super) client: &'c Client,
    pub(super) agent_id: String,
    pub(super) id: String,
}

impl<'c> Source<'c> {
    fn v2(&self) -> &'c chatbase_api::v2::Client {
        &self.client.inner.v2
    }

    /// `getSource`: one source.
    ///
    /// `.send()` returns [`t2::SourceListItem`](crate::types::v2::SourceListItem).
    pub fn get(&self) -> Call<'c, b2::GetSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .get_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str()),
        )
    }

    /// `updateSource` (JSON sources).
    ///
    /// `.send()` returns [`t2::SourceListItem`](crate::types::v2::SourceListItem).
    pub fn update(&self, body: t2::UpdateSourceBody) -> Call<'c, b2::UpdateSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .update_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str())
                .body(body),
        )
    }

    /// `deleteSource`: marks the source for deletion.
    ///
    /// `.send()` returns [`t2::DeletedSourceListItem`](crate::types::v2::DeletedSourceListItem).
    pub fn delete(&self) -> Call<'c, b2::DeleteSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .delete_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str()),
        )
    }

    /// `restoreSource` (deprecated no-op upstream).
    ///
    /// `.send()` returns [`t2::DeprecatedEndpointResponse`](crate::types::v2::DeprecatedEndpointResponse).
    pub fn restore(&self) -> Call<'c, b2::RestoreSource<'c>> {
        Call::new(
            self.client,
            self.v2()
                .restore_source()
                .agent_id(self.agent_id.as_str())
                .source_id(self.id.as_str()),
        )
    }

    /// `updateFileSource`: replace the file and/or rename (set at least one).
    pub fn update_file(&self) -> FileUpload {
        FileUpload {
            client: self.client.clone(),
            agent_id: self.agent_id.clone(),
            source_id: Some(self.id.clone()),
            name: None,
            file: None,
            progress: None,
            options: RequestOptions::default(),
        }
    }
}

/// Multipart upload to the files host (`createFileSource` / `updateFileSource`).
#[derive(Clone)]
#[must_use = "an upload does nothing until `.send()` is awaited"]
pub struct FileUpload {
    pub(super) client: Client,
    pub(super) agent_id: String,
    source_id: Option<String>,
    name: Option<String>,
    file: Option<UploadSource>,
    progress: Option<Progress>,
    options: RequestOptions,
}

impl std::fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileUpload")
            .field("agent_id", &self.agent_id)
            .field("source_id", &self.source_id)
            .field("name", &self.name)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl FileUpload {
    crate::options::request_options!();

    /// Source name (default for new uploads: the file name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The file to send (replaces the file on updates).
    pub fn file(mut self, source: UploadSource) -> Self {
        self.file = Some(source);
        self
    }

    /// Progress callback `(sent, total)`.
    pub fn progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Uploads and returns the created/updated source.
    pub async fn send(self) -> Result<t2::SourceListItem> {
        Ok(self.send_with_response().await?.into_inner())
    }

    /// Like [`send`](Self::send), keeping status, headers and request id.
    pub async fn send_with_response(self) -> Result<Response<t2::SourceListItem>> {
        Ok(self
            .send_raw_with_response()
            .await?
            .map(crate::Raw::into_value))
    }

    /// Like [`send`](Self::send), returning the answer exactly as the server sent it.
    pub async fn send_raw(self) -> Result<crate::Raw<t2::SourceListItem>> {
        Ok(self.send_raw_with_response().await?.into_inner())
    }

    /// [`send_raw`](Self::send_raw), keeping status, headers and request id.
    pub async fn send_raw_with_response(self) -> Result<Response<crate::Raw<t2::SourceListItem>>> {
        if self.name.is_none() && self.file.is_none() {
            return Err(crate::Error::invalid(
                "a file source update needs a new name, a new file, or both",
            ));
        }
        if let Some(file) = &self.file {
            // Fail fast, before any connection is opened.
            crate::upload::check(Kind::Document, file)?;
        }
        let name = match (&self.name, &self.file, &self.source_id) {
            (Some(n), _, _) => Some(n.clone()),
            (None, Some(f), None) => Some(f.filename()),
            _ => None,
        };
        let base = format!(
            "{}/api/v2/agents/{}/sources",
            self.client.files_base_url(),
            crate::path(&self.agent_id)
        );
        let (url, op) = match &self.source_id {
            None => (
                base,
                Op::of(chatbase_api::operations::OperationId::V2CreateFileSource),
            ),
            Some(id) => (
                format!("{base}/{}", crate::path(id)),
                Op::of(chatbase_api::operations::OperationId::V2UpdateFileSource),
            ),
        };
        let is_update = self.source_id.is_some();
        let file = self.file.clone();
        let progress = self.progress.clone();
        self.client
            .run_json_raw::<t2::SourceListItem, _>(op, &self.options, |http| {
                let mut form = reqwest::multipart::Form::new();
                if let Some(n) = &name {
                    form = form.text("name", n.clone());
                }
                if let Some(f) = &file {
                    form = form.part("file", part(Kind::Document, f, progress.as_ref())?);
                }
                let rb = if is_update {
                    http.put(&url)
                } else {
                    http.post(&url)
                };
                Ok(rb.multipart(form))
            })
            .await
    }
}
