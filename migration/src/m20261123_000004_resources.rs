//! Resources of projects, nested, with their ACLs (safety level and shares).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("resources")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(uuid_null("parent_id"))
                    .col(string_len("kind", 64))
                    .col(string_len("name", 255))
                    .col(string_len("name_key", 255))
                    .col(uuid("owner_id"))
                    .col(string_len("safety_level", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resources_project_id")
                            .from("resources", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resources_parent_id")
                            .from("resources", "parent_id")
                            .to("resources", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resources_owner_id")
                            .from("resources", "owner_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        // Names are unique among siblings; top-level resources are siblings within
        // their project (NULL parents never collide in a unique index).
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_resources_sibling_name ON resources (parent_id, name_key) \
             WHERE parent_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_resources_top_level_name ON resources (project_id, name_key) \
             WHERE parent_id IS NULL",
        )
        .await?;
        for (name, columns) in [
            ("ix_resources_project_id_id", &["project_id", "id"][..]),
            ("ix_resources_owner_id", &["owner_id"][..]),
            ("ix_resources_safety_level_id", &["safety_level", "id"][..]),
            ("ix_resources_kind_id", &["kind", "id"][..]),
        ] {
            let mut index = Index::create().name(name).table("resources").take();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("resource_shares")
                    .col(uuid("resource_id"))
                    .col(uuid("user_id"))
                    .col(string_len("access", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("resource_id").col("user_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resource_shares_resource_id")
                            .from("resource_shares", "resource_id")
                            .to("resources", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resource_shares_user_id")
                            .from("resource_shares", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_resource_shares_user_id")
                    .table("resource_shares")
                    .col("user_id")
                    .col("resource_id")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("resource_shares").take())
            .await?;
        manager
            .drop_table(Table::drop().table("resources").take())
            .await?;
        Ok(())
    }
}
