//! The `Subscription` root: `projectEvents`, `myAccessChanged` and
//! `invitationReceived`, served over `/graphql/ws` (see `realtime`). Resolvers take
//! the connection from the context and map the domain streams to GraphQL types.

use std::sync::Arc;

use async_graphql::{
    Context, ErrorExtensions, ID, Object, Result, Subscription,
    futures_util::{Stream, StreamExt},
};
use chrono::{DateTime, Utc};

use super::{
    audit::AuditEvent, connection::page_args, invitations::Invitation, parse_id, projects::Project,
    state, viewer,
};
use crate::{
    error::AppError,
    realtime::{self, AccessChange as Change, Connection, Ended},
};

/// The `extensions.code` of a subscription that fell too far behind and was ended.
pub const OVERFLOW_CODE: &str = "SUBSCRIPTION_OVERFLOW";

fn to_error(ended: Ended) -> async_graphql::Error {
    match ended {
        Ended::Failed(error) => error.into(),
        Ended::Overflow => async_graphql::Error::new(
            "this subscription fell too far behind and was ended: refetch, then subscribe again",
        )
        .extend_with(|_, extensions| extensions.set("code", OVERFLOW_CODE)),
    }
}

/// The signed-in WebSocket connection; subscriptions are not served over HTTP.
fn connection<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Connection>, AppError> {
    ctx.data::<Arc<Connection>>().map_err(|_| {
        AppError::BadUserInput("subscriptions are served over WebSocket at /graphql/ws".into())
    })
}

/// The viewer's access changed at this project or category (and so possibly below
/// it). Clients refetch what they show from there.
pub struct AccessChange(Change);

#[Object]
impl AccessChange {
    /// Where the grant changed; null when many places changed at once: refetch all.
    async fn project_id(&self) -> Option<ID> {
        self.0.project_id.map(|id| ID(id.to_string()))
    }

    /// Null when the viewer can no longer find it, or `projectId` is null.
    async fn project(&self) -> Option<Project> {
        self.0
            .project
            .clone()
            .and_then(|view| Project::granted(view).ok())
    }

    /// The audit action behind the change: "role.assign", "project.archive", …
    async fn action(&self) -> &str {
        &self.0.action
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every audit event of one project as it commits; needs MANAGE_MEMBERS there (as
    /// `Project.events`) and ends with FORBIDDEN when that is lost. With `after` (a
    /// cursor of `Project.events`), first replays what committed after it, then goes
    /// live: no gap, no duplicate.
    async fn project_events(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<AuditEvent>> + use<>> {
        let connection = connection(ctx)?;
        let project_id = parse_id(&project_id, "project")?;
        let after = page_args(ctx, None, after)?.after_id()?;
        let events = realtime::streams::project_events(
            state(ctx)?,
            connection,
            viewer(ctx),
            project_id,
            after,
        )
        .await?;
        Ok(events.map(|item| item.map(AuditEvent).map_err(to_error)))
    }

    /// The viewer's own access changed somewhere.
    async fn my_access_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<AccessChange>> + use<>> {
        let changes = realtime::streams::access_changes(state(ctx)?, connection(ctx)?).await?;
        Ok(changes.map(|item| item.map(AccessChange).map_err(to_error)))
    }

    /// A new invitation for the viewer's verified email.
    async fn invitation_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Invitation>> + use<>> {
        let invitations = realtime::streams::invitations(state(ctx)?, connection(ctx)?).await?;
        Ok(invitations.map(|item| item.map(Invitation).map_err(to_error)))
    }
}
