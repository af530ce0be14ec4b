//! Who is asking. Resolved once per request from the `Authorization` header; a
//! credential that does not check out is kept as a rejection and reported by the first
//! field that needs a signed-in user, so anonymous fields (`login`, `refreshToken`)
//! still work with a stale header.

use std::sync::Arc;

use entity::user;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(Clone, Debug)]
pub enum Viewer {
    Anonymous,
    User(Arc<user::Model>),
    /// Credentials were sent but did not check out.
    Rejected(Rejection),
}

#[derive(Clone, Debug)]
pub struct Rejection {
    pub expired: bool,
    pub reason: &'static str,
}

impl Rejection {
    pub fn invalid(reason: &'static str) -> Self {
        Self {
            expired: false,
            reason,
        }
    }

    pub fn expired(reason: &'static str) -> Self {
        Self {
            expired: true,
            reason,
        }
    }

    pub fn to_error(&self) -> AppError {
        if self.expired {
            AppError::Expired(self.reason.into())
        } else {
            AppError::Unauthenticated(self.reason.into())
        }
    }
}

impl Viewer {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&user::Model> {
        match self {
            Self::User(user) => Some(user),
            _ => None,
        }
    }

    pub fn id(&self) -> Option<Uuid> {
        self.user().map(|user| user.id)
    }

    /// The signed-in user, or the error that explains why there is none.
    pub fn require_user(&self) -> AppResult<&user::Model> {
        match self {
            Self::User(user) => Ok(user),
            Self::Anonymous => Err(AppError::unauthenticated()),
            Self::Rejected(rejection) => Err(rejection.to_error()),
        }
    }

    /// Fails when credentials were sent but did not check out; anonymous is fine.
    /// Fields that answer anonymous viewers call this, so a stale token is reported
    /// instead of silently reading as nobody.
    pub fn reject_invalid(&self) -> AppResult<()> {
        match self {
            Self::Rejected(rejection) => Err(rejection.to_error()),
            _ => Ok(()),
        }
    }

    pub fn is_superuser(&self) -> bool {
        self.user()
            .is_some_and(|user| user.is_superuser && user.is_active)
    }

    pub fn is(&self, user_id: Uuid) -> bool {
        self.id() == Some(user_id)
    }
}
