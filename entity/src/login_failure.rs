//! One row per failed guess of a secret (a login, a current password) or per
//! limited request (a password reset), counted per key within a window. Kept in the
//! database so the limits hold across instances.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `user:<username>` (failed logins of an account), `user?<SHA-256 of a login
    /// naming no account>`, `addr:<client address>` (failed logins from it),
    /// `password:<user id>` (wrong current passwords) or `reset:<client address>`
    /// (password reset requests).
    pub key: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
