//! Parsed documents, kept by their text. Clients send the same few documents again
//! and again with other variables; parsing one took a tenth of the service's CPU in
//! a permission check (bench/RESULTS.md), and the request's document was parsed
//! twice (once to learn whether it writes). A document found here is handed to the
//! engine ready-made; validation, the depth and directive limits and the field cap
//! still run on it for every request.

use std::{
    num::NonZeroUsize,
    sync::{Mutex, PoisonError},
};

use async_graphql::{
    Request,
    parser::{
        parse_query,
        types::{ExecutableDocument, OperationType},
    },
};
use lru::LruCache;

/// The longest document kept: the cache's memory is bounded by its entry count
/// times this (and what such a document parses into). Longer ones are parsed each
/// time, as without the cache.
pub const MAX_CACHED_DOCUMENT_BYTES: usize = 8 * 1024;

/// How many documents are kept: far more than a front end's set of queries, while
/// the worst case (every entry a document of the longest kept size) stays a few
/// tens of megabytes.
pub const CACHED_DOCUMENTS: NonZeroUsize = NonZeroUsize::new(256).expect("non-zero");

/// A bounded, least-recently-used set of parsed documents.
pub struct DocumentCache {
    parsed: Mutex<LruCache<String, ExecutableDocument>>,
}

impl DocumentCache {
    pub fn new(entries: NonZeroUsize) -> Self {
        Self {
            parsed: Mutex::new(LruCache::new(entries)),
        }
    }

    /// Gives `request` its parsed document, from the cache or parsed now (and kept).
    /// A document that does not parse is left to the engine, which reports why.
    pub fn attach(&self, request: &mut Request) {
        if let Some(document) = self.read(&request.query, ExecutableDocument::clone) {
            request.set_parsed_query(document);
        }
    }

    /// Whether `query` parses into a document holding anything but queries.
    pub fn writes(&self, query: &str) -> bool {
        self.read(query, writes).unwrap_or(false)
    }

    /// `look` at the parsed `query`, from the cache or parsed now (and kept); None
    /// when it does not parse.
    fn read<R>(&self, query: &str, look: impl Fn(&ExecutableDocument) -> R) -> Option<R> {
        if let Some(document) = self.lock().get(query) {
            return Some(look(document));
        }
        let document = parse_query(query).ok()?;
        let seen = look(&document);
        if query.len() <= MAX_CACHED_DOCUMENT_BYTES {
            self.lock().put(query.to_owned(), document);
        }
        Some(seen)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        self.parsed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether `document` holds an operation other than a query.
pub fn writes(document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .any(|(_, operation)| operation.node.ty != OperationType::Query)
}

/// Whether `request` may write: it holds a mutation, or its document is not known
/// yet (it does not parse, or comes later from the persisted-query cache), in which
/// case the answer must be the safe one.
pub fn may_write(request: &mut Request) -> bool {
    request.parsed_query().map_or(true, writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: usize) -> DocumentCache {
        DocumentCache::new(NonZeroUsize::new(entries).expect("non-zero"))
    }

    #[test]
    fn a_document_is_parsed_once_and_served_again() {
        let cache = cache(2);
        let mut first = Request::new("{ me { id } }");
        cache.attach(&mut first);
        assert_eq!(cache.lock().len(), 1);
        let mut second = Request::new("{ me { id } }");
        cache.attach(&mut second);
        assert_eq!(cache.lock().len(), 1);
        assert!(!may_write(&mut second));
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = cache(2);
        for field in ["a", "b", "c"] {
            cache.attach(&mut Request::new(format!("{{ {field} }}")));
        }
        assert_eq!(cache.lock().len(), 2);
        let long = format!("{{ {} }}", "x ".repeat(MAX_CACHED_DOCUMENT_BYTES));
        let mut request = Request::new(long);
        cache.attach(&mut request);
        assert!(request.parsed_query().is_ok());
        assert!(cache.lock().iter().all(|(query, _)| query.len() < 100));
    }

    #[test]
    fn what_does_not_parse_is_left_alone_and_counts_as_writing() {
        let cache = cache(2);
        let mut request = Request::new("{ me { ");
        cache.attach(&mut request);
        assert_eq!(cache.lock().len(), 0);
        assert!(may_write(&mut request));
        assert!(may_write(&mut Request::new("")));
        assert!(may_write(&mut Request::new("mutation { logout }")));
    }
}
