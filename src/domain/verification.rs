//! Email verification (DESIGN.md, "Email verification"). A user's email is trusted
//! only once proven: a self-service change waits in `pending_email` until the link
//! sent to the new address is used, and only then becomes the email. Whatever
//! matches people by address (invitations) takes a `VerifiedEmail`, which only a
//! proven address yields.

use std::net::IpAddr;

use entity::{email_secret::SecretPurpose, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    audit::{self, Event},
    email_secrets, sessions,
};
use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    mail::{self, Email, escape_html},
    state::AppState,
};

/// How long a verification link works.
const LIFETIME_HOURS: i64 = 24;
/// Audit actions that sent a verification email; they are what the limit counts.
const REQUEST: &str = "user.email_change_request";
const RESEND: &str = "user.email_verification_resend";

/// An address proven to belong to its account. Only a user row whose email was
/// verified (by the link, by a superuser, or by an invitation or reset link) yields
/// one, so nothing that matches by address can be fooled by an unproven one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedEmail(String);

impl VerifiedEmail {
    /// The account's email if it is proven.
    pub fn of(account: &user::Model) -> Option<Self> {
        account.email_verified.then(|| Self(account.email.clone()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The user row, locked until the transaction ends, so that what is compared with
/// its email stays true until the commit.
pub async fn lock_user(txn: &DatabaseTransaction, id: Uuid) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// A user asks for `new_email` (validated) in place of their own: it becomes the
/// pending address (none when it is the current one) and a link goes to it, and the
/// current address is told. No check against other accounts here: an answer would
/// tell whether an address has an account. Returns the pending address.
pub async fn request_change(
    txn: &DatabaseTransaction,
    state: &AppState,
    account: &user::Model,
    new_email: String,
) -> AppResult<Option<String>> {
    if new_email == account.email {
        email_secrets::void(txn, account.id, &[SecretPurpose::VerifyEmail]).await?;
        return Ok(None);
    }
    require_email_budget(txn, state, account.id).await?;
    send_link(txn, state, account, &new_email).await?;
    mail::enqueue(txn, state, change_notice(account, &new_email)).await?;
    audit::record(
        txn,
        state,
        Some(account.id),
        Event::new(
            REQUEST,
            Some(account.id),
            json!({ "pendingEmail": new_email }),
        ),
    )
    .await?;
    Ok(Some(new_email))
}

/// Refuses another verification email once the user has had their hourly share.
async fn require_email_budget(
    conn: &impl ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
) -> AppResult<()> {
    let since = state.clock.now() - chrono::Duration::hours(1);
    let sent = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::TargetId.eq(user_id))
        .filter(entity::audit_event::Column::Action.is_in([REQUEST, RESEND]))
        .filter(entity::audit_event::Column::CreatedAt.gt(since))
        .count(conn)
        .await?;
    if sent >= u64::from(state.config.verification_emails_per_hour) {
        return Err(AppError::RateLimited(
            "too many verification emails: wait an hour and try again".into(),
        ));
    }
    Ok(())
}

/// Issues a new secret for `address` (the old link stops working) and queues the
/// email that carries it.
async fn send_link(
    txn: &DatabaseTransaction,
    state: &AppState,
    account: &user::Model,
    address: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let lifetime = chrono::Duration::hours(LIFETIME_HOURS);
    let secret = email_secrets::issue(
        txn,
        account.id,
        SecretPurpose::VerifyEmail,
        address,
        now,
        lifetime,
    )
    .await?;
    let email = verification_email(state, account, address, secret, now + lifetime);
    mail::enqueue(txn, state, email).await
}

/// The email with the link that confirms `address`.
fn verification_email(
    state: &AppState,
    account: &user::Model,
    address: &str,
    secret: String,
    expires: chrono::DateTime<chrono::Utc>,
) -> Email {
    let link = format!(
        "{}/verify-email/{}",
        state.config.public_url.trim_end_matches('/'),
        mail::SECRET
    );
    let expires = expires.format("%Y-%m-%d %H:%M UTC");
    let username = &account.username;
    Email {
        to: address.to_owned(),
        subject: "Confirm your email address".into(),
        text: format!(
            "The Roster account {username} asks to use this address.\n\n\
             Confirm it here (the link works once, until {expires}):\n{link}\n\n\
             If you did not ask for this, ignore this email: nothing changes.\n"
        ),
        html: format!(
            "<p>The Roster account <strong>{}</strong> asks to use this address.</p>\
             <p><a href=\"{}\">Confirm this address</a> (the link works once, until {expires}).</p>\
             <p>If you did not ask for this, ignore this email: nothing changes.</p>",
            escape_html(username),
            escape_html(&link)
        ),
        secret: Some(secret),
    }
}

/// The notice to the current address that another one was asked for.
fn change_notice(account: &user::Model, new_email: &str) -> Email {
    let username = &account.username;
    Email {
        to: account.email.clone(),
        subject: "Your email address is about to change".into(),
        text: format!(
            "The Roster account {username} asked to change its email to {new_email}. \
             This address stays in force until the new one is confirmed.\n\n\
             If this was not you, change your password now.\n"
        ),
        html: format!(
            "<p>The Roster account <strong>{}</strong> asked to change its email to {}. \
             This address stays in force until the new one is confirmed.</p>\
             <p>If this was not you, change your password now.</p>",
            escape_html(username),
            escape_html(new_email)
        ),
        secret: None,
    }
}

/// Makes the pending address the user's email with the secret from the link. A
/// wrong secret counts as a failed guess from `client`.
pub async fn verify(state: &AppState, token: &str, client: IpAddr) -> AppResult<user::Model> {
    sessions::guess_token(state, client, verify_unguarded(state, token)).await
}

async fn verify_unguarded(state: &AppState, token: &str) -> AppResult<user::Model> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let secret = email_secrets::find(&txn, token, SecretPurpose::VerifyEmail).await?;
    let account = lock_user(&txn, secret.user_id).await?;
    // Read again under the lock: a newer change may have voided it meanwhile.
    let secret = email_secrets::find(&txn, token, SecretPurpose::VerifyEmail).await?;
    if secret.expires_at <= now {
        return Err(AppError::Expired(
            "this link has expired: ask for a new one".into(),
        ));
    }
    if account.pending_email.as_deref() != Some(secret.email.as_str()) {
        return Err(AppError::NotFound(
            "this link is unknown or was used already".into(),
        ));
    }
    let taken = user::Entity::find()
        .filter(user::Column::Email.eq(secret.email.as_str()))
        .filter(user::Column::Id.ne(account.id))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::Conflict(
            "that email belongs to another account".into(),
        ));
    }
    let mut active: user::ActiveModel = account.into();
    active.email = Set(secret.email.clone());
    active.email_verified = Set(true);
    active.pending_email = Set(None);
    active.updated_at = Set(now);
    let verified = active.update(&txn).await?;
    email_secrets::void(&txn, verified.id, email_secrets::ALL).await?;
    audit::record(
        &txn,
        state,
        Some(verified.id),
        Event::new(
            "user.verify_email",
            Some(verified.id),
            json!({ "email": verified.email }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(verified)
}

/// Sends the link for the viewer's pending address again (a new link: the old one
/// stops working). False when no address is pending.
pub async fn resend(state: &AppState, viewer: &Viewer) -> AppResult<bool> {
    let me = viewer.require_user()?;
    let txn = state.db.begin().await?;
    let account = lock_user(&txn, me.id).await?;
    let Some(pending) = account.pending_email.clone() else {
        return Ok(false);
    };
    require_email_budget(&txn, state, account.id).await?;
    send_link(&txn, state, &account, &pending).await?;
    audit::record(
        &txn,
        state,
        Some(account.id),
        Event::new(RESEND, Some(account.id), json!({ "pendingEmail": pending })),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued.notify_one();
    Ok(true)
}

/// Records that the account's current email is proven (an invitation link sent to
/// it was used), inside the caller's transaction.
pub async fn mark_verified(
    txn: &DatabaseTransaction,
    state: &AppState,
    account: user::Model,
) -> AppResult<user::Model> {
    if account.email_verified {
        return Ok(account);
    }
    let mut active: user::ActiveModel = account.into();
    active.email_verified = Set(true);
    active.updated_at = Set(state.clock.now());
    Ok(active.update(txn).await?)
}
