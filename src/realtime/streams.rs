//! The three subscriptions as streams of domain values. Each one registers with the
//! hub before it reads anything, checks the connection's credential and its own
//! access rule again for every event it delivers, and ends with an error the client
//! can act on: FORBIDDEN (access lost), UNAUTHENTICATED or EXPIRED (credential
//! ended) or SUBSCRIPTION_OVERFLOW (it fell too far behind).

use std::{
    collections::HashSet,
    pin::pin,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use async_graphql::futures_util::{Stream, StreamExt};
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
        verification::VerifiedEmail,
    },
    error::{AppError, AppResult},
    state::AppState,
};

/// Events replayed per statement when a subscription starts after a cursor.
const REPLAY_PAGE: u64 = 100;
/// How long before a subscription starts an event may have committed and still be
/// announced after it (announcements lag commits by the listener's work); at most
/// `HORIZON_LIMIT` such events are remembered.
const HORIZON: Duration = Duration::from_secs(10);
const HORIZON_LIMIT: u64 = 1000;

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
    /// The hub let go of it without an overflow: nothing more will come.
    Closed,
}

/// One subscription: its connection, its buffer and its place in the counts.
struct Subscriber {
    state: AppState,
    connection: Arc<Connection>,
    registration: Registration,
    /// Events that committed before it started, whose announcements may still be
    /// on their way: they are not news to it.
    horizon: HashSet<Uuid>,
    _slot: super::connection::SubscriptionSlot,
}

impl Subscriber {
    async fn open(state: &AppState, connection: &Arc<Connection>, topic: Topic) -> AppResult<Self> {
        let slot =
            connection.claim_subscription(state.config.ws_max_subscriptions_per_connection)?;
        let project_id = match topic {
            Topic::ProjectEvents(project_id) => Some(project_id),
            Topic::AccessChanged | Topic::InvitationReceived => None,
        };
        // Read before registering: what commits in between is news, never lost.
        let horizon = events::recent_ids(&state.db, project_id, HORIZON, HORIZON_LIMIT).await?;
        let registration = state.realtime.subscribe(connection.user_id(), topic);
        Ok(Self {
            registration,
            state: state.clone(),
            connection: connection.clone(),
            horizon: horizon.into_iter().collect(),
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
                biased;
                error = self.connection.ended() => return Step::End(error.into()),
                _ = expiry => None,
                _ = tokio::time::sleep(recheck) => None,
                received = self.registration.receiver.recv() => match received {
                    Some(published) => Some(published),
                    None if self.registration.overflowed() => return Step::End(Ended::Overflow),
                    None => return Step::Closed,
                },
            };
            if published
                .as_ref()
                .is_some_and(|published| self.horizon.remove(&published.event.id))
            {
                continue;
            }
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

/// The events a subscription delivers after each wake-up, decided by `decide` with
/// the viewer as of now: an item, nothing (not for this subscriber), or the end.
fn live<T, F, Fut>(mut subscriber: Subscriber, mut decide: F) -> impl Stream<Item = Item<T>>
where
    F: FnMut(AppState, Arc<Published>, Viewer) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Option<T>, Ended>> + Send,
    T: Send + 'static,
{
    async_stream::stream! {
        loop {
            let (published, viewer) = match subscriber.next().await {
                Step::Deliver(published, viewer) => (published, viewer),
                Step::End(ended) => {
                    yield Err(ended);
                    return;
                }
                Step::Closed => return,
            };
            match decide(subscriber.state.clone(), published, viewer).await {
                Ok(Some(item)) => {
                    subscriber.delivered();
                    yield Ok(item);
                }
                Ok(None) => {}
                Err(ended) => {
                    yield Err(ended);
                    return;
                }
            }
        }
    }
}

/// A project's events after `after`, oldest first, page by page; their ids go to
/// `seen`, so that the live part skips them.
fn replay(
    state: AppState,
    project_id: Uuid,
    after: Option<Uuid>,
    seen: Arc<Mutex<HashSet<Uuid>>>,
) -> impl Stream<Item = Item<audit_event::Model>> {
    async_stream::stream! {
        let mut cursor = after;
        while let Some(after) = cursor {
            let page = match events::after(&state.db, Some(project_id), after, REPLAY_PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    yield Err(error.into());
                    return;
                }
            };
            cursor = page.last().map(|event| event.id);
            for event in page {
                remembered(&seen).insert(event.id);
                state.metrics.event_delivered(Topic::ProjectEvents(project_id).kind());
                yield Ok(event);
            }
        }
    }
}

fn remembered(seen: &Mutex<HashSet<Uuid>>) -> MutexGuard<'_, HashSet<Uuid>> {
    seen.lock().unwrap_or_else(PoisonError::into_inner)
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
    let subscriber = Subscriber::open(state, connection, Topic::ProjectEvents(project_id)).await?;
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let backlog = replay(state.clone(), project_id, after, seen.clone());
    let live = live(subscriber, move |state, published, viewer| {
        let replayed = remembered(&seen).remove(&published.event.id);
        async move {
            if replayed {
                return Ok(None);
            }
            match require_events_access(&state, &viewer, project_id).await {
                Ok(()) => {}
                Err(AppError::Forbidden(_) | AppError::NotFound(_)) => return Err(access_lost()),
                Err(error) => return Err(error.into()),
            }
            let ours = published.event.project_id == Some(project_id);
            Ok(ours.then(|| published.event.clone()))
        }
    });
    Ok(async_stream::stream! {
        let mut backlog = pin!(backlog);
        while let Some(item) = backlog.next().await {
            let failed = item.is_err();
            yield item;
            if failed {
                return;
            }
        }
        let mut live = pin!(live);
        while let Some(item) = live.next().await {
            yield item;
        }
    })
}

/// The viewer's own access changes: one per event, at the place it happened.
pub async fn access_changes(
    state: &AppState,
    connection: &Arc<Connection>,
) -> AppResult<impl Stream<Item = Item<AccessChange>> + use<>> {
    let subscriber = Subscriber::open(state, connection, Topic::AccessChanged).await?;
    let user_id = connection.user_id();
    Ok(live(
        subscriber,
        move |state, published, viewer| async move {
            Ok(access_change(&state, &viewer, user_id, &published).await?)
        },
    ))
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
pub async fn invitations(
    state: &AppState,
    connection: &Arc<Connection>,
) -> AppResult<impl Stream<Item = Item<invitation::Model>> + use<>> {
    let subscriber = Subscriber::open(state, connection, Topic::InvitationReceived).await?;
    Ok(live(subscriber, |state, published, viewer| async move {
        let Some(invitation_id) = published
            .event
            .target_id
            .filter(|_| published.impact.invitation)
        else {
            return Ok(None);
        };
        let invitation = invitation::Entity::find_by_id(invitation_id)
            .one(&state.db)
            .await
            .map_err(AppError::from)?;
        Ok(invitation
            .filter(|invitation| viewer.user().is_some_and(|me| addressed_to(me, invitation))))
    }))
}

/// Whether an invitation is for this user: addressed to their verified email, as
/// `myInvitations` matches it.
pub fn addressed_to(user: &user::Model, invitation: &invitation::Model) -> bool {
    VerifiedEmail::of(user).is_some_and(|email| email.as_str() == invitation.email)
}
