//! Subscriptions across instances: on PostgreSQL every audit event announces its id
//! on the `roster_events` channel. A trigger does it, so every path that records an
//! event publishes it, and NOTIFY inside a transaction is delivered only when that
//! transaction commits: a rolled-back change announces nothing. SQLite has no
//! NOTIFY; there the service watches its own commits (see `src/realtime/source.rs`).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION roster_announce_audit_event() RETURNS trigger AS $$ \
             BEGIN \
                 PERFORM pg_notify('roster_events', NEW.id::text); \
                 RETURN NULL; \
             END; \
             $$ LANGUAGE plpgsql",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER tr_audit_events_announce AFTER INSERT ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION roster_announce_audit_event()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS tr_audit_events_announce ON audit_events")
            .await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS roster_announce_audit_event()")
            .await?;
        Ok(())
    }
}
