//! Authentication: sessions, refresh, logout, API tokens and password changes.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::api_token;

use super::{parse_id, state, users::User, viewer};
use crate::domain::{
    password_reset,
    sessions::{self, Session},
    users,
};

/// A new session.
pub struct AuthPayload(pub Session);

#[Object]
impl AuthPayload {
    /// JWT for `Authorization: Bearer …`, short-lived.
    async fn access_token(&self) -> &str {
        &self.0.access_token
    }

    /// Opaque, single use: trade it for a new session with `refreshToken`.
    async fn refresh_token(&self) -> &str {
        &self.0.refresh_token
    }

    /// When the access token expires.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    async fn user(&self) -> User {
        User::of_new_session(self.0.user.clone())
    }
}

/// A long-lived token for scripts and services. Its secret is shown only at creation.
pub struct ApiToken(pub api_token::Model);

#[Object]
impl ApiToken {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The first characters of the secret, to recognise it.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }

    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

#[derive(SimpleObject)]
pub struct NewApiToken {
    /// The secret: the only time it is shown. Send it as `Authorization: Bearer …`.
    token: String,
    api_token: ApiToken,
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The viewer's API tokens.
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        let tokens = sessions::list_api_tokens(state(ctx)?, viewer(ctx)).await?;
        Ok(tokens.into_iter().map(ApiToken).collect())
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with a username or email and a password.
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<AuthPayload> {
        let client = ctx.data::<crate::app::ClientAddr>()?.0;
        Ok(AuthPayload(
            sessions::login(state(ctx)?, &username, &password, client).await?,
        ))
    }

    /// Trades a refresh token for a new session; the old token is spent.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        Ok(AuthPayload(
            sessions::refresh(state(ctx)?, &refresh_token).await?,
        ))
    }

    /// Ends the session the refresh token belongs to. False when it had already ended.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(sessions::logout(state(ctx)?, &refresh_token).await?)
    }

    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<NewApiToken> {
        let (token, model) =
            sessions::create_api_token(state(ctx)?, viewer(ctx), &name, expires_at).await?;
        Ok(NewApiToken {
            token,
            api_token: ApiToken(model),
        })
    }

    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let id = parse_id(&id, "API token")?;
        sessions::revoke_api_token(state(ctx)?, viewer(ctx), id).await?;
        Ok(true)
    }

    /// Always true, whether or not the address belongs to an account (no
    /// enumeration); when it is the verified address of an active account, an
    /// email with a one-time reset link (valid for an hour) goes out.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> Result<bool> {
        let client = ctx.data::<crate::app::ClientAddr>()?.0;
        Ok(password_reset::request(state(ctx)?, &email, client).await?)
    }

    /// Sets a new password with the secret from the reset email; ends every session.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> Result<bool> {
        let client = ctx.data::<crate::app::ClientAddr>()?.0;
        Ok(password_reset::reset(state(ctx)?, &token, &new_password, client).await?)
    }

    /// Changes the viewer's password and ends all their sessions.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        old_password: String,
        new_password: String,
    ) -> Result<bool> {
        users::change_password(state(ctx)?, viewer(ctx), &old_password, &new_password).await?;
        Ok(true)
    }
}
