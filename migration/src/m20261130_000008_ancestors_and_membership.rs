//! The closure table of the project tree, and what a role assignment says about how
//! it was given.
//!
//! `project_ancestors` holds every (project, ancestor, depth) pair, the project
//! itself at depth 0, so that chains, visible sets and inherited members are indexed
//! joins instead of recursive queries. It is kept in the same transaction as every
//! create, move and delete.
//!
//! On `role_assignments`: `email_shared` is true when the user joined by their own
//! act (created the project, accepted an invitation) or was assigned by a superuser:
//! only then do the project's members see their email. `self_granted` is true for the
//! OWNER assignment a user gave themselves by creating a project. Existing rows are
//! set from the audit trail; a superuser is one who is a superuser now.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const BACKFILL_ANCESTORS: &str = "\
    WITH RECURSIVE chain(project_id, ancestor_id, depth) AS ( \
        SELECT id, id, 0 FROM projects \
        UNION ALL \
        SELECT chain.project_id, up.parent_id, chain.depth + 1 FROM chain \
        JOIN projects up ON up.id = chain.ancestor_id WHERE up.parent_id IS NOT NULL \
    ) \
    INSERT INTO project_ancestors (project_id, ancestor_id, depth) \
    SELECT project_id, ancestor_id, depth FROM chain";

/// The owner assignment made when its project was created (same instant).
const CREATED_WITH_PROJECT: &str = "EXISTS (SELECT 1 FROM projects p \
    WHERE p.id = role_assignments.project_id AND p.created_at = role_assignments.created_at)";

fn by_audit(action: &str, matches: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM audit_events e LEFT JOIN users actor ON actor.id = e.actor_id \
         WHERE e.action = '{action}' AND {matches})"
    )
}

/// Fills `project_ancestors` anew from the parent links: for data written around
/// the service (a bulk load, a test that inserts rows directly).
pub async fn rebuild_project_ancestors<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared("DELETE FROM project_ancestors")
        .await?;
    db.execute_unprepared(BACKFILL_ANCESTORS).await?;
    Ok(())
}

/// Sets `email_shared` and `self_granted` on existing assignments from the audit
/// trail, as the service sets them when it writes an assignment.
pub async fn backfill_membership<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let created_by_self = by_audit(
        "project.create",
        "e.project_id = role_assignments.project_id AND e.actor_id = role_assignments.user_id",
    );
    let created_by_superuser = by_audit(
        "project.create",
        "e.project_id = role_assignments.project_id AND actor.is_superuser = TRUE",
    );
    let accepted = by_audit(
        "invitation.accept",
        "e.project_id = role_assignments.project_id AND e.actor_id = role_assignments.user_id",
    );
    let assigned_by_superuser = by_audit(
        "role.assign",
        "e.target_id = role_assignments.id AND actor.is_superuser = TRUE",
    );
    db.execute_unprepared(&format!(
        "UPDATE role_assignments SET self_granted = TRUE \
         WHERE {CREATED_WITH_PROJECT} AND {created_by_self}"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "UPDATE role_assignments SET email_shared = TRUE WHERE \
         ({CREATED_WITH_PROJECT} AND ({created_by_self} OR {created_by_superuser})) \
         OR {accepted} OR {assigned_by_superuser}"
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_ancestors(manager).await?;
        add_membership_columns(manager).await?;
        let db = manager.get_connection();
        db.execute_unprepared(BACKFILL_ANCESTORS).await?;
        backfill_membership(db).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["email_shared", "self_granted"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("role_assignments")
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table("project_ancestors").take())
            .await
    }
}

async fn create_ancestors(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("project_ancestors")
                .col(uuid("project_id"))
                .col(uuid("ancestor_id"))
                .col(integer("depth"))
                .primary_key(Index::create().col("project_id").col("ancestor_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_project_ancestors_project_id")
                        .from("project_ancestors", "project_id")
                        .to("projects", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_project_ancestors_ancestor_id")
                        .from("project_ancestors", "ancestor_id")
                        .to("projects", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
    // Below an ancestor: what a grant there reaches.
    manager
        .create_index(
            Index::create()
                .name("ix_project_ancestors_ancestor_id")
                .table("project_ancestors")
                .col("ancestor_id")
                .col("project_id")
                .take(),
        )
        .await
}

async fn add_membership_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for column in ["email_shared", "self_granted"] {
        manager
            .alter_table(
                Table::alter()
                    .table("role_assignments")
                    .add_column(boolean(column).default(false))
                    .take(),
            )
            .await?;
    }
    Ok(())
}
