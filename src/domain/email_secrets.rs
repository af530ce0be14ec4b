//! One-time secrets sent by email to prove control of an address (confirming an
//! email change, resetting a password): issued random, stored only as a digest,
//! one live secret per user and purpose, and gone once used or voided.

use chrono::{DateTime, Utc};
use entity::email_secret::{self, SecretPurpose};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::{
    auth::secret,
    error::{AppError, AppResult},
};

/// The prefix of each purpose's secrets, so a secret is recognised at a glance.
fn prefix(purpose: SecretPurpose) -> &'static str {
    match purpose {
        SecretPurpose::VerifyEmail => "rsv_",
        SecretPurpose::ResetPassword => "rsp_",
    }
}

/// Issues a secret proving control of `email` for `purpose`, replacing the user's
/// earlier one of that purpose (its link stops working); returns the secret.
pub async fn issue(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: SecretPurpose,
    email: &str,
    now: DateTime<Utc>,
    lifetime: chrono::Duration,
) -> AppResult<String> {
    void(conn, user_id, &[purpose]).await?;
    let token = secret::generate(prefix(purpose));
    email_secret::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose),
        email: Set(email.to_owned()),
        token_hash: Set(secret::digest(&token)),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The live secret of `purpose` that `token` is; NOT_FOUND for anything else
/// (unknown, used, voided, or of another purpose). Expiry is the caller's to judge.
pub async fn find(
    conn: &impl ConnectionTrait,
    token: &str,
    purpose: SecretPurpose,
) -> AppResult<email_secret::Model> {
    email_secret::Entity::find()
        .filter(email_secret::Column::TokenHash.eq(secret::digest(token.trim())))
        .filter(email_secret::Column::Purpose.eq(purpose))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("this link is unknown or was used already".into()))
}

/// Ends the user's secrets of these purposes.
pub async fn void(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purposes: &[SecretPurpose],
) -> AppResult<()> {
    email_secret::Entity::delete_many()
        .filter(email_secret::Column::UserId.eq(user_id))
        .filter(email_secret::Column::Purpose.is_in(purposes.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Every purpose: an email or password change ends all of them.
pub const ALL: &[SecretPurpose] = &[SecretPurpose::VerifyEmail, SecretPurpose::ResetPassword];
