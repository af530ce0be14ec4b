//! The one error type of the service. Every variant maps to an `extensions.code` of
//! the contract, and every message is safe to show a client: internal causes are
//! logged, never returned.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No credentials, or credentials that do not check out.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but a role or ownership rule says no.
    #[error("{0}")]
    Forbidden(String),
    /// No such object, or the viewer may not know it exists.
    #[error("{0}")]
    NotFound(String),
    /// The input breaks a rule.
    #[error("{0}")]
    BadUserInput(String),
    /// The current state forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// An invitation or token past its expiry.
    #[error("{0}")]
    Expired(String),
    /// Too many attempts.
    #[error("{0}")]
    RateLimited(String),
    /// Anything else. Only "internal error" reaches the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The contract's `extensions.code` for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::Expired(_) => "EXPIRED",
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// A copy of the error, code and message kept (loaders share one error among
    /// every field that waited on it); an internal cause is kept as its text.
    pub fn duplicate(&self) -> Self {
        match self {
            Self::Unauthenticated(message) => Self::Unauthenticated(message.clone()),
            Self::Forbidden(message) => Self::Forbidden(message.clone()),
            Self::NotFound(message) => Self::NotFound(message.clone()),
            Self::BadUserInput(message) => Self::BadUserInput(message.clone()),
            Self::Conflict(message) => Self::Conflict(message.clone()),
            Self::Expired(message) => Self::Expired(message.clone()),
            Self::RateLimited(message) => Self::RateLimited(message.clone()),
            Self::Internal(cause) => Self::Internal(anyhow::anyhow!("{cause:#}")),
        }
    }

    /// The same error with `context: ` before its message (e.g. which item of a
    /// batch failed); internal errors keep their client-safe message.
    pub fn in_context(self, context: &str) -> Self {
        let prefixed = |message: String| format!("{context}: {message}");
        match self {
            Self::Unauthenticated(message) => Self::Unauthenticated(prefixed(message)),
            Self::Forbidden(message) => Self::Forbidden(prefixed(message)),
            Self::NotFound(message) => Self::NotFound(prefixed(message)),
            Self::BadUserInput(message) => Self::BadUserInput(prefixed(message)),
            Self::Conflict(message) => Self::Conflict(prefixed(message)),
            Self::Expired(message) => Self::Expired(prefixed(message)),
            Self::RateLimited(message) => Self::RateLimited(prefixed(message)),
            internal @ Self::Internal(_) => internal,
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthenticated("sign in first".into())
    }

    pub fn forbidden() -> Self {
        Self::Forbidden("you are not allowed to do this".into())
    }
}

/// Unique and foreign-key violations that the domain expects, by the constraint or
/// column name each backend reports, with the message a client should see. This is
/// the one place constraint names meet domain errors.
const CONSTRAINT_MESSAGES: &[(&[&str], &str)] = &[
    (
        &["uq_users_username", "users.username"],
        "that username is taken",
    ),
    (
        &["uq_users_email", "users.email"],
        "that email belongs to another account",
    ),
    (
        &[
            "uq_projects_sibling_title",
            "uq_projects_top_level_title",
            "projects.title_key",
        ],
        "another project or category here already has that title",
    ),
    (
        &[
            "uq_role_assignments_project_user",
            "role_assignments.project_id, role_assignments.user_id",
        ],
        "the user already holds a role here",
    ),
    (
        &[
            "uq_role_assignments_one_owner",
            "role_assignments.project_id",
        ],
        "the project already has an owner",
    ),
    (
        &[
            "uq_invitations_pending_email",
            "invitations.project_id, invitations.email",
        ],
        "an invitation to that address is pending already",
    ),
    (
        &[
            "uq_resources_sibling_name",
            "uq_resources_top_level_name",
            "resources.name_key",
        ],
        "another resource here already has that name",
    ),
    (
        &[
            "uq_setting_values_project",
            "uq_setting_values_user",
            "setting_values.project_id, setting_values.namespace",
            "setting_values.user_id, setting_values.namespace",
            "setting_values.project_id, setting_values.user_id",
        ],
        "the setting was changed at the same time: try again",
    ),
];

/// PostgreSQL's SQLSTATE for text its encoding cannot hold: a NUL character, which
/// any string argument (a name, a password, the text inside a cursor) may carry.
const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";

/// The SQLSTATE of a database's own error, if `error` is one.
fn sql_state(error: &DbErr) -> Option<String> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(cause)) | DbErr::Query(RuntimeErr::SqlxError(cause)) => {
            match cause.as_ref() {
                sea_orm::sqlx::Error::Database(database) => {
                    database.code().map(|code| code.into_owned())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() {
            for (needles, client_message) in CONSTRAINT_MESSAGES {
                if needles.iter().any(|needle| message.contains(needle)) {
                    return Self::Conflict((*client_message).into());
                }
            }
        }
        if sql_state(&error).as_deref() == Some(CHARACTER_NOT_IN_REPERTOIRE) {
            return Self::BadUserInput("text may not contain the NUL character".into());
        }
        Self::Internal(error.into())
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Internal(error.into())
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        if let AppError::Internal(cause) = &error {
            // Logged inside the request's span, so the line carries its request id.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let code = error.code();
        async_graphql::Error::new(error.to_string())
            .extend_with(|_, extensions| extensions.set("code", code))
    }
}
