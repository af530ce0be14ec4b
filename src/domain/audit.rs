//! The audit trail: `record` is called by every mutation inside its transaction, so
//! an event exists exactly when its change does. Details never hold secrets.

use std::collections::HashMap;

use entity::audit_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::{Page, PageArgs, newest_per_project};
use crate::{access, auth::Viewer, error::AppResult, state::AppState};

/// What happened, to be recorded by `record`.
pub struct Event {
    /// `area.verb`, e.g. `user.create`.
    pub action: &'static str,
    pub project_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub details: Value,
}

impl Event {
    pub fn new(action: &'static str, target_id: Option<Uuid>, details: Value) -> Self {
        Self {
            action,
            project_id: None,
            target_id,
            details,
        }
    }

    pub fn in_project(mut self, project_id: Uuid) -> Self {
        self.project_id = Some(project_id);
        self
    }
}

/// Records an event on the given connection, normally the mutation's transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: Option<Uuid>,
    event: Event,
) -> AppResult<()> {
    let event = audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        action: Set(event.action.to_owned()),
        actor_id: Set(actor),
        project_id: Set(event.project_id),
        target_id: Set(event.target_id),
        details: Set(event.details),
        created_at: Set(state.clock.now()),
    };
    audit_event::Entity::insert(event)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub actor_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
}

/// Events newest first, for superusers (project events are listed through projects,
/// with their own access rule).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    filter: EventFilter,
    page: PageArgs,
) -> AppResult<Page<audit_event::Model>> {
    access::require_superuser(viewer)?;
    list_unchecked(state, filter, page).await
}

/// Events newest first, without an access check: the caller has made it.
pub async fn list_unchecked(
    state: &AppState,
    filter: EventFilter,
    page: PageArgs,
) -> AppResult<Page<audit_event::Model>> {
    let mut query = audit_event::Entity::find();
    if let Some(actor_id) = filter.actor_id {
        query = query.filter(audit_event::Column::ActorId.eq(actor_id));
    }
    if let Some(project_id) = filter.project_id {
        query = query.filter(audit_event::Column::ProjectId.eq(project_id));
    }
    let total = match page.count_total {
        true => Some(query.clone().count(&state.db).await?),
        false => None,
    };
    if let Some(after) = page.after_id()? {
        query = query.filter(audit_event::Column::Id.lt(after));
    }
    let rows = query
        .order_by_desc(audit_event::Column::Id)
        .limit(page.limit())
        .all(&state.db)
        .await?;
    Ok(Page::from_rows(rows, &page, total))
}

/// One page of each project's events, newest first, in one statement.
pub async fn for_projects(
    conn: &impl ConnectionTrait,
    project_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<audit_event::Model>>> {
    newest_per_project(conn, "audit_events", project_ids, None, page).await
}
