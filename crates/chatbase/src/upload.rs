//! Multipart upload bodies: file sources (PDF/DOC/DOCX/TXT, ≤ 20 MB) and v1 chatbot images.
//!
//! Files given by path are streamed from disk (never read whole into memory), checked locally
//! for size and type before anything is sent, and reopened for every attempt so uploads can be
//! retried. Which endpoint receives the body is decided by the resource handles.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::StreamExt;
use reqwest::multipart::Part;

use crate::error::{Error, Result};

/// Largest file source Chatbase accepts.
pub const MAX_FILE_SOURCE_BYTES: u64 = chatbase_api::file_sources::MAX_BYTES;

/// Smallest document the service accepts as a file source (50 bytes).
pub const MIN_FILE_SOURCE_BYTES: u64 = chatbase_api::file_sources::MIN_BYTES;
/// Largest v1 chatbot icon / profile picture.
pub const MAX_IMAGE_BYTES: u64 = 1024 * 1024;

/// Progress callback: `(bytes_sent, total_bytes)`. Called from the upload stream as bytes are
/// handed to the connection; on a retry it starts again from zero.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Where upload bytes come from.
#[derive(Clone)]
#[non_exhaustive]
pub enum UploadSource {
    /// A file on disk, streamed.
    Path(PathBuf),
    /// In-memory bytes with the file name to report.
    Bytes {
        /// File name sent in the multipart part (its extension decides the type).
        filename: String,
        /// The content.
        bytes: Bytes,
    },
}

impl fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            UploadSource::Bytes { filename, bytes } => f
                .debug_struct("Bytes")
                .field("filename", filename)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

impl UploadSource {
    /// A file on disk.
    pub fn path(p: impl Into<PathBuf>) -> Self {
        UploadSource::Path(p.into())
    }

    /// In-memory content.
    pub fn bytes(filename: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        UploadSource::Bytes {
            filename: filename.into(),
            bytes: bytes.into(),
        }
    }

    /// The file name sent to the server (the basename for paths).
    pub fn filename(&self) -> String {
        match self {
            UploadSource::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "upload".to_owned()),
            UploadSource::Bytes { filename, .. } => filename.clone(),
        }
    }

    fn len(&self) -> Result<u64> {
        match self {
            UploadSource::Path(p) => {
                let meta = std::fs::metadata(p).map_err(|e| io_context(p, e))?;
                if !meta.is_file() {
                    return Err(Error::invalid(format!(
                        "{} is not a regular file",
                        p.display()
                    )));
                }
                Ok(meta.len())
            }
            UploadSource::Bytes { bytes, .. } => Ok(bytes.len() as u64),
        }
    }
}

fn io_context(p: &Path, e: std::io::Error) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", p.display()),
    ))
}

/// What kind of upload, which fixes the allowed types and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Document,
    Image,
}

fn mime_for(kind: Kind, filename: &str) -> Option<&'static str> {
    let ext = Path::new(filename)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())?;
    match (kind, ext.as_str()) {
        // The service's table, shared with the emulator and `sources sync`.
        (Kind::Document, _) => chatbase_api::file_sources::media_type(filename),
        (Kind::Image, "png") => Some("image/png"),
        (Kind::Image, "jpg" | "jpeg") => Some("image/jpeg"),
        (Kind::Image, "gif") => Some("image/gif"),
        (Kind::Image, "webp") => Some("image/webp"),
        (Kind::Image, "svg") => Some("image/svg+xml"),
        _ => None,
    }
}

/// Validates type and size locally; returns (mime, length).
pub(crate) fn check(kind: Kind, src: &UploadSource) -> Result<(&'static str, u64)> {
    let name = src.filename();
    let mime = mime_for(kind, &name).ok_or_else(|| {
        Error::invalid(match kind {
            Kind::Document => format!(
                "`{name}`: unsupported file type; file sources must be {}",
                chatbase_api::file_sources::extension_list()
            ),
            Kind::Image => {
                format!("`{name}`: unsupported image type; use .png, .jpg, .gif, .webp or .svg")
            }
        })
    })?;
    let len = src.len()?;
    let max = match kind {
        Kind::Document => MAX_FILE_SOURCE_BYTES,
        Kind::Image => MAX_IMAGE_BYTES,
    };
    if len == 0 {
        return Err(Error::invalid(format!("`{name}` is empty")));
    }
    if kind == Kind::Document && len < MIN_FILE_SOURCE_BYTES {
        return Err(Error::invalid(format!(
            "`{name}` is {len} bytes; file sources must be at least {MIN_FILE_SOURCE_BYTES} bytes"
        )));
    }
    if len > max {
        return Err(Error::invalid(format!(
            "`{name}` is {len} bytes; the limit is {max} bytes ({} MB)",
            max / (1024 * 1024)
        )));
    }
    Ok((mime, len))
}

/// Builds a fresh multipart part (called once per attempt).
pub(crate) fn part(kind: Kind, src: &UploadSource, progress: Option<&Progress>) -> Result<Part> {
    let (mime, len) = check(kind, src)?;
    let filename = src.filename();
    let sent = Arc::new(AtomicU64::new(0));
    let progress = progress.cloned();
    let has_progress = progress.is_some();
    let report = move |n: usize| {
        if let Some(p) = &progress {
            let now = sent.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
            p(now.min(len), len);
        }
    };
    let part = match src {
        UploadSource::Path(p) => {
            let file = std::fs::File::open(p).map_err(|e| io_context(p, e))?;
            let reader = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
            let stream = reader.map(move |chunk| {
                if let Ok(c) = &chunk {
                    report(c.len());
                }
                chunk
            });
            Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
        }
        UploadSource::Bytes { bytes, .. } => {
            let bytes = bytes.clone();
            if has_progress {
                let once = futures::stream::once(async move {
                    report(bytes.len());
                    Ok::<Bytes, std::io::Error>(bytes)
                });
                Part::stream_with_length(reqwest::Body::wrap_stream(once), len)
            } else {
                Part::stream_with_length(reqwest::Body::from(bytes), len)
            }
        }
    };
    part.file_name(filename)
        .mime_str(mime)
        .map_err(|e| Error::invalid(format!("bad content type: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_types_and_sizes_are_checked_locally() {
        let doc = Bytes::from(vec![b'x'; 50]);
        assert!(check(Kind::Document, &UploadSource::bytes("a.PDF", doc.clone())).is_ok());
        assert!(check(Kind::Document, &UploadSource::bytes("a.docx", doc.clone())).is_ok());
        assert!(check(Kind::Document, &UploadSource::bytes("a.json", doc.clone())).is_ok());
        assert!(check(Kind::Document, &UploadSource::bytes("a.md", doc.clone())).is_err());
        let err = check(Kind::Document, &UploadSource::bytes("a.txt", &b"hello"[..])).unwrap_err();
        assert!(err.to_string().contains("at least 50 bytes"), "{err}");
        let err = check(Kind::Document, &UploadSource::bytes("a.exe", doc)).unwrap_err();
        assert!(
            err.to_string().contains(".pdf, .doc, .docx, .txt, .json"),
            "{err}"
        );
        let big = Bytes::from(vec![0u8; (MAX_FILE_SOURCE_BYTES + 1) as usize]);
        let err = check(Kind::Document, &UploadSource::bytes("a.txt", big)).unwrap_err();
        assert!(err.to_string().contains("limit is 20971520 bytes"), "{err}");
        assert!(check(Kind::Document, &UploadSource::bytes("a.txt", Bytes::new())).is_err());
        assert!(check(Kind::Image, &UploadSource::bytes("i.png", &b"x"[..])).is_ok());
        assert!(check(Kind::Image, &UploadSource::bytes("i.pdf", &b"x"[..])).is_err());
    }

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let err = check(Kind::Document, &UploadSource::path("/nonexistent/x.pdf")).unwrap_err();
        assert!(matches!(err, Error::Io(_)));
        assert!(err.to_string().contains("/nonexistent/x.pdf"));
    }

    #[test]
    fn filename_is_the_basename() {
        assert_eq!(
            UploadSource::path("/tmp/dir/report.pdf").filename(),
            "report.pdf"
        );
    }
}
