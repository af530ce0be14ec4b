//! A signed-in WebSocket connection: the credential it opened with, checked again
//! whenever one of its subscriptions delivers an event and every few seconds, and a
//! signal that ends all of its subscriptions at once when that credential ends
//! (deactivation, password change, logout of that session, revocation, expiry).

use std::{
    net::IpAddr,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use entity::{api_token, refresh_token, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::sync::watch;
use uuid::Uuid;

use super::hub::ConnectionSlot;
use crate::{
    auth::{Viewer, secret},
    error::{AppError, AppResult},
    state::AppState,
};

/// What a connection signed in with.
#[derive(Clone, Debug)]
enum Credential {
    /// An access token (JWT) of a sign-in session.
    Access {
        user_id: Uuid,
        epoch: i32,
        session: Option<Uuid>,
        expires_at: DateTime<Utc>,
    },
    Api {
        token_id: Uuid,
        user_id: Uuid,
        expires_at: Option<DateTime<Utc>>,
    },
}

/// Why a connection was refused.
pub enum Refusal {
    /// Missing, invalid, expired or revoked: close with 4403.
    Credential(AppError),
    /// The user holds as many connections as allowed: close with 4429.
    TooManyConnections,
}

/// How a credential ended, for every subscription of the connection to report.
#[derive(Clone, Debug)]
struct Ending {
    expired: bool,
    message: String,
}

pub struct Connection {
    credential: Credential,
    client: IpAddr,
    ended: watch::Sender<Option<Ending>>,
    subscriptions: Arc<AtomicU32>,
    _slot: ConnectionSlot,
}

/// One subscription's place in its connection's count, until dropped.
pub struct SubscriptionSlot(Arc<AtomicU32>);

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn session_ended() -> AppError {
    AppError::Unauthenticated("this session has ended: sign in again".into())
}

impl Connection {
    /// Signs a connection in with the token of its `connection_init`.
    pub async fn open(
        state: &AppState,
        token: Option<&str>,
        client: IpAddr,
    ) -> Result<(Arc<Self>, Viewer), Refusal> {
        let token = token.ok_or_else(|| {
            Refusal::Credential(AppError::Unauthenticated(
                "send the access or API token as connection_init's payload {\"authorization\": \"Bearer …\"}"
                    .into(),
            ))
        })?;
        let credential = identify(state, token).await.map_err(Refusal::Credential)?;
        let account = check(state, &credential)
            .await
            .map_err(Refusal::Credential)?;
        let slot = state
            .realtime
            .connect(account.id, state.config.ws_max_connections_per_user)
            .ok_or(Refusal::TooManyConnections)?;
        let connection = Arc::new(Self {
            credential,
            client,
            ended: watch::Sender::new(None),
            subscriptions: Arc::default(),
            _slot: slot,
        });
        let viewer = Viewer::signed_in(account).from_address(client);
        Ok((connection, viewer))
    }

    pub fn user_id(&self) -> Uuid {
        match self.credential {
            Credential::Access { user_id, .. } | Credential::Api { user_id, .. } => user_id,
        }
    }

    /// The viewer as of now, after checking the credential again; when it has
    /// ended, every subscription of the connection ends with the same error.
    pub async fn viewer_now(&self, state: &AppState) -> AppResult<Viewer> {
        if let Some(ending) = self.ended.borrow().clone() {
            return Err(ending.into_error());
        }
        match check(state, &self.credential).await {
            Ok(account) => Ok(Viewer::signed_in(account).from_address(self.client)),
            Err(error @ (AppError::Unauthenticated(_) | AppError::Expired(_))) => {
                self.end(&error);
                Err(error)
            }
            Err(other) => Err(other),
        }
    }

    fn end(&self, error: &AppError) {
        let ending = Ending {
            expired: matches!(error, AppError::Expired(_)),
            message: error.to_string(),
        };
        self.ended.send_replace(Some(ending));
    }

    /// Resolves when the credential has ended, with the error to report.
    pub async fn ended(&self) -> AppError {
        let mut ended = self.ended.subscribe();
        let ending = match ended.wait_for(Option::is_some).await {
            Ok(ending) => ending.clone(),
            Err(_) => None,
        };
        match ending {
            Some(ending) => ending.into_error(),
            // The sender lives as long as `self`, so this is never reached.
            None => session_ended(),
        }
    }

    /// How long until the credential expires by the service's clock (None: never).
    pub fn expires_in(&self, state: &AppState) -> Option<Duration> {
        let expires_at = match self.credential {
            Credential::Access { expires_at, .. } => Some(expires_at),
            Credential::Api { expires_at, .. } => expires_at,
        }?;
        Some(
            (expires_at - state.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO),
        )
    }

    /// Counts one more subscription, unless the connection holds as many as allowed.
    pub fn claim_subscription(&self, limit: u32) -> AppResult<SubscriptionSlot> {
        let claimed =
            self.subscriptions
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                    (open < limit).then_some(open + 1)
                });
        match claimed {
            Ok(_) => Ok(SubscriptionSlot(self.subscriptions.clone())),
            Err(_) => Err(AppError::RateLimited(format!(
                "at most {limit} subscriptions per connection: open another connection or end one"
            ))),
        }
    }
}

impl Ending {
    fn into_error(self) -> AppError {
        if self.expired {
            AppError::Expired(self.message)
        } else {
            AppError::Unauthenticated(self.message)
        }
    }
}

/// Whose credential a token is, and until when; not yet checked against the account.
async fn identify(state: &AppState, token: &str) -> AppResult<Credential> {
    if token.starts_with(secret::API_TOKEN_PREFIX) {
        let found = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(secret::digest(token)))
            .one(&state.db)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("unknown or revoked API token".into()))?;
        return Ok(Credential::Api {
            token_id: found.id,
            user_id: found.user_id,
            expires_at: found.expires_at,
        });
    }
    let claims = state
        .jwt
        .verify(token, state.clock.now())
        .map_err(|rejection| rejection.to_error())?;
    Ok(Credential::Access {
        user_id: claims.sub,
        epoch: claims.epoch,
        session: claims.sid,
        expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or_default(),
    })
}

/// The account behind a credential that still holds: not expired, not revoked, its
/// user active and (for an access token) in the same session epoch and session.
async fn check(state: &AppState, credential: &Credential) -> AppResult<user::Model> {
    let now = state.clock.now();
    let user_id = match credential {
        Credential::Access {
            user_id,
            expires_at,
            ..
        } => {
            if *expires_at <= now {
                return Err(AppError::Expired(
                    "the access token has expired: refresh it and reconnect".into(),
                ));
            }
            *user_id
        }
        Credential::Api {
            token_id,
            user_id,
            expires_at,
        } => {
            if expires_at.is_some_and(|at| at <= now) {
                return Err(AppError::Expired("the API token has expired".into()));
            }
            let exists = api_token::Entity::find_by_id(*token_id)
                .count(&state.db)
                .await?;
            if exists == 0 {
                return Err(AppError::Unauthenticated(
                    "unknown or revoked API token".into(),
                ));
            }
            *user_id
        }
    };
    let account = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .filter(|account| account.is_active)
        .ok_or_else(session_ended)?;
    if let Credential::Access { epoch, session, .. } = credential {
        if account.session_epoch != *epoch {
            return Err(session_ended());
        }
        if let Some(session) = session
            && session_revoked(state, *session).await?
        {
            return Err(session_ended());
        }
    }
    Ok(account)
}

/// Whether the sign-in session (refresh-token family) was logged out or revoked.
async fn session_revoked(state: &AppState, family: Uuid) -> AppResult<bool> {
    let revoked = refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_not_null())
        .count(&state.db)
        .await?;
    Ok(revoked > 0)
}
