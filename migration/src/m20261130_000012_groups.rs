//! Groups: named sets of users (MANAGERs and MEMBERs) that hold roles in projects
//! like a user does. Deleting a group, a user or a project removes what hangs on it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("groups")
                    .col(pk_uuid("id"))
                    .col(string_len("name", 400))
                    .col(text_null("description"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        create_members(manager).await?;
        create_role_assignments(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["group_role_assignments", "group_members", "groups"] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}

fn cascade(
    table: &'static str,
    column: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

async fn create_members(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("group_members")
                .col(uuid("group_id"))
                .col(uuid("user_id"))
                .col(string_len("role", 16))
                .col(timestamp_with_time_zone("added_at"))
                .primary_key(Index::create().col("group_id").col("user_id"))
                .foreign_key(&mut cascade("group_members", "group_id", "groups"))
                .foreign_key(&mut cascade("group_members", "user_id", "users"))
                .take(),
        )
        .await?;
    // A user's groups: what every access decision joins through.
    manager
        .create_index(
            Index::create()
                .name("ix_group_members_user_id")
                .table("group_members")
                .col("user_id")
                .col("group_id")
                .take(),
        )
        .await
}

async fn create_role_assignments(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = "group_role_assignments";
    manager
        .create_table(
            Table::create()
                .table(table)
                .col(pk_uuid("id"))
                .col(uuid("project_id"))
                .col(uuid("group_id"))
                .col(string_len("role", 16))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut cascade(table, "project_id", "projects"))
                .foreign_key(&mut cascade(table, "group_id", "groups"))
                .take(),
        )
        .await?;
    // One assignment per group and project; also a project's grants, by project.
    manager
        .create_index(
            Index::create()
                .name("uq_group_role_assignments_project_group")
                .table(table)
                .col("project_id")
                .col("group_id")
                .unique()
                .take(),
        )
        .await?;
    // A group's grants, joined from its members.
    manager
        .create_index(
            Index::create()
                .name("ix_group_role_assignments_group_id")
                .table(table)
                .col("group_id")
                .col("project_id")
                .take(),
        )
        .await
}
