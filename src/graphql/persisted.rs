//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of a
//! document instead of the document; the first time, the server answers
//! `PersistedQueryNotFound` (code NOT_FOUND) and the client sends both, which the
//! server keeps in a bounded LRU cache. One cache serves HTTP and WebSocket
//! requests. A request over GET may only read, whether it carried its document or
//! only a hash of one.

use std::{
    num::NonZeroUsize,
    sync::{Mutex, MutexGuard, PoisonError},
};

use async_graphql::{
    ErrorExtensionValues, Request, ServerError, ServerResult, parser::types::ExecutableDocument,
};
use lru::LruCache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::documents;

/// The longest document that is kept; a longer one runs but is not stored, so the
/// cache's memory stays bounded by its entry count times this.
pub const MAX_STORED_QUERY_BYTES: usize = 64 * 1024;

/// The protocol's entry in a request's `extensions`.
#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// Document texts by the SHA-256 (lower-case hex) of their text.
pub struct PersistedQueries {
    stored: Mutex<LruCache<String, String>>,
}

impl PersistedQueries {
    /// A cache of `entries` documents (at least 1).
    pub fn new(entries: usize) -> Self {
        Self {
            stored: Mutex::new(LruCache::new(
                NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// Apollo's protocol on one request: a hash alone is replaced by the document
    /// stored under it; a document sent with its hash is stored (if short enough).
    /// A request without the extension passes unchanged.
    pub fn resolve(&self, mut request: Request) -> ServerResult<Request> {
        let Some(value) = request.extensions.remove("persistedQuery") else {
            return Ok(request);
        };
        let persisted: PersistedQuery = async_graphql::from_value(value).map_err(|_| {
            ServerError::new("Invalid \"PersistedQuery\" extension configuration.", None)
        })?;
        if persisted.version != 1 {
            return Err(ServerError::new(
                format!(
                    "Only the \"PersistedQuery\" extension of version \"1\" is supported, and the current version is \"{}\".",
                    persisted.version
                ),
                None,
            ));
        }
        if request.query.is_empty() {
            request.query = self
                .lock()
                .get(&persisted.sha256_hash)
                .cloned()
                .ok_or_else(not_found)?;
            return Ok(request);
        }
        if format!("{:x}", Sha256::digest(request.query.as_bytes())) != persisted.sha256_hash {
            return Err(ServerError::new("provided sha does not match query", None));
        }
        if request.query.len() <= MAX_STORED_QUERY_BYTES {
            self.lock()
                .put(persisted.sha256_hash, request.query.clone());
        }
        Ok(request)
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<String, String>> {
        self.stored.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Clients recognise the message; the code says what it means to us: the hash names
/// no stored document (yet), so send the document with it.
fn not_found() -> ServerError {
    coded(
        ServerError::new("PersistedQueryNotFound", None),
        "NOT_FOUND",
    )
}

fn coded(mut error: ServerError, code: &str) -> ServerError {
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// Refuses a document that writes when the request came over GET.
pub fn refuse_writes_over_get(document: &ExecutableDocument, over_get: bool) -> ServerResult<()> {
    if over_get && documents::writes(document) {
        let error = ServerError::new("mutations must be sent with POST", None);
        return Err(coded(error, "BAD_USER_INPUT"));
    }
    Ok(())
}
