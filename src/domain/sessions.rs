//! Signing in and staying signed in: login with rate limiting, refresh-token rotation
//! with reuse detection, logout, API tokens, and turning a presented credential into
//! a `Viewer`.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use entity::{api_token, login_failure, refresh_token, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit::{self, Event},
    validate,
};
use crate::{
    auth::{Viewer, password, secret, viewer::Rejection},
    error::{AppError, AppResult},
    state::AppState,
};

/// A signed-in session as handed to the client.
#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
    pub user: user::Model,
}

const REFRESH_TOKEN_PREFIX: &str = "rsr_";
/// How stale `last_used_at` of an API token may get before a use writes it again,
/// so a busy token does not cost a write per request.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("wrong username or password".into())
}

/// Signs in with a username or email and a password.
pub async fn login(
    state: &AppState,
    login: &str,
    password_text: &str,
    client: IpAddr,
) -> AppResult<Session> {
    let login = login.trim().to_lowercase();
    let account = user::Entity::find()
        .filter(
            user::Column::Username
                .eq(login.as_str())
                .or(user::Column::Email.eq(login.as_str())),
        )
        .one(&state.db)
        .await?;
    // Failures count against the account, however it was named (username or email),
    // so switching between the two does not double the attempts. A name without an
    // account is counted by its digest: it may be any length.
    let user_key = match &account {
        Some(account) => format!("user:{}", account.username),
        None => format!("user?{}", secret::digest(&login)),
    };
    let limits = [
        (user_key.clone(), state.config.login_max_failures),
        (
            format!("addr:{client}"),
            state.config.login_max_failures_per_address,
        ),
    ];
    let attempt = begin_guess(
        state,
        &limits,
        "too many failed logins: wait a while and try again",
    )
    .await?;
    let matches = password::verify(
        password_text,
        account.as_ref().map(|u| u.password_hash.as_str()),
    )
    .await?;
    let account = match account {
        Some(account) if matches && account.is_active => account,
        // The attempt stays recorded as a failure.
        _ => return Err(wrong_credentials()),
    };

    let txn = state.db.begin().await?;
    // Success clears the account's failures; the address keeps its other ones.
    forget_failures(&txn, &user_key).await?;
    forget_attempt(&txn, &attempt).await?;
    let session = start_session(&txn, state, account, Family::start(state.clock.now())).await?;
    audit::record(
        &txn,
        state,
        Some(session.user.id),
        Event::new("user.login", Some(session.user.id), json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Checks a signed-in user's current password before a change that needs it. Each
/// wrong one counts like a failed login (per user, in the database), and past the
/// limit even the right one is refused until the window has passed.
pub async fn check_current_password(
    state: &AppState,
    account: &user::Model,
    password_text: &str,
) -> AppResult<()> {
    let key = format!("password:{}", account.id);
    let limits = [(key.clone(), state.config.login_max_failures)];
    let attempt = begin_guess(
        state,
        &limits,
        "too many wrong passwords: wait a while and try again",
    )
    .await?;
    if !password::verify(password_text, Some(&account.password_hash)).await? {
        return Err(AppError::BadUserInput(
            "the current password is wrong".into(),
        ));
    }
    forget_failures(&state.db, &key).await?;
    forget_attempt(&state.db, &attempt).await
}

/// Records a guess of a secret as a failure under each key, then refuses it with
/// RATE_LIMITED (`refusal`) when a key has more failures in the window than its
/// limit. The guess is recorded before it is counted and checked, and forgiven only
/// if it proves right: concurrent guesses then count one another, so a burst gets
/// no more tries than the limit. Returns the rows that record it.
pub(crate) async fn begin_guess(
    state: &AppState,
    limits: &[(String, u32)],
    refusal: &str,
) -> AppResult<Vec<Uuid>> {
    let now = state.clock.now();
    let window_start = now
        - chrono::Duration::from_std(state.config.login_failure_window())
            .map_err(AppError::internal)?;
    let keys: Vec<String> = limits.iter().map(|(key, _)| key.clone()).collect();
    let attempt = record_attempt(state, &keys, now, window_start).await?;
    #[derive(FromQueryResult)]
    struct FailureCount {
        key: String,
        failures: i64,
    }
    let counts = login_failure::Entity::find()
        .select_only()
        .column(login_failure::Column::Key)
        .column_as(login_failure::Column::Id.count(), "failures")
        .filter(login_failure::Column::Key.is_in(keys))
        .filter(login_failure::Column::CreatedAt.gt(window_start))
        .group_by(login_failure::Column::Key)
        .into_model::<FailureCount>()
        .all(&state.db)
        .await?;
    // The counts include this attempt.
    let over_limit = limits.iter().any(|(key, limit)| {
        counts
            .iter()
            .any(|count| &count.key == key && count.failures > i64::from(*limit))
    });
    if over_limit {
        // A refused attempt was never checked, so it does not extend the lock-out.
        forget_attempt(&state.db, &attempt).await?;
        return Err(AppError::RateLimited(refusal.into()));
    }
    Ok(attempt)
}

/// Records a guess as a failure under each key, committed at once so that
/// concurrent guesses see it; returns the ids of its rows.
async fn record_attempt(
    state: &AppState,
    keys: &[String],
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> AppResult<Vec<Uuid>> {
    let ids: Vec<Uuid> = keys.iter().map(|_| Uuid::now_v7()).collect();
    let txn = state.db.begin().await?;
    // Rows older than the window no longer count; dropping them here keeps the table small.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::CreatedAt.lte(window_start))
        .exec(&txn)
        .await?;
    let rows = ids
        .iter()
        .zip(keys)
        .map(|(id, key)| login_failure::ActiveModel {
            id: Set(*id),
            key: Set(key.clone()),
            created_at: Set(now),
        });
    login_failure::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(ids)
}

/// Removes the rows of an attempt that turned out not to be a failure.
async fn forget_attempt(conn: &impl ConnectionTrait, attempt: &[Uuid]) -> AppResult<()> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Id.is_in(attempt.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Runs `check`, the lookup of a presented one-time secret (an emailed link), as a
/// counted guess from `client`: a NOT_FOUND answer counts as a failed guess from
/// that address, within the limit of failed logins per address
/// (`ROSTER_LOGIN_MAX_FAILURES_PER_ADDRESS`); any other answer is forgiven.
pub(crate) async fn guess_token<T>(
    state: &AppState,
    client: IpAddr,
    check: impl Future<Output = AppResult<T>>,
) -> AppResult<T> {
    let limits = [(
        format!("addr:{client}"),
        state.config.login_max_failures_per_address,
    )];
    let attempt = begin_guess(
        state,
        &limits,
        "too many wrong links: wait a while and try again",
    )
    .await?;
    let result = check.await;
    if !matches!(result, Err(AppError::NotFound(_))) {
        forget_attempt(&state.db, &attempt).await?;
    }
    result
}

/// Clears the failed guesses of an account's password (logins and current
/// passwords), once a reset link proved who is asking.
pub(crate) async fn forget_password_failures(
    conn: &impl ConnectionTrait,
    account: &user::Model,
) -> AppResult<()> {
    forget_failures(conn, &format!("user:{}", account.username)).await?;
    forget_failures(conn, &format!("password:{}", account.id)).await
}

/// Clears the failures counted under a key (after the right secret was given).
async fn forget_failures(conn: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(key))
        .exec(conn)
        .await?;
    Ok(())
}

/// A refresh-token family: the chain of tokens rotated from one login.
#[derive(Clone, Copy, Debug)]
pub struct Family {
    pub id: Uuid,
    /// When the login happened; the family ends `ROSTER_SESSION_MAX_AGE_SECS` later.
    pub started_at: DateTime<Utc>,
}

impl Family {
    /// A new family for a login happening `now`.
    pub fn start(now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            started_at: now,
        }
    }

    fn ends_at(&self, state: &AppState) -> AppResult<DateTime<Utc>> {
        let max_age = chrono::Duration::from_std(state.config.session_max_age())
            .map_err(AppError::internal)?;
        Ok(self.started_at + max_age)
    }
}

/// Issues an access token and a new refresh token in `family`; the refresh token
/// never outlives the family.
pub(crate) async fn start_session(
    conn: &impl ConnectionTrait,
    state: &AppState,
    account: user::Model,
    family: Family,
) -> AppResult<Session> {
    let now = state.clock.now();
    let refresh_token = secret::generate(REFRESH_TOKEN_PREFIX);
    let refresh_ttl =
        chrono::Duration::from_std(state.config.refresh_token_ttl()).map_err(AppError::internal)?;
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(account.id),
        family_id: Set(family.id),
        family_started_at: Set(family.started_at),
        token_hash: Set(secret::digest(&refresh_token)),
        created_at: Set(now),
        expires_at: Set(std::cmp::min(now + refresh_ttl, family.ends_at(state)?)),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    let expires_at = now
        + chrono::Duration::from_std(state.config.access_token_ttl())
            .map_err(AppError::internal)?;
    let access_token = state.jwt.issue_in_session(
        account.id,
        account.session_epoch,
        Some(family.id),
        now,
        expires_at,
    )?;
    Ok(Session {
        access_token,
        refresh_token,
        expires_at,
        user: account,
    })
}

async fn revoke_family(
    conn: &impl ConnectionTrait,
    state: &AppState,
    family: Uuid,
) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(state.clock.now()),
        )
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Trades a refresh token for a new session in the same family. A token presented a
/// second time means it leaked: the whole family is revoked.
pub async fn refresh(state: &AppState, presented: &str) -> AppResult<Session> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(secret::digest(presented)))
        .find_also_related(user::Entity)
        .one(&txn)
        .await?;
    let Some((token, Some(account))) = found else {
        return Err(AppError::Unauthenticated("unknown refresh token".into()));
    };
    if token.revoked_at.is_some() {
        return Err(AppError::Unauthenticated(
            "this session has ended: sign in again".into(),
        ));
    }
    // Claim the token; the condition makes two concurrent uses see one winner.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        revoke_family(&txn, state, token.family_id).await?;
        audit::record(
            &txn,
            state,
            Some(account.id),
            Event::new("session.reuse_detected", Some(account.id), json!({})),
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::Unauthenticated(
            "this refresh token was already used: every session of this login has been ended"
                .into(),
        ));
    }
    let family = Family {
        id: token.family_id,
        started_at: token.family_started_at,
    };
    if token.expires_at <= now || family.ends_at(state)? <= now {
        return Err(AppError::Expired(
            "the refresh token has expired: sign in again".into(),
        ));
    }
    if !account.is_active {
        return Err(AppError::Unauthenticated(
            "this account is deactivated".into(),
        ));
    }
    let session = start_session(&txn, state, account, family).await?;
    audit::record(
        &txn,
        state,
        Some(session.user.id),
        Event::new("session.refresh", Some(session.user.id), json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(session)
}

/// Ends the session a refresh token belongs to. False when there was none to end.
pub async fn logout(state: &AppState, presented: &str) -> AppResult<bool> {
    let txn = state.db.begin().await?;
    let Some(token) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(secret::digest(presented)))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    if token.revoked_at.is_some() {
        return Ok(false);
    }
    revoke_family(&txn, state, token.family_id).await?;
    audit::record(
        &txn,
        state,
        Some(token.user_id),
        Event::new("user.logout", Some(token.user_id), json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The viewer's API tokens, oldest first.
pub async fn list_api_tokens(
    state: &AppState,
    viewer: &Viewer,
) -> AppResult<Vec<api_token::Model>> {
    let me = viewer.require_user()?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(me.id))
        .order_by_asc(api_token::Column::Id)
        .all(&state.db)
        .await?)
}

/// Creates an API token for the viewer; the secret is returned here and never again.
pub async fn create_api_token(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(String, api_token::Model)> {
    let me = viewer.require_user()?;
    let name = validate::single_line("a token name", name)?;
    if name.is_empty() || name.chars().count() > 255 {
        return Err(AppError::BadUserInput(
            "a token name is 1 to 255 characters".into(),
        ));
    }
    let now = state.clock.now();
    if expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::BadUserInput(
            "`expiresAt` must be in the future".into(),
        ));
    }
    let token = secret::generate(secret::API_TOKEN_PREFIX);
    let txn = state.db.begin().await?;
    let created = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(me.id),
        name: Set(name),
        prefix: Set(token
            .chars()
            .take(secret::API_TOKEN_VISIBLE_CHARS)
            .collect()),
        token_hash: Set(secret::digest(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let details = json!({ "name": created.name, "prefix": created.prefix });
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("api_token.create", Some(created.id), details),
    )
    .await?;
    txn.commit().await?;
    Ok((token, created))
}

/// Revokes one of the viewer's API tokens; another user's is NOT_FOUND.
pub async fn revoke_api_token(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<()> {
    let me = viewer.require_user()?;
    let txn = state.db.begin().await?;
    let deleted = api_token::Entity::delete_many()
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::UserId.eq(me.id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("API token"));
    }
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("api_token.revoke", Some(id), json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Turns the token of an `Authorization` header into the viewer it stands for.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Viewer> {
    let now = state.clock.now();
    if token.starts_with(secret::API_TOKEN_PREFIX) {
        let found = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(secret::digest(token)))
            .find_also_related(user::Entity)
            .one(&state.db)
            .await?;
        let Some((api_token, Some(account))) = found else {
            return Ok(Viewer::rejected(Rejection::invalid(
                "unknown or revoked API token",
            )));
        };
        if api_token.expires_at.is_some_and(|at| at <= now) {
            return Ok(Viewer::rejected(Rejection::expired(
                "the API token has expired",
            )));
        }
        if !account.is_active {
            return Ok(Viewer::rejected(Rejection::invalid(
                "this account is deactivated",
            )));
        }
        let stale = api_token
            .last_used_at
            .is_none_or(|at| (now - at).num_seconds() >= LAST_USED_GRANULARITY_SECS);
        if stale {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
                .filter(api_token::Column::Id.eq(api_token.id))
                .exec(&state.db)
                .await?;
        }
        return Ok(Viewer::signed_in(account));
    }
    let claims = match state.jwt.verify(token, now) {
        Ok(claims) => claims,
        Err(rejection) => return Ok(Viewer::rejected(rejection)),
    };
    let account = user::Entity::find_by_id(claims.sub).one(&state.db).await?;
    Ok(match account {
        Some(account) if account.is_active && account.session_epoch == claims.epoch => {
            Viewer::signed_in(account)
        }
        _ => Viewer::rejected(Rejection::invalid("this session has ended: sign in again")),
    })
}
