//! A one-time secret sent by email to prove control of an address: to confirm a
//! pending email change, or to reset a password. Stored only as a digest; one live
//! secret per user and purpose, so a newer one replaces the older.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SecretPurpose {
    /// Confirms `users.pending_email`.
    #[sea_orm(string_value = "VERIFY_EMAIL")]
    VerifyEmail,
    /// Sets a new password.
    #[sea_orm(string_value = "RESET_PASSWORD")]
    ResetPassword,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_secrets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: SecretPurpose,
    /// The address the secret was sent to: it proves control of that one only.
    pub email: String,
    /// SHA-256 of the secret, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
