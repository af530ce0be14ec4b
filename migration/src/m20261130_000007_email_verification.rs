//! Email verification and the account hardening that goes with it (issue 11):
//! `users.email_verified` and `users.pending_email`, the one-time secrets sent by
//! email (`email_secrets`), the sealed secret of a queued email
//! (`outbound_emails.sealed_secret`) and the start of a refresh-token family
//! (`refresh_tokens.family_started_at`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// An address counts as verified only when the audit trail shows how it was set:
/// the latest event that set the user's current email is `user.create` (by a
/// superuser, by `create-superuser`, or by signing up through an invitation link:
/// every path to it proves the address or was a superuser's act) or a `user.update`
/// of `email` by someone other than the user (only superusers may change another
/// user's email). Changes users made to their own address prove nothing.
const BACKFILL_VERIFIED: &str = "\
    UPDATE users SET email_verified = TRUE WHERE ( \
        SELECT CASE WHEN e.action = 'user.create' THEN 1 \
                    WHEN e.actor_id IS NULL OR e.actor_id <> e.target_id THEN 1 \
                    ELSE 0 END \
        FROM audit_events e \
        WHERE e.target_id = users.id \
          AND (e.action = 'user.create' \
               OR (e.action = 'user.update' AND CAST(e.details AS TEXT) LIKE '%\"email\"%')) \
        ORDER BY e.created_at DESC, e.id DESC \
        LIMIT 1 \
    ) = 1";

/// Every existing family started when its oldest token was issued.
const BACKFILL_FAMILY_START: &str = "\
    UPDATE refresh_tokens SET family_started_at = ( \
        SELECT MIN(r.created_at) FROM refresh_tokens r WHERE r.family_id = refresh_tokens.family_id \
    )";

async fn add_column(
    manager: &SchemaManager<'_>,
    table: &str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(table))
                .add_column(column)
                .take(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            "users",
            boolean("email_verified").default(false).take(),
        )
        .await?;
        add_column(manager, "users", string_len_null("pending_email", 320)).await?;
        // A constant default lets SQLite add a NOT NULL column; the backfill below
        // replaces it in every existing row, and new rows always set it.
        add_column(
            manager,
            "refresh_tokens",
            timestamp_with_time_zone("family_started_at")
                .default("1970-01-01 00:00:00+00:00")
                .take(),
        )
        .await?;
        add_column(manager, "outbound_emails", text_null("sealed_secret")).await?;
        let db = manager.get_connection();
        db.execute_unprepared(BACKFILL_VERIFIED).await?;
        db.execute_unprepared(BACKFILL_FAMILY_START).await?;

        manager
            .create_table(
                Table::create()
                    .table("email_secrets")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("purpose", 16))
                    .col(string_len("email", 320))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_secrets_user_id")
                            .from("email_secrets", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_email_secrets_token_hash")
                    .table("email_secrets")
                    .col("token_hash")
                    .unique()
                    .take(),
            )
            .await?;
        // One live secret per user and purpose: a newer one replaces it.
        manager
            .create_index(
                Index::create()
                    .name("uq_email_secrets_user_purpose")
                    .table("email_secrets")
                    .col("user_id")
                    .col("purpose")
                    .unique()
                    .take(),
            )
            .await?;
        // Rate limits count recent audit events per target.
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_target_id")
                    .table("audit_events")
                    .col("target_id")
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_events_target_id")
                    .table("audit_events")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("email_secrets").take())
            .await?;
        for (table, column) in [
            ("outbound_emails", "sealed_secret"),
            ("refresh_tokens", "family_started_at"),
            ("users", "pending_email"),
            ("users", "email_verified"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
