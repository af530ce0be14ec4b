//! Invitations by email and the outbox of emails to send.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("invitations")
                    .col(pk_uuid("id"))
                    .col(uuid("project_id"))
                    .col(string_len("email", 320))
                    .col(string_len("role", 16))
                    .col(text_null("message"))
                    .col(uuid_null("issuer_id"))
                    .col(string_len("status", 16))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_project_id")
                            .from("invitations", "project_id")
                            .to("projects", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_issuer_id")
                            .from("invitations", "issuer_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_invitations_token_hash")
                    .table("invitations")
                    .col("token_hash")
                    .unique()
                    .take(),
            )
            .await?;
        for (name, column) in [
            ("ix_invitations_project_id", "project_id"),
            ("ix_invitations_email", "email"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("invitations")
                        .col(column)
                        .take(),
                )
                .await?;
        }
        // One pending invitation per project and address, held by the database too.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_invitations_pending_email ON invitations (project_id, email) \
                 WHERE status = 'PENDING'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("outbound_emails")
                    .col(pk_uuid("id"))
                    .col(string_len("to_address", 320))
                    .col(string_len("subject", 998))
                    .col(text_null("body_text"))
                    .col(text_null("body_html"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(text_null("last_error"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbound_emails_due")
                    .table("outbound_emails")
                    .col("sent_at")
                    .col("next_attempt_at")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("outbound_emails").take())
            .await?;
        manager
            .drop_table(Table::drop().table("invitations").take())
            .await?;
        Ok(())
    }
}
