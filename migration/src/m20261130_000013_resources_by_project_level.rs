//! An index of resources by (project, safety level): `readableResources` looks up,
//! for each project where the viewer's role reads a level, that project's resources
//! at that level, from the index alone.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_resources_project_id_safety_level_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("resources")
                    .col("project_id")
                    .col("safety_level")
                    .col("id")
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table("resources").to_owned())
            .await
    }
}
