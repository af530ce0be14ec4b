//! A resource of a project (a dataset, a model, …; the kind is the client's), with
//! its own ACL: a safety level and the users it is shared with.

use sea_orm::entity::prelude::*;

/// G-Node's public / friendly / private.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SafetyLevel {
    #[sea_orm(string_value = "PUBLIC")]
    Public,
    #[sea_orm(string_value = "INTERNAL")]
    Internal,
    #[sea_orm(string_value = "PRIVATE")]
    Private,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    /// A resource of the same project, or none.
    pub parent_id: Option<Uuid>,
    pub kind: String,
    pub name: String,
    /// The name lower-cased: unique among siblings.
    pub name_key: String,
    pub owner_id: Uuid,
    pub safety_level: SafetyLevel,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Cascade"
    )]
    Parent,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    Owner,
}

impl ActiveModelBehavior for ActiveModel {}
