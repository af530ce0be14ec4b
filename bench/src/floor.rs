//! `floor`: the least an HTTP service can do per request while running a scenario's
//! SQL. It answers every POST with a fixed body after running the statements of a
//! pgbench script (`bench/sql/*.sql`) on a sqlx pool set up as the service's is: no
//! GraphQL, no token, no decoding. Driven by the same wrk as the service, its ratio
//! to pgbench is the ceiling any service on this machine can reach with that SQL
//! (bench/RESULTS.md, seventh round).

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use anyhow::{Context, bail};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use clap::Parser;
use sea_orm::sqlx::{
    AssertSqlSafe, ConnectOptions, Executor, PgConnection, PgPool,
    postgres::{PgArguments, PgConnectOptions, PgPoolOptions},
    query::Query,
};
use tokio::sync::Semaphore;
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(about = "Answer POSTs with a fixed body after running a pgbench script's SQL")]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value = "127.0.0.1:18090")]
    listen: SocketAddr,
    /// A pgbench script: statements ending in `;`, `-- ` comment lines, `:name`
    /// variables.
    #[arg(long)]
    sql: PathBuf,
    /// The script's variables, `name=value`, as pgbench's `-D`: a UUID or an RFC 3339
    /// instant is bound with its own type, as the service binds it.
    #[arg(short = 'D', long = "define")]
    defines: Vec<String>,
    /// The body of every answer.
    #[arg(long)]
    answer: PathBuf,
    /// The pool's size (the service's default on PostgreSQL: 10).
    #[arg(long, default_value_t = 10)]
    pool: u32,
    /// Hold the connections in a pool of this program's, which hands a connection
    /// back without sqlx's ping on release (a round trip per request).
    #[arg(long)]
    no_release_ping: bool,
}

/// A value bound to a statement's parameter.
#[derive(Clone, Debug)]
enum Value {
    Uuid(Uuid),
    Instant(DateTime<Utc>),
    Text(String),
}

impl Value {
    fn parse(text: &str) -> Self {
        if let Ok(uuid) = Uuid::parse_str(text) {
            Self::Uuid(uuid)
        } else if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
            Self::Instant(instant.with_timezone(&Utc))
        } else {
            Self::Text(text.to_owned())
        }
    }
}

/// One statement of the script with `$n` for its variables, and their values in order.
struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    fn query(&self) -> Query<'_, sea_orm::sqlx::Postgres, PgArguments> {
        self.values.iter().fold(
            sea_orm::sqlx::query(AssertSqlSafe(self.sql.as_str())),
            |query, value| match value {
                Value::Uuid(uuid) => query.bind(*uuid),
                Value::Instant(instant) => query.bind(*instant),
                Value::Text(text) => query.bind(text.clone()),
            },
        )
    }
}

/// Splits a pgbench script into statements, each with its `:name` variables turned
/// into `$1`, `$2`, … and their values in that order.
fn statements(script: &str, defines: &[(String, Value)]) -> anyhow::Result<Vec<Statement>> {
    let text: String = script
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut parsed = Vec::new();
    for chunk in text
        .split(';')
        .map(str::trim)
        .filter(|chunk| !chunk.is_empty())
    {
        let (mut sql, mut values) = (chunk.to_owned(), Vec::new());
        // Longest names first, so that `:user_id` is not taken for `:user`.
        let mut by_length: Vec<&(String, Value)> = defines.iter().collect();
        by_length.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in by_length {
            let placeholder = format!(":{name}");
            if sql.contains(&placeholder) {
                values.push(value.clone());
                sql = sql.replace(&placeholder, &format!("${}", values.len()));
            }
        }
        parsed.push(Statement { sql, values });
    }
    if parsed.is_empty() {
        bail!("the script holds no statement");
    }
    Ok(parsed)
}

/// Connections taken out and put back with no round trip: a semaphore counts the
/// idle ones. A connection whose statement failed is dropped and not replaced; a
/// request that then finds none idle fails (500, counted as an error by wrk's script).
struct Held {
    idle: Mutex<Vec<PgConnection>>,
    available: Semaphore,
}

enum Connections {
    Sqlx(PgPool),
    Held(Held),
}

struct Floor {
    connections: Connections,
    statements: Vec<Statement>,
    answer: Bytes,
}

impl Floor {
    async fn run(&self) -> Result<(), sea_orm::sqlx::Error> {
        match &self.connections {
            Connections::Sqlx(pool) => {
                for statement in &self.statements {
                    pool.fetch_all(statement.query()).await?;
                }
            }
            Connections::Held(held) => {
                let closed = || sea_orm::sqlx::Error::PoolClosed;
                let _permit = held.available.acquire().await.map_err(|_| closed())?;
                let idle = || held.idle.lock().unwrap_or_else(PoisonError::into_inner);
                let mut connection = idle().pop().ok_or_else(closed)?;
                for statement in &self.statements {
                    connection.fetch_all(statement.query()).await?;
                }
                idle().push(connection);
            }
        }
        Ok(())
    }
}

/// The statements run in a task of their own: a client that goes away mid-request
/// (wrk at the end of a run) must not drop a held connection in the middle of a
/// statement.
async fn respond(
    State(floor): State<Arc<Floor>>,
    _body: Bytes,
) -> Result<Bytes, (StatusCode, String)> {
    let failed = |error: String| (StatusCode::INTERNAL_SERVER_ERROR, error);
    let running = Arc::clone(&floor);
    tokio::spawn(async move { running.run().await })
        .await
        .map_err(|error| failed(error.to_string()))?
        .map_err(|error| failed(error.to_string()))?;
    Ok(floor.answer.clone())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let defines = args
        .defines
        .iter()
        .map(|define| {
            define
                .split_once('=')
                .map(|(name, value)| (name.to_owned(), Value::parse(value)))
                .with_context(|| format!("-D {define}: expected name=value"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let script = std::fs::read_to_string(&args.sql).context("reading --sql")?;
    let answer = std::fs::read(&args.answer).context("reading --answer")?;
    let connect: PgConnectOptions = args.database_url.parse()?;
    let connect = connect
        .options(roster::app::POSTGRES_SESSION_SETTINGS)
        .disable_statement_logging();
    let connections = if args.no_release_ping {
        let mut idle = Vec::new();
        for _ in 0..args.pool {
            idle.push(connect.connect().await?);
        }
        Connections::Held(Held {
            idle: Mutex::new(idle),
            available: Semaphore::new(args.pool as usize),
        })
    } else {
        Connections::Sqlx(
            PgPoolOptions::new()
                .max_connections(args.pool)
                .test_before_acquire(false)
                .idle_timeout(Duration::from_secs(600))
                .connect_with(connect)
                .await?,
        )
    };
    let floor = Arc::new(Floor {
        connections,
        statements: statements(&script, &defines)?,
        answer: answer.into(),
    });
    // bench/run waits for /readyz, and takes an answer on /healthz for a server in
    // its way.
    let router = Router::new()
        .route("/graphql", post(respond))
        .route("/readyz", get(|| async { "ready" }))
        .route("/healthz", get(|| async { "up" }))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    axum::serve(listener, router).await?;
    Ok(())
}
