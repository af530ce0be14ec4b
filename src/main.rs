//! The `roster` command: serve, migrate, export-schema, create-superuser.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use roster::{
    app::{self, App},
    config::Config,
    domain::users,
    state::{AppState, Clock},
};
use tracing_subscriber::{EnvFilter, fmt};

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
    let cli = Cli::parse();
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
    let app = App::build(config, Clock::default()).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("ROSTER_BIND: cannot listen on {bind}"))?;
    tracing::info!("serving GraphQL on http://{bind}/graphql");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
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
