//! Builds the service from a configuration: the database connection, the schema and
//! the axum router with its limits, logging and CORS. `main` and the tests use the
//! same `App::build`.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use async_graphql::{
    BatchRequest, BatchResponse, Response as GraphQLResult, ServerError,
    futures_util::future::join_all,
};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::{
    Json, Router,
    extract::{ConnectInfo, State, WebSocketUpgrade},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use ipnet::IpNet;
use migration::{Migrator, MigratorTrait};
use rand::RngCore;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::watch;
use tower::ServiceBuilder;
use tower_http::{
    cors::{AllowOrigin, Any, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{
    admission::{Admission, Refusal},
    auth::{Viewer, jwt::JwtKeys, seal::Sealer, viewer_cache::Unconfirmed},
    config::Config,
    domain::{sessions, settings::registry::Registry},
    error::AppResult,
    graphql::{
        self, Schemas,
        batching::Batching,
        documents::{self, DocumentCache},
        loaders, rules,
    },
    mail, pages, playground,
    realtime::{self, Hub, source::Source},
    state::{AppState, Clock},
    telemetry::Metrics,
};

/// The `extensions.code` of a request turned away by admission control.
pub const OVERLOADED: &str = "OVERLOADED";

/// Seconds a refused client is asked to wait: about the time the queue takes to
/// drain when it is full.
const RETRY_AFTER_SECS: &str = "1";

/// The address of the client, after the trusted-proxy rule.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

pub struct App {
    pub state: AppState,
    pub router: Router,
    /// Where committed events come from, until `serve` starts following it.
    events: Source,
}

/// Planner settings for each of the service's PostgreSQL sessions, all for the same
/// kind of work: many small statements at once, each reading a few hundred rows by
/// key from a cached working set (bench/RESULTS.md has the measurements).
/// - `jit`: access statements have row estimates far above their real size, enough
///   to be JIT-compiled: tens of milliseconds spent on statements that run in one.
/// - `max_parallel_workers_per_gather`: a parallel plan takes cores from the other
///   requests; the members page ran as a parallel sequential scan of the closure
///   table in 50 ms instead of 8 ms by its index.
/// - `random_page_cost`: the default (4) prices a lookup by key as a disk seek, so
///   a few hundred lookups look dearer than reading a whole table: the chain
///   statement hash-joined all of `projects` (13 ms) instead of 2 ms by key.
pub const POSTGRES_SESSION_SETTINGS: [(&str, &str); 3] = [
    ("jit", "off"),
    ("max_parallel_workers_per_gather", "0"),
    ("random_page_cost", "1.1"),
];

/// How long a pooled connection may sit idle before it is pinged when taken out
/// again. A ping on every checkout (sqlx's default) is a round trip to the database
/// before each statement; without it a permission check costs PostgreSQL 10–15% less.
/// Connections that idle this long are the ones a server, proxy or firewall may have
/// dropped; one that breaks in use fails its statement and is closed on release.
const PING_CONNECTIONS_IDLE_FOR: Duration = Duration::from_secs(30);

/// Opens the database pool the configuration names.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    connect_with(config, |_| {}).await
}

async fn connect_with(
    config: &Config,
    adjust: impl FnOnce(&mut ConnectOptions),
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.db_pool_size())
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(PING_CONNECTIONS_IDLE_FOR)
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|options| options.options(POSTGRES_SESSION_SETTINGS));
    adjust(&mut options);
    Database::connect(options)
        .await
        .with_context(|| "DATABASE_URL: cannot connect to the database".to_owned())
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

impl App {
    /// Connects, migrates (when `auto_migrate`), and assembles the router.
    pub async fn build(config: Config, clock: Clock) -> anyhow::Result<Self> {
        config.validate()?;
        // Before touching the database: a bad settings file is an operator's typo.
        let settings = Registry::load(
            config.invitation_expiry_days,
            config.settings_file.as_deref(),
        )?;
        let metrics = Arc::new(Metrics::new()?);
        let (events, watch_commits) = Source::new(&config);
        let mut db = connect_with(&config, watch_commits).await?;
        metrics.observe(&mut db);
        if config.auto_migrate {
            migrate(&db).await?;
        }
        let secret = match &config.jwt_secret {
            Some(secret) => secret.as_bytes().to_vec(),
            // `serve` warns about this; other commands issue no tokens.
            None => {
                let mut secret = vec![0u8; 64];
                rand::rng().fill_bytes(&mut secret);
                secret
            }
        };
        let hub = Hub::new(config.subscription_buffer as usize, metrics.clone());
        let admission = Arc::new(Admission::new(
            config.concurrent_requests(),
            config.max_queued_requests as usize,
            config.max_queue_wait(),
        ));
        let state = AppState {
            admission,
            viewers: Arc::default(),
            db,
            config: Arc::new(config),
            jwt: Arc::new(JwtKeys::new(&secret)),
            sealer: Arc::new(Sealer::from_secret(&secret)),
            clock,
            mail_queued: Arc::default(),
            settings: Arc::new(settings),
            realtime: Arc::new(hub),
            metrics,
        };
        let router = router(state.clone())?;
        Ok(Self {
            state,
            router,
            events,
        })
    }

    /// Serves until `shutdown` completes, then drains the requests in flight.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop, stopped) = watch::channel(());
        let sender = mail::Sender::from_config(&self.state)?
            .map(|sender| tokio::spawn(sender.run(stopped.clone())));
        let events = tokio::spawn(realtime::source::run(
            self.events,
            self.state.db.clone(),
            self.state.realtime.clone(),
            self.state.metrics.clone(),
            stopped.clone(),
        ));
        let upkeep = tokio::spawn(metrics_upkeep(self.state.metrics.clone(), stopped));
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let realtime = self.state.realtime.clone();
        let served = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = stop.send(());
                // WebSocket connections outlive their HTTP request: end them too.
                realtime.close();
            })
            .await
            .context("serving HTTP");
        if let Some(sender) = sender {
            let _ = sender.await;
        }
        let _ = upkeep.await;
        let _ = events.await;
        served
    }
}

/// Folds recorded latencies into their buckets every few seconds until shutdown.
async fn metrics_upkeep(metrics: Arc<Metrics>, mut stopped: watch::Receiver<()>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = every.tick() => metrics.run_upkeep(),
            _ = stopped.changed() => return,
        }
    }
}

struct Http {
    state: AppState,
    schemas: Schemas,
    documents: DocumentCache,
}

fn router(state: AppState) -> anyhow::Result<Router> {
    let config = state.config.clone();
    let http = Arc::new(Http {
        schemas: graphql::build_schemas(state.clone()),
        state: state.clone(),
        documents: DocumentCache::new(documents::CACHED_DOCUMENTS),
    });
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<_>| {
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            // The path only: a query string may carry a token. So may a page's path.
            let path = pages::redact_path(request.uri().path());
            tracing::info_span!("request", id = %request_id, method = %request.method(), path = %path)
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(trace)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(cors(&config.cors_origins)?)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(RequestBodyLimitLayer::new(usize::try_from(
            config.body_limit_bytes,
        )?));
    Ok(Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(playground::routes())
        .merge(pages::router(state))
        .with_state(http)
        .layer(middleware))
}

fn cors(origins: &[String]) -> anyhow::Result<CorsLayer> {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(3600));
    if origins.iter().any(|origin| origin.trim() == "*") {
        return Ok(layer.allow_origin(Any));
    }
    let origins = origins
        .iter()
        .map(|origin| HeaderValue::from_str(origin.trim()))
        .collect::<Result<Vec<_>, _>>()
        .context("ROSTER_CORS_ORIGINS")?;
    Ok(layer.allow_origin(AllowOrigin::list(origins)))
}

async fn readyz(State(http): State<Arc<Http>>) -> Response {
    match http.state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(http): State<Arc<Http>>) -> Response {
    let text = http
        .state
        .metrics
        .render(&http.state.db, &http.state.admission);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

async fn graphql_get(
    State(http): State<Arc<Http>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && uri.query().is_none() {
        return playground::page();
    }
    let request = match async_graphql::http::parse_query_string(uri.query().unwrap_or_default()) {
        Ok(request) => request,
        Err(error) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &error.to_string(),
                "BAD_USER_INPUT",
            );
        }
    };
    // A GET can be triggered cross-site and cached, so it may only read (a persisted
    // document, known only later, is held to that by `OperationRules::prepare`).
    if http.documents.writes(&request.query) {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST",
            "BAD_USER_INPUT",
        );
    }
    execute(&http, peer, &headers, BatchRequest::Single(request), true).await
}

async fn graphql_post(
    State(http): State<Arc<Http>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
) -> Response {
    execute(&http, peer, &headers, request.into_inner(), false).await
}

async fn graphql_ws(
    State(http): State<Arc<Http>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = realtime::ws::protocol(&headers) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws protocol (Sec-WebSocket-Protocol)",
            "BAD_USER_INPUT",
        );
    };
    let client = client_address(peer, &headers, &http.state.config.trusted_proxies);
    let (schema, state) = (http.schemas.websocket.clone(), http.state.clone());
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| realtime::ws::serve(socket, schema, state, protocol, client))
}

async fn execute(
    http: &Http,
    peer: SocketAddr,
    headers: &HeaderMap,
    batch: BatchRequest,
    over_get: bool,
) -> Response {
    let started = Instant::now();
    let token = match bearer_token(headers) {
        Ok(token) => token,
        Err(()) => {
            http.state
                .metrics
                .record_request(None, "UNAUTHENTICATED", started.elapsed());
            let mut response = error_response(
                StatusCode::UNAUTHORIZED,
                "malformed Authorization header: send `Bearer <token>` or `Token <token>`",
                "UNAUTHENTICATED",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() as u64 > http.state.config.max_batch_size
    {
        let message = format!(
            "at most {} operations per batch",
            http.state.config.max_batch_size
        );
        return error_response(StatusCode::BAD_REQUEST, &message, "BAD_USER_INPUT");
    }
    // Held until the answer is serialised: what a request holds in memory is bounded
    // by the requests executing, not by the clients connected.
    let _admitted = match http.state.admission.admit().await {
        Ok(admitted) => admitted,
        Err(refusal) => return overloaded(http, refusal, started),
    };
    let client = ClientAddr(client_address(
        peer,
        headers,
        &http.state.config.trusted_proxies,
    ));
    let operations = Operations::prepare(http, batch, over_get);
    let response = match answer(http, token, client, operations).await {
        Ok(response) => response,
        Err(error) => {
            http.state
                .metrics
                .record_request(None, error.code(), started.elapsed());
            let error: async_graphql::Error = error.into();
            GraphQLResult::from_errors(vec![error.into_server_error(Default::default())]).into()
        }
    };
    GraphQLResponse::from(response).into_response()
}

/// Authenticates and runs the operations. A request that only reads may run as a
/// viewer guessed from the cache; the guess is settled before the answer leaves, and
/// a wrong one runs the operations again as the viewer the token stands for now.
async fn answer(
    http: &Http,
    token: Option<&str>,
    client: ClientAddr,
    mut operations: Operations,
) -> AppResult<BatchResponse> {
    let Some(token) = token else {
        return Ok(operations
            .run(http, Viewer::anonymous(), client, None)
            .await);
    };
    // A request that may write is never run on an unconfirmed viewer: it could not
    // be run again.
    if operations.may_write() {
        let viewer = sessions::authenticate(&http.state, token).await?;
        return Ok(operations.run(http, viewer, client, None).await);
    }
    let (viewer, guess) = sessions::authenticate_to_read(&http.state, token).await?;
    let Some(guess) = guess else {
        return Ok(operations.run(http, viewer, client, None).await);
    };
    let again = operations.copy(&http.documents);
    let response = operations.run(http, viewer, client, Some(&guess)).await;
    Ok(match sessions::settle(&http.state, token, &guess).await? {
        None => response,
        Some(viewer) => again.run(http, viewer, client, None).await,
    })
}

/// One operation of a request: ready to run, or already answered by a refusal.
enum Operation {
    Ready(Box<async_graphql::Request>),
    Refused(ServerError),
}

/// The operations of one HTTP request, in order.
struct Operations {
    items: Vec<Operation>,
    /// Sent as a batch (a JSON array), and so answered as one.
    batch: bool,
}

impl Operations {
    /// Each request of `batch` through the rules (`OperationRules::prepare`).
    fn prepare(http: &Http, batch: BatchRequest, over_get: bool) -> Self {
        let (requests, batch) = match batch {
            BatchRequest::Single(request) => (vec![request], false),
            BatchRequest::Batch(requests) => (requests, true),
        };
        let rules = &http.schemas.rules;
        let items = requests
            .into_iter()
            .map(
                |request| match rules.prepare(&http.documents, request, over_get) {
                    Ok(ready) => Operation::Ready(Box::new(ready)),
                    Err(refusal) => Operation::Refused(refusal),
                },
            )
            .collect();
        Self { items, batch }
    }

    /// Whether any operation that will run may write (see `documents::may_write`).
    fn may_write(&mut self) -> bool {
        self.items.iter_mut().any(|operation| match operation {
            Operation::Ready(request) => documents::may_write(request),
            Operation::Refused(_) => false,
        })
    }

    /// A copy not yet executed, to run again (request data is added per run).
    fn copy(&self, documents: &DocumentCache) -> Self {
        let copy_one = |operation: &Operation| match operation {
            Operation::Ready(request) => {
                let mut copy = async_graphql::Request::new(request.query.clone())
                    .variables(request.variables.clone());
                copy.operation_name = request.operation_name.clone();
                copy.extensions = request.extensions.clone();
                documents.attach(&mut copy);
                Operation::Ready(Box::new(copy))
            }
            Operation::Refused(refusal) => Operation::Refused(refusal.clone()),
        };
        Self {
            items: self.items.iter().map(copy_one).collect(),
            batch: self.batch,
        }
    }

    /// Executes the operations together as `viewer` (answered in order), each with
    /// its own loaders, and counts each in the metrics.
    async fn run(
        self,
        http: &Http,
        viewer: Viewer,
        client: ClientAddr,
        guess: Option<&Arc<Unconfirmed>>,
    ) -> BatchResponse {
        let viewer = viewer.from_address(client.0);
        let batching = Batching::default();
        let run = Run {
            http,
            viewer: &viewer,
            client,
            guess,
            batching: &batching,
        };
        let answers = self
            .items
            .into_iter()
            .map(|operation| run.answer(operation));
        let mut responses = batching.drive(join_all(answers)).await;
        if self.batch {
            return BatchResponse::Batch(responses);
        }
        BatchResponse::Single(responses.pop().unwrap_or_default())
    }
}

/// What one run of a request's operations shares.
#[derive(Clone, Copy)]
struct Run<'a> {
    http: &'a Http,
    viewer: &'a Viewer,
    client: ClientAddr,
    guess: Option<&'a Arc<Unconfirmed>>,
    batching: &'a Batching,
}

impl Run<'_> {
    /// Executes one operation (or answers its refusal) and counts it.
    async fn answer(self, operation: Operation) -> GraphQLResult {
        let started = Instant::now();
        let (name, mut response) = match operation {
            Operation::Refused(refusal) => (None, GraphQLResult::from_errors(vec![refusal])),
            Operation::Ready(request) => {
                let mut request = *request;
                let name = rules::operation_name(&mut request);
                let state = &self.http.state;
                loaders::attach(
                    &mut request.data,
                    state,
                    self.viewer,
                    self.guess,
                    self.batching,
                );
                let request = request.data(self.viewer.clone()).data(self.client);
                (name, self.http.schemas.http.execute(request).await)
            }
        };
        tag_errors(&mut response.errors);
        let rules = &self.http.schemas.rules;
        rules.record(name.as_deref(), &response, started.elapsed());
        response
    }
}

/// HTTP 503 with `Retry-After` for a request the gate turned away.
fn overloaded(http: &Http, refusal: Refusal, started: Instant) -> Response {
    let metrics = &http.state.metrics;
    metrics.record_refusal(refusal);
    metrics.record_request(None, OVERLOADED, started.elapsed());
    let mut response = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "the service is busy: retry after the time in Retry-After",
        OVERLOADED,
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECS),
    );
    response
}

/// Errors raised by the GraphQL engine itself (parse, validation, limits, argument
/// coercion) carry no code; they are all the client's input.
fn tag_errors(errors: &mut [ServerError]) {
    for error in errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
}

fn error_response(status: StatusCode, message: &str, code: &str) -> Response {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// The token of an `Authorization: Bearer …` or `Token …` header. `Err` when the
/// header is there but malformed.
fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(())?;
    let token = token.trim();
    let known_scheme =
        scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    if !known_scheme || token.is_empty() || token.contains(char::is_whitespace) {
        return Err(());
    }
    Ok(Some(token))
}

/// The client's address: the peer's, unless the peer is a trusted proxy, in which
/// case the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    let mut address = peer.ip().to_canonical();
    if !is_trusted(&address) {
        return address;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for entry in forwarded.iter().rev() {
        let Ok(hop) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        address = hop.to_canonical();
        if !is_trusted(&address) {
            break;
        }
    }
    address
}
