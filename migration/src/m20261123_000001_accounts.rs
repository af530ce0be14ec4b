//! Users, sign-in state (refresh and API tokens, failed logins) and the audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn user_fk(
    table: &'static str,
    column: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to("users", "id")
        .on_delete(on_delete)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_len("username", 64))
                    .col(string_len("email", 320))
                    .col(string_len("name", 255))
                    .col(string("password_hash"))
                    .col(boolean("is_superuser"))
                    .col(boolean("is_system"))
                    .col(boolean("is_active"))
                    .col(integer("session_epoch"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;
        for column in ["username", "email"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("uq_users_{column}"))
                        .table("users")
                        .col(column)
                        .unique()
                        .take(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("refresh_tokens")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("family_id"))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut user_fk(
                        "refresh_tokens",
                        "user_id",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_refresh_tokens_token_hash")
                    .table("refresh_tokens")
                    .col("token_hash")
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_user_id")
                    .table("refresh_tokens")
                    .col("user_id")
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_family_id")
                    .table("refresh_tokens")
                    .col("family_id")
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("name", 255))
                    .col(string_len("prefix", 32))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .foreign_key(&mut user_fk(
                        "api_tokens",
                        "user_id",
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_api_tokens_token_hash")
                    .table("api_tokens")
                    .col("token_hash")
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_tokens_user_id")
                    .table("api_tokens")
                    .col("user_id")
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_failures")
                    .col(pk_uuid("id"))
                    .col(string_len("key", 400))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_failures_key_created_at")
                    .table("login_failures")
                    .col("key")
                    .col("created_at")
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .col(pk_uuid("id"))
                    .col(string_len("action", 64))
                    .col(uuid_null("actor_id"))
                    .col(uuid_null("project_id"))
                    .col(uuid_null("target_id"))
                    .col(json("details"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut user_fk(
                        "audit_events",
                        "actor_id",
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;
        for column in ["actor_id", "project_id"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("ix_audit_events_{column}"))
                        .table("audit_events")
                        .col(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_events",
            "login_failures",
            "api_tokens",
            "refresh_tokens",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
