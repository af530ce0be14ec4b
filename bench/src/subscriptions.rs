//! `subscriptions`: measures GraphQL subscriptions on this machine. It starts the
//! service in process (one or two instances on one fresh database), signs in over
//! HTTP, subscribes over WebSocket like a client, and reports
//! - latency from an event's commit to its delivery (p50/p99), with the change made
//!   on the subscriber's instance and, on PostgreSQL, on a second instance;
//! - fan-out: one change delivered to many subscribers at once.
//!
//! "Commit" is the event's `createdAt`, stamped inside the transaction just before it
//! commits, so the latencies slightly overstate commit-to-delivery. Client, service
//! and database share the machine's CPUs.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use roster::{
    app::App,
    config::Config,
    domain::users,
    state::{AppState, Clock},
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::mpsc, sync::oneshot};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest},
};

const PASSWORD: &str = "bench password 2026";
const SUBSCRIBE: &str =
    "subscription($p: ID!) { projectEvents(projectId: $p) { id action createdAt } }";
const RENAME: &str =
    "mutation($id: ID!, $t: String!) { updateProject(id: $id, input: { title: $t }) { id } }";

#[derive(Parser, Debug)]
#[command(about = "Measure subscription latency and fan-out")]
struct Args {
    /// PostgreSQL server (a database is created and dropped); `sqlite` for an
    /// embedded file, one instance only.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    database: String,
    /// Changes measured one after the other for each latency row.
    #[arg(long, default_value_t = 300)]
    events: usize,
    /// Subscribers of the fan-out row.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Changes delivered to all of them.
    #[arg(long, default_value_t = 10)]
    fanout_events: usize,
}

#[derive(Parser)]
struct ServerArgs {
    #[command(flatten)]
    config: Config,
}

struct Server {
    address: String,
    state: AppState,
    _stop: oneshot::Sender<()>,
}

async fn start(database_url: &str) -> anyhow::Result<Server> {
    let config = ServerArgs::try_parse_from([
        "roster",
        "--database-url",
        database_url,
        "--jwt-secret",
        "bench secret that is long enough for HS256 signing",
        "--ws-max-connections-per-user",
        "100000",
        "--access-token-ttl-secs",
        "86400",
    ])?
    .config;
    let app = App::build(config, Clock::default()).await?;
    let state = app.state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    Ok(Server {
        address,
        state,
        _stop: stop,
    })
}

async fn graphql(
    server: &Server,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut request = reqwest::Client::new()
        .post(format!("http://{}/graphql", server.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let body: Value = request.send().await?.json().await?;
    if body.get("errors").is_some() {
        return Err(anyhow!("GraphQL errors: {body}"));
    }
    Ok(body["data"].clone())
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A signed-in connection with one `projectEvents` subscription.
async fn subscribe(server: &Server, token: &str, project: &str) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{}/graphql/ws", server.address).into_client_request()?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await?;
    match socket.next().await {
        Some(Ok(Message::Text(text))) if text.contains("connection_ack") => {}
        other => return Err(anyhow!("no connection_ack: {other:?}")),
    }
    let start = json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE, "variables": { "p": project } } });
    socket.send(Message::text(start.to_string())).await?;
    Ok(socket)
}

/// Waits for the next event and returns how long after its commit it arrived.
async fn next_latency(socket: &mut Socket) -> anyhow::Result<Duration> {
    loop {
        let message = socket.next().await.context("the socket closed")??;
        let Message::Text(text) = message else {
            continue;
        };
        let arrived = Utc::now();
        let message: Value = serde_json::from_str(&text)?;
        let created = message["payload"]["data"]["projectEvents"]["createdAt"]
            .as_str()
            .with_context(|| format!("not an event: {message}"))?;
        let created: DateTime<Utc> = created.parse()?;
        return Ok((arrived - created).to_std().unwrap_or_default());
    }
}

/// Signs in the admin and creates the project every change goes to.
async fn prepare(server: &Server) -> anyhow::Result<(String, String)> {
    users::create_superuser(&server.state, "admin", "admin@example.org", PASSWORD).await?;
    let login = graphql(
        server,
        None,
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
        json!({ "u": "admin", "p": PASSWORD }),
    )
    .await?;
    let token = login["login"]["accessToken"]
        .as_str()
        .context("a token")?
        .to_owned();
    let created = graphql(
        server,
        Some(&token),
        "mutation { createProject(input: { title: \"Bench\", type: PROJECT }) { id } }",
        json!({}),
    )
    .await?;
    let project = created["createProject"]["id"]
        .as_str()
        .context("an id")?
        .to_owned();
    Ok((token, project))
}

/// Latencies of `count` changes made on `writer`, seen by one subscriber on `reader`.
async fn latencies(
    reader: &Server,
    writer: &Server,
    token: &str,
    project: &str,
    count: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut socket = subscribe(reader, token, project).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut measured = Vec::with_capacity(count);
    for n in 0..count {
        graphql(
            writer,
            Some(token),
            RENAME,
            json!({ "id": project, "t": format!("latency {n}") }),
        )
        .await?;
        measured.push(next_latency(&mut socket).await?);
    }
    Ok(measured)
}

/// Per-subscriber latencies of `events` changes delivered to `subscribers` at once,
/// and the longest wait for the last subscriber of each.
async fn fan_out(
    server: &Server,
    token: &str,
    project: &str,
    subscribers: usize,
    events: usize,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    for _ in 0..subscribers {
        let mut socket = subscribe(server, token, project).await?;
        let sender = sender.clone();
        tokio::spawn(async move {
            while let Ok(latency) = next_latency(&mut socket).await {
                if sender.send(latency).is_err() {
                    return;
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut every = Vec::with_capacity(subscribers * events);
    let mut last = Vec::with_capacity(events);
    for n in 0..events {
        let sent = Instant::now();
        graphql(
            server,
            Some(token),
            RENAME,
            json!({ "id": project, "t": format!("fan-out {n}") }),
        )
        .await?;
        let mut slowest = Duration::ZERO;
        for _ in 0..subscribers {
            let latency = receiver.recv().await.context("a subscriber stopped")?;
            slowest = slowest.max(latency);
            every.push(latency);
        }
        last.push(slowest);
        settle(sent).await;
    }
    Ok((every, last))
}

/// Lets the machine settle between fan-out rounds.
async fn settle(since: Instant) {
    let spent = since.elapsed();
    tokio::time::sleep(spent.min(Duration::from_millis(500))).await;
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn row(label: &str, mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!(
        "| {label} | {} | {:.2} | {:.2} | {:.2} |",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    )
}

/// A fresh database URL, and what drops it afterwards.
async fn fresh_database(server_url: &str) -> anyhow::Result<(String, Option<String>)> {
    if server_url == "sqlite" {
        let path = std::env::temp_dir().join(format!(
            "roster-bench-subs-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        return Ok((format!("sqlite://{}?mode=rwc", path.display()), None));
    }
    let name = format!("roster_bench_subs_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(format!("{server_url}/postgres")).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    Ok((format!("{server_url}/{name}"), Some(name)))
}

async fn drop_database(server_url: &str, name: &str) -> anyhow::Result<()> {
    let admin = sea_orm::Database::connect(format!("{server_url}/postgres")).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (url, created) = fresh_database(&args.database).await?;
    let first = start(&url).await?;
    let (token, project) = prepare(&first).await?;
    let mut rows = vec![
        "| Measurement | Samples | p50 (ms) | p99 (ms) | max (ms) |".to_owned(),
        "|---|---:|---:|---:|---:|".to_owned(),
    ];
    let one = latencies(&first, &first, &token, &project, args.events).await?;
    rows.push(row("commit → delivery, 1 instance", one));
    if created.is_some() {
        let second = start(&url).await?;
        let two = latencies(&first, &second, &token, &project, args.events).await?;
        rows.push(row(
            "commit → delivery, 2 instances (change on the other)",
            two,
        ));
    }
    let (every, last) = fan_out(
        &first,
        &token,
        &project,
        args.subscribers,
        args.fanout_events,
    )
    .await?;
    rows.push(row(
        &format!("fan-out to {}: each subscriber", args.subscribers),
        every,
    ));
    rows.push(row(
        &format!(
            "fan-out to {}: the last subscriber of each change",
            args.subscribers
        ),
        last,
    ));
    println!("{}", rows.join("\n"));
    if let Some(name) = created {
        drop(first);
        drop_database(&args.database, &name).await?;
    }
    Ok(())
}
