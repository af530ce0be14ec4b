//! The audit trail as GraphQL: `AuditEvent` and `auditEvents`.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::audit_event;

use super::{
    connection::{Connection, connection, page_args},
    loaders::UserLoader,
    parse_id, state,
    users::User,
    viewer,
};
use crate::domain::audit::{self as domain, EventFilter};

/// Something that changed, who changed it, and when.
pub struct AuditEvent(pub audit_event::Model);

#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// `area.verb`: "project.create", "role.assign", "invitation.accept", …
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// Null for the system or a deleted account.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(actor_id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(UserLoader::load(ctx, actor_id).await?.map(User::new))
    }

    async fn project_id(&self) -> Option<ID> {
        self.0.project_id.map(|id| ID(id.to_string()))
    }

    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|id| ID(id.to_string()))
    }

    /// What changed; never secrets.
    async fn details(&self) -> Option<Json<serde_json::Value>> {
        Some(Json(self.0.details.clone()))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub fn event_connection(page: crate::domain::Page<audit_event::Model>) -> Connection<AuditEvent> {
    connection(page, |event| event.id.to_string(), AuditEvent)
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Every event, newest first (superusers).
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        actor_id: Option<ID>,
        project_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AuditEvent>> {
        let page = page_args(ctx, first, after)?;
        let filter = EventFilter {
            actor_id: actor_id
                .as_ref()
                .map(|id| parse_id(id, "user"))
                .transpose()?,
            project_id: project_id
                .as_ref()
                .map(|id| parse_id(id, "project"))
                .transpose()?,
        };
        let page = domain::list(state(ctx)?, viewer(ctx), filter, page).await?;
        Ok(event_connection(page))
    }
}
