//! Indexes for the visibility query: every signed-in user sees the projects with
//! public access, so they are read on each `projects` call and should not cost a
//! scan of the whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_projects_public_access ON projects (id) \
                 WHERE public_access IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_projects_public_access")
                    .table("projects")
                    .to_owned(),
            )
            .await
    }
}
