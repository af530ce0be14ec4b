//! A user's direct role in a project or category. Roles on a category are inherited
//! by everything below it.

use sea_orm::entity::prelude::*;

/// Roles, lowest first: the order of these variants matters, since a role includes
/// everything the roles below it may do and roles are compared with `>=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "FINDER")]
    Finder,
    #[sea_orm(string_value = "VIEWER")]
    Viewer,
    #[sea_orm(string_value = "GUEST")]
    Guest,
    #[sea_orm(string_value = "CONTRIBUTOR")]
    Contributor,
    #[sea_orm(string_value = "DELEGATE")]
    Delegate,
    #[sea_orm(string_value = "OWNER")]
    Owner,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    /// From this instant on the assignment grants nothing.
    pub expires_at: Option<DateTimeUtc>,
    /// The user joined by their own act (created the project, accepted an
    /// invitation) or was assigned by a superuser: the project's members may see
    /// their email.
    pub email_shared: bool,
    /// The OWNER assignment a user gave themselves by creating the project.
    pub self_granted: bool,
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

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
