//! What every operation meets before it runs, whatever carried it: the persisted-
//! query protocol, no writes over GET, the cap on selected fields; and the metrics
//! of each operation.
//!
//! HTTP requests meet them in `OperationRules::prepare`, before a schema without
//! extensions runs them. Once any extension is registered, async-graphql passes
//! every field of every response through each one (a boxed future per extension
//! and a lookup of the field's type per field): with them, a dashboard of 2,000
//! fields cost a third more instructions (bench/RESULTS.md). Subscriptions over
//! WebSocket arrive through async-graphql's protocol, where only an extension
//! sees them: `OverWebSocket` applies the same rules there.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use async_graphql::{
    Request, Response, ServerResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest, NextRequest,
    },
    parser::types::{DocumentOperations, ExecutableDocument},
};

use super::{
    documents::DocumentCache,
    limits,
    persisted::{self, PersistedQueries},
};
use crate::telemetry::{self, Metrics};

/// The rules and the metrics they report to.
pub struct OperationRules {
    pub metrics: Arc<Metrics>,
    pub max_fields: usize,
    pub persisted: PersistedQueries,
}

impl OperationRules {
    /// An HTTP request made ready to run: its persisted document resolved, its
    /// parsed document attached (from `documents`), or the error that answers it. A
    /// document that does not parse is left to the engine, which reports why.
    pub fn prepare(
        &self,
        documents: &DocumentCache,
        request: Request,
        over_get: bool,
    ) -> ServerResult<Request> {
        let mut request = self.persisted.resolve(request)?;
        documents.attach(&mut request);
        if let Ok(document) = request.parsed_query() {
            self.check(document, over_get)?;
        }
        Ok(request)
    }

    fn check(&self, document: &ExecutableDocument, over_get: bool) -> ServerResult<()> {
        persisted::refuse_writes_over_get(document, over_get)?;
        limits::refuse_oversized(document, self.max_fields)
    }

    /// Counts one answered operation (`operation`: its name, when it has one).
    pub fn record(&self, operation: Option<&str>, response: &Response, elapsed: Duration) {
        self.metrics
            .record_request(operation, telemetry::outcome(&response.errors), elapsed);
    }
}

/// The name of the operation `request` selects, as the engine chooses it: the one
/// it names, or the document's only operation.
pub fn operation_name(request: &mut Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(ToString::to_string)
        }
        _ => None,
    }
}

/// The rules as a schema extension, for the WebSocket schema.
pub struct OverWebSocket(pub Arc<OperationRules>);

impl ExtensionFactory for OverWebSocket {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OverWebSocketExtension {
            rules: self.0.clone(),
            operation: Mutex::default(),
        })
    }
}

struct OverWebSocketExtension {
    rules: Arc<OperationRules>,
    /// The operation's name, once the engine has chosen it.
    operation: Mutex<Option<String>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for OverWebSocketExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let operation = self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.rules
            .record(operation.as_deref(), &response, started.elapsed());
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, self.rules.persisted.resolve(request)?).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        // Never over GET: a socket is opened by a GET, but its operations are messages.
        self.rules.check(&document, false)?;
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        *self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = operation_name.map(str::to_owned);
        next.run(ctx, operation_name).await
    }
}
