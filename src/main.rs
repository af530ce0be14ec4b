//! The `roster` command: serve, migrate, export-schema, create-superuser.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{
    CommandFactory, Parser, Subcommand,
    error::{ContextKind, ContextValue},
};
use roster::{
    app::{self, App},
    auth::password,
    config::Config,
    domain::users,
    state::{AppState, Clock},
};
use tracing_subscriber::{EnvFilter, fmt};

/// jemalloc instead of the system allocator: glibc's spends more per request in
/// malloc and free, and holds on to what it freed (bench/RESULTS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "roster",
    version,
    about = "Who may do what in which project: a GraphQL authorization service"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations (unless ROSTER_AUTO_MIGRATE=false) and serve GraphQL.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// Create a superuser. The password comes from ROSTER_PASSWORD, else one line on stdin.
    CreateSuperuser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = parse_cli();
    init_logging(&cli.config.log_format);
    if let Err(error) = cli.config.validate() {
        bail!("invalid configuration: {error}");
    }
    match cli.command {
        Command::ExportSchema => {
            print!("{}", roster::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            let db = app::connect(&cli.config).await?;
            app::migrate(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve => serve(cli.config).await,
        Command::CreateSuperuser { username, email } => {
            create_superuser(cli.config, &username, &email).await
        }
    }
}

/// Parses the command line and the environment. A value that clap refuses is
/// reported with the environment variable behind its flag, since that is where an
/// operator most often set it.
fn parse_cli() -> Cli {
    Cli::try_parse().unwrap_or_else(|error| {
        let Some(variable) = variable_of(&error) else {
            error.exit()
        };
        let _ = error.print();
        eprintln!("(set by {variable} or its flag)");
        std::process::exit(error.exit_code())
    })
}

/// The environment variable of the argument a parse error is about, if it has one.
fn variable_of(error: &clap::Error) -> Option<String> {
    let Some(ContextValue::String(argument)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = argument.split_whitespace().next()?.strip_prefix("--")?;
    let command = Cli::command();
    let argument = command
        .get_arguments()
        .find(|argument| argument.get_long() == Some(long))?;
    Some(argument.get_env()?.to_string_lossy().into_owned())
}

fn init_logging(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    if config.jwt_secret.is_none() {
        tracing::warn!(
            "ROSTER_JWT_SECRET is not set: using a random secret for this process only; \
             every token stops working when it exits. Set it in production."
        );
    }
    let app = App::build(config, Clock::default()).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("ROSTER_BIND: cannot listen on {bind}"))?;
    let shutdown = shutdown_signal()?;
    // The bound address, not the configured one: port 0 picks a free port.
    let address = listener.local_addr().unwrap_or(bind);
    tracing::info!("serving GraphQL on http://{address}/graphql");
    app.serve(listener, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT or SIGTERM. The handlers are installed here, before `serve`
/// announces that it is listening, so a signal sent right after that line drains
/// the service instead of killing it.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("handling SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("handling SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

async fn create_superuser(config: Config, username: &str, email: &str) -> anyhow::Result<()> {
    let password = match std::env::var("ROSTER_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("Password for {username} (one line):");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    // Refuse a weak password before touching (or creating) the database.
    if let Err(error) = password::check_strength(&password) {
        bail!("{}: {error}", error.code());
    }
    let app = App::build(config, Clock::default()).await?;
    let state: AppState = app.state;
    match users::create_superuser(&state, username, email, &password).await {
        Ok(user) => {
            println!("created superuser {} ({})", user.username, user.id);
            Ok(())
        }
        Err(error) => bail!("{}: {error}", error.code()),
    }
}
