//! Every setting of the service, read from flags and the environment, with the
//! defaults the README documents. A bad value stops start-up with a message that names
//! the variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;
use ipnet::IpNet;

/// Settings shared by every subcommand. Each flag also reads the environment
/// variable named beside it.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Database to use: `sqlite://FILE?mode=rwc` (embedded) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://roster.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Most database connections in the pool (default: 10 on PostgreSQL, 1 on SQLite,
    /// whose single writer makes more connections only contend).
    #[arg(long, env = "ROSTER_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "ROSTER_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Secret that signs access tokens, at least 32 bytes. When unset, a random
    /// per-process secret is used and every token dies with the process.
    #[arg(long, env = "ROSTER_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of an access token (JWT), in seconds.
    #[arg(long, env = "ROSTER_ACCESS_TOKEN_TTL_SECS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(10..=86_400), global = true)]
    pub access_token_ttl_secs: u64,

    /// Lifetime of a refresh token, in seconds.
    #[arg(long, env = "ROSTER_REFRESH_TOKEN_TTL_SECS", default_value_t = 2_592_000, value_parser = clap::value_parser!(u64).range(60..=31_536_000), global = true)]
    pub refresh_token_ttl_secs: u64,

    /// Longest a login lasts, in seconds, however often its refresh token is
    /// rotated: past it, refreshing answers EXPIRED and the user signs in again.
    #[arg(long, env = "ROSTER_SESSION_MAX_AGE_SECS", default_value_t = 2_592_000, value_parser = clap::value_parser!(u64).range(60..=31_536_000), global = true)]
    pub session_max_age_secs: u64,

    /// Failed logins allowed per username within the window before RATE_LIMITED
    /// (also wrong current passwords per user, in `changePassword` and `updateUser`).
    #[arg(long, env = "ROSTER_LOGIN_MAX_FAILURES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub login_max_failures: u32,

    /// Failed logins allowed per client address within the window before RATE_LIMITED.
    #[arg(long, env = "ROSTER_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub login_max_failures_per_address: u32,

    /// Password reset requests allowed per client address within the failed-login
    /// window before RATE_LIMITED.
    #[arg(long, env = "ROSTER_PASSWORD_RESETS_PER_ADDRESS", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub password_resets_per_address: u32,

    /// The window, in seconds, over which failed logins are counted.
    #[arg(long, env = "ROSTER_LOGIN_FAILURE_WINDOW_SECS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub login_failure_window_secs: u64,

    /// Proxies (addresses or CIDR networks, comma-separated) whose
    /// `X-Forwarded-For` header is believed. The client address is the right-most
    /// address in that header that is not itself a trusted proxy.
    #[arg(long, env = "ROSTER_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net, global = true)]
    pub trusted_proxies: Vec<IpNet>,

    /// Origins allowed to call the API from a browser (comma-separated), or `*`.
    /// Empty: no cross-origin access.
    #[arg(
        long,
        env = "ROSTER_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,

    /// Deepest query accepted.
    #[arg(long, env = "ROSTER_MAX_QUERY_DEPTH", default_value_t = 20, value_parser = clap::value_parser!(u64).range(2..=1000), global = true)]
    pub max_query_depth: u64,

    /// Highest query complexity accepted (each field costs 1; a list field costs 10
    /// plus its page size times the cost of what it selects).
    #[arg(long, env = "ROSTER_MAX_QUERY_COMPLEXITY", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(10..), global = true)]
    pub max_query_complexity: u64,

    /// Most fields one request may select, aliases included and fragments counted
    /// wherever they are spread.
    #[arg(long, env = "ROSTER_MAX_QUERY_FIELDS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..), global = true)]
    pub max_query_fields: u64,

    /// Most operations in one batched request.
    #[arg(long, env = "ROSTER_MAX_BATCH_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1000), global = true)]
    pub max_batch_size: u64,

    /// Whether the schema answers introspection queries (GraphiQL and code
    /// generators need it).
    #[arg(long, env = "ROSTER_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub introspection: bool,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "ROSTER_BODY_LIMIT_BYTES", default_value_t = 1_048_576, value_parser = clap::value_parser!(u64).range(1024..), global = true)]
    pub body_limit_bytes: u64,

    /// Longest a request may take, in seconds.
    #[arg(long, env = "ROSTER_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub request_timeout_secs: u64,

    /// Most GraphQL requests executing at once; more wait in a queue (default: the
    /// database pool's size, at most four per core: past that, requests only wait
    /// for a connection or a core while holding their memory).
    #[arg(long, env = "ROSTER_MAX_CONCURRENT_REQUESTS", value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub max_concurrent_requests: Option<u32>,

    /// Most GraphQL requests waiting for their turn; past them, HTTP 503 at once.
    #[arg(
        long,
        env = "ROSTER_MAX_QUEUED_REQUESTS",
        default_value_t = 256,
        global = true
    )]
    pub max_queued_requests: u32,

    /// Longest a GraphQL request waits for its turn, in milliseconds; then HTTP 503.
    #[arg(long, env = "ROSTER_MAX_QUEUE_WAIT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_queue_wait_ms: u64,

    /// Run pending migrations when `serve` starts.
    #[arg(long, env = "ROSTER_AUTO_MIGRATE", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub auto_migrate: bool,

    /// Only superusers and users holding CONTRIBUTOR or above somewhere may list users.
    #[arg(long, env = "ROSTER_RESTRICT_USER_LIST", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub restrict_user_list: bool,

    /// Only superusers may create projects and categories at the top level.
    #[arg(long, env = "ROSTER_RESTRICT_TOP_LEVEL_PROJECTS", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub restrict_top_level_projects: bool,

    /// Base URL of the front end that opens invitation links; an invitation links
    /// to `{ROSTER_PUBLIC_URL}/invitations/{token}`.
    #[arg(
        long,
        env = "ROSTER_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,

    /// Days an invitation stays valid when the inviter does not say and its project
    /// does not set `roster.invite_expiry_days` (this is that setting's default).
    #[arg(long, env = "ROSTER_INVITATION_EXPIRY_DAYS", default_value_t = 14, value_parser = clap::value_parser!(u16).range(1..=365), global = true)]
    pub invitation_expiry_days: u16,

    /// Invitations sent or resent per user within the invitation window before
    /// RATE_LIMITED.
    #[arg(long, env = "ROSTER_INVITATIONS_PER_USER", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub invitations_per_user: u32,

    /// Invitations sent or resent per project within the invitation window before
    /// RATE_LIMITED.
    #[arg(long, env = "ROSTER_INVITATIONS_PER_PROJECT", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub invitations_per_project: u32,

    /// The window, in seconds, over which invitations are counted.
    #[arg(long, env = "ROSTER_INVITATION_WINDOW_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub invitation_window_secs: u64,

    /// Verification emails (email changes and resends) per user per hour before
    /// RATE_LIMITED.
    #[arg(long, env = "ROSTER_VERIFICATION_EMAILS_PER_HOUR", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub verification_emails_per_hour: u32,

    /// A TOML file of setting definitions to add to the built-ins (see README,
    /// "Settings"). A file that cannot be read or holds a bad definition stops
    /// start-up with its line and the reason.
    #[arg(long, env = "ROSTER_SETTINGS_FILE", global = true)]
    pub settings_file: Option<PathBuf>,

    /// SMTP server for outgoing email: `smtp://host:25` (plain),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://…:465`.
    /// Unset: emails stay in the outbox and are logged without their secrets.
    #[arg(long, env = "ROSTER_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Sender of outgoing email.
    #[arg(
        long,
        env = "ROSTER_MAIL_FROM",
        default_value = "Roster <roster@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Seconds between looks at the outbox for email that is due (new email is
    /// sent at once; this catches retries and email queued by other instances).
    #[arg(long, env = "ROSTER_MAIL_POLL_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub mail_poll_secs: u64,

    /// Seconds before the first retry of an email that failed; each further failure
    /// doubles it, up to an hour.
    #[arg(long, env = "ROSTER_MAIL_RETRY_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub mail_retry_secs: u64,

    /// Most subscriptions one WebSocket connection may hold at once.
    #[arg(long, env = "ROSTER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub ws_max_subscriptions_per_connection: u32,

    /// Most WebSocket connections one user may hold open on one instance.
    #[arg(long, env = "ROSTER_WS_MAX_CONNECTIONS_PER_USER", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub ws_max_connections_per_user: u32,

    /// Events buffered per subscriber; a subscriber that falls this far behind is
    /// ended with SUBSCRIPTION_OVERFLOW.
    #[arg(long, env = "ROSTER_SUBSCRIPTION_BUFFER", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536), global = true)]
    pub subscription_buffer: u32,

    /// Seconds between checks of a WebSocket connection's credential while no event
    /// arrives (each event checks it too).
    #[arg(long, env = "ROSTER_WS_RECHECK_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600), global = true)]
    pub ws_recheck_secs: u64,

    /// Log format: `text` or `json`. The level comes from `RUST_LOG` (default `info`).
    #[arg(long, env = "ROSTER_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"], global = true)]
    pub log_format: String,

    /// Most documents kept for automatic persisted queries (Apollo's protocol), least
    /// recently used first out. Documents over 64 KiB run but are not kept.
    #[arg(long, env = "ROSTER_APQ_CACHE_SIZE", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000), global = true)]
    pub apq_cache_size: u64,
}

fn parse_net(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{value}` is neither an IP address nor a CIDR network"))
}

/// A configuration value that passed its flag's own parser but breaks a rule that
/// spans more than one value.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl Config {
    /// Checks what clap's per-flag parsers cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err(ConfigError {
                variable: "ROSTER_JWT_SECRET",
                reason: "must be at least 32 bytes long".into(),
            });
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                reason: "must start with sqlite:, postgres:// or postgresql://".into(),
            });
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError {
                variable: "ROSTER_PUBLIC_URL",
                reason: "must start with http:// or https://".into(),
            });
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError {
                variable: "ROSTER_MAIL_FROM",
                reason: "must be an address such as `Roster <roster@example.org>`".into(),
            });
        }
        if let Some(url) = &self.smtp_url
            && lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).is_err()
        {
            return Err(ConfigError {
                variable: "ROSTER_SMTP_URL",
                reason: "must be a URL such as smtp://host:25, smtp://user:pass@host:587?tls=required or smtps://host"
                    .into(),
            });
        }
        if self.db_max_connections == Some(0) {
            return Err(ConfigError {
                variable: "ROSTER_DB_MAX_CONNECTIONS",
                reason: "must be at least 1".into(),
            });
        }
        for origin in &self.cors_origins {
            let origin = origin.trim();
            let valid = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.ends_with('/')
                    && axum::http::HeaderValue::from_str(origin).is_ok());
            if !valid {
                return Err(ConfigError {
                    variable: "ROSTER_CORS_ORIGINS",
                    reason: format!(
                        "`{origin}` is not an origin such as https://app.example.org, nor *"
                    ),
                });
            }
        }
        Ok(())
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The database pool's size: the configured one, or 10 on PostgreSQL and 1 on
    /// SQLite.
    pub fn db_pool_size(&self) -> u32 {
        let default = if self.is_sqlite() { 1 } else { 10 };
        self.db_max_connections.unwrap_or(default)
    }

    /// Most GraphQL requests executing at once: the configured number, or the pool's
    /// size, at most four per core.
    pub fn concurrent_requests(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.max_concurrent_requests.map_or_else(
            || (self.db_pool_size() as usize).min(4 * cores),
            |n| n as usize,
        )
    }

    pub fn max_queue_wait(&self) -> Duration {
        Duration::from_millis(self.max_queue_wait_ms)
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::from_secs(self.access_token_ttl_secs)
    }

    pub fn refresh_token_ttl(&self) -> Duration {
        Duration::from_secs(self.refresh_token_ttl_secs)
    }

    pub fn session_max_age(&self) -> Duration {
        Duration::from_secs(self.session_max_age_secs)
    }

    pub fn invitation_window(&self) -> Duration {
        Duration::from_secs(self.invitation_window_secs)
    }

    pub fn login_failure_window(&self) -> Duration {
        Duration::from_secs(self.login_failure_window_secs)
    }
}
