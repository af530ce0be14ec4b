//! The three subscriptions as streams of domain values. Each one registers with the
//! hub before it reads anything, checks the connection's credential and its own
//! access rule again for every event it delivers, and ends with an error the client
//! can act on: FORBIDDEN (access lost), UNAUTHENTICATED or EXPIRED (credential
//! ended) or SUBSCRIPTION_OVERFLOW (it fell too far behind).

use std::{collections::HashSet, sync::Arc, time::Duration};

use async_graphql::futures_util::Stream;
use chrono::{DateTime, Utc};
use entity::{audit_event, invitation, user};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::{
    connection::Connection,
    hub::{Published, Registration, Topic},
    impact::Audience,
};
use crate::{
    access::Permission,
    auth::Viewer,
    domain::{
        events,
        projects::{self, ProjectView},
    },
    error::{AppError, AppResult},
    state::AppState,
};

/// Events replayed per statement when a subscription starts after a cursor.
const REPLAY_PAGE: u64 = 100;

/// Why a subscription ended.
#[derive(Debug)]
pub enum Ended {
    Failed(AppError),
    /// Its buffer filled up: it missed events, and should refetch and subscribe again.
    Overflow,
}

impl From<AppError> for Ended {
    fn from(error: AppError) -> Self {
        Self::Failed(error)
    }
}

pub type Item<T> = Result<T, Ended>;

/// The viewer's access changed at `project_id` (None: in many places).
pub struct AccessChange {
    pub project_id: Option<Uuid>,
    /// The place as the viewer sees it now; None when they cannot find it.
    pub project: Option<ProjectView>,
    pub action: String,
    pub at: DateTime<Utc>,
}

/// What a subscription does next.
enum Step {
    Deliver(Arc<Published>, Viewer),
    End(Ended),
    /// The client went away.
    Closed,
}

/// One subscription: its connection, its buffer and its place in the counts.
struct Subscriber {
    state: AppState,
    connection: Arc<Connection>,
    registration: Registration,
    _slot: super::connection::SubscriptionSlot,
}

impl Subscriber {
    fn open(state: &AppState, connection: &Arc<Connection>, topic: Topic) -> AppResult<Self> {
        let slot =
            connection.claim_subscription(state.config.ws_max_subscriptions_per_connection)?;
        Ok(Self {
            registration: state.realtime.subscribe(connection.user_id(), topic),
            state: state.clone(),
            connection: connection.clone(),
            _slot: slot,
        })
    }

    /// Waits for the next event, and checks the credential again before handing it
    /// over with the viewer as of now.
    async fn next(&mut self) -> Step {
        let recheck = Duration::from_secs(self.state.config.ws_recheck_secs);
        loop {
            let expires_in = self.connection.expires_in(&self.state);
            let expiry = async {
                match expires_in {
                    Some(duration) => tokio::time::sleep(duration).await,
                    None => std::future::pending().await,
                }
            };
            let published = tokio::select! {
                error = self.connection.ended() => return Step::End(error.into()),
                _ = expiry => None,
                _ = tokio::time::sleep(recheck) => None,
                received = self.registration.receiver.recv() => match received {
                    Some(published) => Some(published),
                    None if self.registration.overflowed() => return Step::End(Ended::Overflow),
                    None => return Step::Closed,
                },
            };
            match (self.connection.viewer_now(&self.state).await, published) {
                (Err(error), _) => return Step::End(error.into()),
                (Ok(viewer), Some(published)) => return Step::Deliver(published, viewer),
                (Ok(_), None) => {}
            }
        }
    }

    fn delivered(&self) {
        self.state
            .metrics
            .event_delivered(self.registration.topic().kind());
    }
}

/// Fails unless the viewer may read the project's events (MANAGE_MEMBERS, as
/// `Project.events`).
async fn require_events_access(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
) -> AppResult<()> {
    projects::view(&state.db, state, viewer, project_id)
        .await?
        .access
        .require(Permission::ManageMembers)
}

fn access_lost() -> Ended {
    Ended::Failed(AppError::Forbidden(
        "you may no longer manage the members of this project, so its events end here".into(),
    ))
}

/// Every audit event of a project as it commits; with `after`, first those that
/// committed after that event.
pub async fn project_events(
    state: &AppState,
    connection: &Arc<Connection>,
    viewer: &Viewer,
    project_id: Uuid,
    after: Option<Uuid>,
) -> AppResult<impl Stream<Item = Item<audit_event::Model>> + use<>> {
    require_events_access(state, viewer, project_id).await?;
    // Listen first, then read the backlog: nothing committed in between is missed,
    // and what arrives twice is dropped by id.
    let mut subscriber = Subscriber::open(state, connection, Topic::ProjectEvents(project_id))?;
    Ok(async_stream::stream! {
        let mut replayed = HashSet::new();
        let mut cursor = after;
        while let Some(after) = cursor {
            let page = match events::after(&subscriber.state.db, Some(project_id), after, REPLAY_PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    yield Err(error.into());
                    return;
                }
            };
            cursor = page.last().map(|event| event.id);
            for event in page {
                replayed.insert(event.id);
                subscriber.delivered();
                yield Ok(event);
            }
        }
        loop {
            let (published, viewer) = match subscriber.next().await {
                Step::Deliver(published, viewer) => (published, viewer),
                Step::End(ended) => {
                    yield Err(ended);
                    return;
                }
                Step::Closed => return,
            };
            if replayed.remove(&published.event.id) {
                continue;
            }
            match require_events_access(&subscriber.state, &viewer, project_id).await {
                Ok(()) => {}
                Err(AppError::Forbidden(_) | AppError::NotFound(_)) => {
                    yield Err(access_lost());
                    return;
                }
                Err(error) => {
                    yield Err(error.into());
                    return;
                }
            }
            if published.event.project_id == Some(project_id) {
                subscriber.delivered();
                yield Ok(published.event.clone());
            }
        }
    })
}

/// The viewer's own access changes: one per event, at the place it happened.
pub fn access_changes(
    state: &AppState,
    connection: &Arc<Connection>,
) -> AppResult<impl Stream<Item = Item<AccessChange>> + use<>> {
    let mut subscriber = Subscriber::open(state, connection, Topic::AccessChanged)?;
    let user_id = connection.user_id();
    Ok(async_stream::stream! {
        loop {
            let (published, viewer) = match subscriber.next().await {
                Step::Deliver(published, viewer) => (published, viewer),
                Step::End(ended) => {
                    yield Err(ended);
                    return;
                }
                Step::Closed => return,
            };
            match access_change(&subscriber.state, &viewer, user_id, &published).await {
                Ok(Some(change)) => {
                    subscriber.delivered();
                    yield Ok(change);
                }
                Ok(None) => {}
                Err(error) => {
                    yield Err(error.into());
                    return;
                }
            }
        }
    })
}

/// What an event means for the viewer's access, if anything.
async fn access_change(
    state: &AppState,
    viewer: &Viewer,
    user_id: Uuid,
    published: &Published,
) -> AppResult<Option<AccessChange>> {
    let Some(impact) = published
        .impact
        .access
        .as_ref()
        .filter(|impact| impact.may_concern(user_id))
    else {
        return Ok(None);
    };
    let project = match impact.place {
        Some(place) => match projects::view(&state.db, state, viewer, place).await {
            Ok(view) => Some(view),
            Err(AppError::NotFound(_)) => None,
            Err(error) => return Err(error),
        },
        None => None,
    };
    if impact.audience == Audience::FindersOfPlace && project.is_none() {
        return Ok(None);
    }
    Ok(Some(AccessChange {
        project_id: impact.place,
        project,
        action: published.event.action.clone(),
        at: published.event.created_at,
    }))
}

/// New invitations addressed to the viewer.
pub fn invitations(
    state: &AppState,
    connection: &Arc<Connection>,
) -> AppResult<impl Stream<Item = Item<invitation::Model>> + use<>> {
    let mut subscriber = Subscriber::open(state, connection, Topic::InvitationReceived)?;
    Ok(async_stream::stream! {
        loop {
            let (published, viewer) = match subscriber.next().await {
                Step::Deliver(published, viewer) => (published, viewer),
                Step::End(ended) => {
                    yield Err(ended);
                    return;
                }
                Step::Closed => return,
            };
            let Some(invitation_id) = published.event.target_id.filter(|_| published.impact.invitation)
            else {
                continue;
            };
            let found = invitation::Entity::find_by_id(invitation_id).one(&subscriber.state.db).await;
            match (found, viewer.user()) {
                (Ok(Some(invitation)), Some(me)) if addressed_to(me, &invitation) => {
                    subscriber.delivered();
                    yield Ok(invitation);
                }
                (Err(error), _) => {
                    yield Err(AppError::from(error).into());
                    return;
                }
                _ => {}
            }
        }
    })
}

/// Whether an invitation is for this user. DESIGN asks for the user's verified
/// email; until accounts record verification, their current email stands in.
pub fn addressed_to(user: &user::Model, invitation: &invitation::Model) -> bool {
    invitation.email == user.email
}
