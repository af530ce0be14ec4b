//! Projects and categories in a tree, and direct role assignments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("projects")
                    .col(pk_uuid("id"))
                    .col(string_len("title", 255))
                    .col(string_len("title_key", 255))
                    .col(string_len("project_type", 16))
                    .col(uuid_null("parent_id"))
                    .col(text_null("description"))
                    .col(text_null("readme"))
                    .col(string_len_null("public_access", 16))
                    .col(boolean("archived"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_projects_parent_id")
                            .from("projects", "parent_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;
        // Titles are unique among siblings; NULL parents never collide in a unique
        // index, so top-level titles get an index of their own.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_projects_sibling_title ON projects (parent_id, title_key) \
             WHERE parent_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_projects_top_level_title ON projects (title_key) WHERE parent_id IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_projects_title_key_id")
                    .table("projects")
                    .col("title_key")
                    .col("id")
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("role_assignments")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(uuid("user_id"))
                    .col(string_len("role", 16))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_assignments_project_id")
                            .from("role_assignments", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_assignments_user_id")
                            .from("role_assignments", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_role_assignments_project_user")
                    .table("role_assignments")
                    .col("project_id")
                    .col("user_id")
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_role_assignments_user_id")
                    .table("role_assignments")
                    .col("user_id")
                    .take(),
            )
            .await?;
        // Exactly one direct owner per project, held by the database too.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_role_assignments_one_owner ON role_assignments (project_id) \
             WHERE role = 'OWNER'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("role_assignments").take())
            .await?;
        manager
            .drop_table(Table::drop().table("projects").take())
            .await?;
        Ok(())
    }
}
