//! Password reset by email (DESIGN.md, "Password reset and the pages behind email
//! links"). Asking always answers the same, in about the same time, so it tells
//! nobody whether an address has an account; only a verified address of an active
//! account gets a link. Using the link sets the password, proves the address and
//! ends every session.

use std::{net::IpAddr, time::Duration};

use entity::{audit_event, email_secret::SecretPurpose, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;

use super::{
    audit::{self, Event},
    email_secrets, sessions,
    users::revoke_refresh_tokens,
    validate, verification,
};
use crate::{
    auth::password,
    error::{AppError, AppResult},
    mail::{self, Email, escape_html},
    state::AppState,
};

/// How long a reset link works.
const LIFETIME_HOURS: i64 = 1;
/// Links sent to one account per hour; further requests are dropped silently.
const EMAILS_PER_ACCOUNT_PER_HOUR: u64 = 3;
/// Every request takes at least this long, so that one that sends an email cannot
/// be told from one that does not by its time.
const RESPONSE_FLOOR: Duration = Duration::from_millis(300);
const REQUEST: &str = "user.password_reset_request";

/// Sends a reset link to `email` if it is the verified address of an active
/// account. Always answers true, however it went; only too many requests from one
/// client address are refused (RATE_LIMITED).
pub async fn request(state: &AppState, email: &str, client: IpAddr) -> AppResult<bool> {
    let started = tokio::time::Instant::now();
    let limits = [(
        format!("reset:{client}"),
        state.config.password_resets_per_address,
    )];
    sessions::begin_guess(
        state,
        &limits,
        "too many password reset requests: wait a while and try again",
    )
    .await?;
    if let Ok(email) = validate::email(email) {
        send_link_if_due(state, &email).await?;
    }
    tokio::time::sleep_until(started + RESPONSE_FLOOR).await;
    Ok(true)
}

async fn send_link_if_due(state: &AppState, email: &str) -> AppResult<()> {
    let txn = state.db.begin().await?;
    let account = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::EmailVerified.eq(true))
        .filter(user::Column::IsActive.eq(true))
        .one(&txn)
        .await?;
    let Some(account) = account else {
        return Ok(());
    };
    let sent_lately = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(account.id))
        .filter(audit_event::Column::Action.eq(REQUEST))
        .filter(audit_event::Column::CreatedAt.gt(state.clock.now() - chrono::Duration::hours(1)))
        .count(&txn)
        .await?;
    if sent_lately >= EMAILS_PER_ACCOUNT_PER_HOUR {
        return Ok(());
    }
    let now = state.clock.now();
    let lifetime = chrono::Duration::hours(LIFETIME_HOURS);
    let secret = email_secrets::issue(
        &txn,
        account.id,
        SecretPurpose::ResetPassword,
        email,
        now,
        lifetime,
    )
    .await?;
    let message = reset_email(state, &account, secret, now + lifetime);
    mail::enqueue(&txn, state, message).await?;
    audit::record(
        &txn,
        state,
        None,
        Event::new(REQUEST, Some(account.id), json!({})),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued.notify_one();
    Ok(())
}

fn reset_email(
    state: &AppState,
    account: &user::Model,
    secret: String,
    expires: chrono::DateTime<chrono::Utc>,
) -> Email {
    let link = format!(
        "{}/reset-password/{}",
        state.config.public_url.trim_end_matches('/'),
        mail::SECRET
    );
    let expires = expires.format("%Y-%m-%d %H:%M UTC");
    let username = &account.username;
    Email {
        to: account.email.clone(),
        subject: "Choose a new password".into(),
        text: format!(
            "Someone asked to reset the password of the Roster account {username}.\n\n\
             Choose a new one here (the link works once, until {expires}):\n{link}\n\n\
             If you did not ask for this, ignore this email: your password stays as it is.\n"
        ),
        html: format!(
            "<p>Someone asked to reset the password of the Roster account <strong>{}</strong>.</p>\
             <p><a href=\"{}\">Choose a new password</a> (the link works once, until {expires}).</p>\
             <p>If you did not ask for this, ignore this email: your password stays as it is.</p>",
            escape_html(username),
            escape_html(&link)
        ),
        secret: Some(secret),
    }
}

/// Sets a new password with the secret from a reset email; the address counts as
/// proven and every session of the account ends. A wrong secret counts as a failed
/// guess from `client`.
pub async fn reset(
    state: &AppState,
    token: &str,
    new_password: &str,
    client: IpAddr,
) -> AppResult<bool> {
    password::check_strength(new_password)?;
    let password_hash = password::hash(new_password).await?;
    sessions::guess_token(state, client, set_password(state, token, password_hash)).await
}

async fn set_password(state: &AppState, token: &str, password_hash: String) -> AppResult<bool> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let secret = email_secrets::find(&txn, token, SecretPurpose::ResetPassword).await?;
    let account = verification::lock_user(&txn, secret.user_id).await?;
    // Read again under the lock: a password or email change may have voided it.
    let secret = email_secrets::find(&txn, token, SecretPurpose::ResetPassword).await?;
    if secret.expires_at <= now {
        return Err(AppError::Expired(
            "this link has expired: ask for a new one".into(),
        ));
    }
    if secret.email != account.email || !account.is_active {
        return Err(AppError::NotFound(
            "this link is unknown or was used already".into(),
        ));
    }
    let mut active: user::ActiveModel = account.clone().into();
    active.password_hash = Set(password_hash);
    active.email_verified = Set(true);
    active.session_epoch = Set(account.session_epoch + 1);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    email_secrets::void(&txn, account.id, &[SecretPurpose::ResetPassword]).await?;
    revoke_refresh_tokens(&txn, state, account.id).await?;
    sessions::forget_password_failures(&txn, &account).await?;
    audit::record(
        &txn,
        state,
        Some(account.id),
        Event::new("user.reset_password", Some(account.id), json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
