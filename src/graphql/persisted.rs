//! Automatic persisted queries (Apollo's protocol): a client sends the SHA-256 of a
//! document instead of the document; the first time, the server answers
//! `PersistedQueryNotFound` and the client sends both, which the server keeps in a
//! bounded LRU cache. async-graphql's extension does the protocol; this module bounds
//! what it stores, gives its errors the contract's codes, and keeps GET read-only.

use std::sync::Arc;

use async_graphql::{
    ErrorExtensionValues, Request, ServerError, ServerResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage},
    },
    parser::types::{ExecutableDocument, OperationType},
};

/// The longest document that is kept; a longer one runs but is not stored, so the
/// cache's memory stays bounded by its entry count times this.
pub const MAX_STORED_QUERY_BYTES: usize = 64 * 1024;

/// Marks a request that came over HTTP GET: it may only read, whether it carried
/// its document or only a hash of one.
#[derive(Clone, Copy, Debug)]
pub struct OverGet;

/// async-graphql's extension with an LRU cache of `entries` documents (at least 1).
pub fn cache(entries: usize) -> ApolloPersistedQueries<LruCacheStorage> {
    ApolloPersistedQueries::new(LruCacheStorage::new(entries.max(1)))
}

/// Registered before the cache, so it sees every request first and every answer last.
pub struct PersistedQueryRules;

impl ExtensionFactory for PersistedQueryRules {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PersistedQueryRules)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PersistedQueryRules {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if request.query.len() > MAX_STORED_QUERY_BYTES {
            request.extensions.remove("persistedQuery");
        }
        next.run(ctx, request).await.map_err(|mut error| {
            // Clients recognise the message; the code says what it means to us: the
            // hash names no stored document (yet), so send the document with it.
            if error.message == "PersistedQueryNotFound" {
                let mut extensions = ErrorExtensionValues::default();
                extensions.set("code", "NOT_FOUND");
                error.extensions = Some(extensions);
            }
            error
        })
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let writes = document
            .operations
            .iter()
            .any(|(_, operation)| operation.node.ty != OperationType::Query);
        if writes && ctx.data_opt::<OverGet>().is_some() {
            let mut error = ServerError::new("mutations must be sent with POST", None);
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", "BAD_USER_INPUT");
            error.extensions = Some(extensions);
            return Err(error);
        }
        Ok(document)
    }
}
