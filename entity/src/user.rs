//! A person or system account that can sign in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-case `[a-z0-9._-]`, 3–64 characters.
    #[sea_orm(unique)]
    pub username: String,
    /// Stored normalised (trimmed, lower-case), so uniqueness is case-insensitive.
    #[sea_orm(unique)]
    pub email: String,
    /// Whether `email` is proven: set by a superuser, reached through an emailed
    /// link (invitation, verification, password reset), or proven by the audit trail.
    pub email_verified: bool,
    /// An address the user asked for and has not confirmed yet; `email` stays in
    /// force until then.
    pub pending_email: Option<String>,
    pub name: String,
    /// argon2id PHC string; never leaves the domain layer.
    pub password_hash: String,
    pub is_superuser: bool,
    pub is_system: bool,
    pub is_active: bool,
    /// Bumped when a password changes or the user is deactivated; access tokens carry
    /// the epoch they were issued in, so older ones stop working at once.
    pub session_epoch: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
