//! Who is asking, and from where. Resolved once per request from the
//! `Authorization` header; a credential that does not check out is kept as a
//! rejection and reported by the first field that needs a signed-in user, so
//! anonymous fields (`login`, `refreshToken`) still work with a stale header. The
//! client address (after the trusted-proxy rule) travels with it, because project
//! access can depend on it (`roster.ip_restrict`).

use std::{net::IpAddr, sync::Arc};

use entity::user;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Who sent the request.
#[derive(Clone, Debug)]
pub enum Identity {
    Anonymous,
    User(Arc<user::Model>),
    /// Credentials were sent but did not check out.
    Rejected(Rejection),
}

/// The identity behind a request and the address it came from.
#[derive(Clone, Debug)]
pub struct Viewer {
    identity: Identity,
    /// None outside a request (or when the address is unknown): address-restricted
    /// projects then stay closed.
    client: Option<IpAddr>,
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

impl From<Identity> for Viewer {
    fn from(identity: Identity) -> Self {
        Self {
            identity,
            client: None,
        }
    }
}

impl Viewer {
    pub const ANONYMOUS: Self = Self {
        identity: Identity::Anonymous,
        client: None,
    };

    pub fn anonymous() -> Self {
        Self::ANONYMOUS
    }

    /// A signed-in account.
    pub fn signed_in(user: impl Into<Arc<user::Model>>) -> Self {
        Identity::User(user.into()).into()
    }

    pub fn rejected(rejection: Rejection) -> Self {
        Identity::Rejected(rejection).into()
    }

    /// The same viewer, asking from `client`.
    pub fn from_address(mut self, client: IpAddr) -> Self {
        self.client = Some(client);
        self
    }

    /// The same identity asking from the same address as `other`: to evaluate what
    /// another account could do with this very request.
    pub fn at_address_of(mut self, other: &Viewer) -> Self {
        self.client = other.client;
        self
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The client's address, after the trusted-proxy rule; None when unknown.
    pub fn client_address(&self) -> Option<IpAddr> {
        self.client
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&user::Model> {
        match &self.identity {
            Identity::User(user) => Some(user),
            _ => None,
        }
    }

    pub fn id(&self) -> Option<Uuid> {
        self.user().map(|user| user.id)
    }

    /// The signed-in user, or the error that explains why there is none.
    pub fn require_user(&self) -> AppResult<&user::Model> {
        match &self.identity {
            Identity::User(user) => Ok(user),
            Identity::Anonymous => Err(AppError::unauthenticated()),
            Identity::Rejected(rejection) => Err(rejection.to_error()),
        }
    }

    /// Fails when credentials were sent but did not check out; anonymous is fine.
    /// Fields that answer anonymous viewers call this, so a stale token is reported
    /// instead of silently reading as nobody.
    pub fn reject_invalid(&self) -> AppResult<()> {
        match &self.identity {
            Identity::Rejected(rejection) => Err(rejection.to_error()),
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
