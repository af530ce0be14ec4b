//! Setting values of the three scopes (PROJECT, PROJECT_USER, USER) in one table.
//! (Number 000004 belongs to resources and ACLs.)

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("setting_values")
                    .col(pk_uuid("id"))
                    .col(string_len("namespace", 64))
                    .col(string_len("name", 64))
                    .col(uuid_null("project_id"))
                    .col(uuid_null("user_id"))
                    .col(json("value"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .check(
                        Expr::col("project_id")
                            .is_not_null()
                            .or(Expr::col("user_id").is_not_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_setting_values_project_id")
                            .from("setting_values", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_setting_values_user_id")
                            .from("setting_values", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        // One value per setting and owner. NULLs never collide in a unique index, so
        // each scope gets a partial index of its own (both backends support them).
        let db = manager.get_connection();
        for sql in [
            "CREATE UNIQUE INDEX uq_setting_values_project ON setting_values \
             (project_id, namespace, name) WHERE user_id IS NULL",
            "CREATE UNIQUE INDEX uq_setting_values_project_user ON setting_values \
             (project_id, user_id, namespace, name) WHERE project_id IS NOT NULL AND user_id IS NOT NULL",
            "CREATE UNIQUE INDEX uq_setting_values_user ON setting_values \
             (user_id, namespace, name) WHERE project_id IS NULL",
            // Deleting a user cascades here; without it every delete scans the table.
            "CREATE INDEX ix_setting_values_user_id ON setting_values (user_id)",
            // Every project that sets one setting (the address restrictions that
            // listing projects must apply).
            "CREATE INDEX ix_setting_values_project_setting ON setting_values (namespace, name) \
             WHERE user_id IS NULL",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("setting_values").take())
            .await?;
        Ok(())
    }
}
