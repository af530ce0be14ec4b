//! Projects and categories, in one tree. A category holds categories and projects;
//! a project holds none.

use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ProjectType {
    #[sea_orm(string_value = "PROJECT")]
    Project,
    #[sea_orm(string_value = "CATEGORY")]
    Category,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// The title lower-cased: unique among siblings.
    pub title_key: String,
    pub project_type: ProjectType,
    pub parent_id: Option<Uuid>,
    pub description: Option<String>,
    pub readme: Option<String>,
    /// GUEST or VIEWER for every signed-in user, inherited down the tree.
    pub public_access: Option<super::role_assignment::Role>,
    pub archived: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
