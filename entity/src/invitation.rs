//! An invitation by email to join a project with a role. The secret sent in the
//! link is stored only as a digest.

use sea_orm::entity::prelude::*;

use super::role_assignment::Role;

/// Stored states. An invitation still PENDING past its expiry reads as EXPIRED, and
/// is stored as such once something touches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvitationStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// Normalised (trimmed, lower-case).
    pub email: String,
    pub role: Role,
    pub message: Option<String>,
    /// Null once the issuer's account is gone.
    pub issuer_id: Option<Uuid>,
    pub status: InvitationStatus,
    /// SHA-256 of the secret in the link, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id",
        on_delete = "Cascade"
    )]
    Project,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::IssuerId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Issuer,
}

impl ActiveModelBehavior for ActiveModel {}
