//! The fan-out of one instance: every subscriber has a bounded buffer, and a
//! committed event is offered to each subscriber it may concern without waiting.
//! A subscriber whose buffer is full loses its subscription (it is told so with
//! SUBSCRIPTION_OVERFLOW), so a slow client never delays the others and never
//! makes the server hold more than its buffer.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use entity::audit_event;
use tokio::sync::{
    mpsc::{self, error::TrySendError},
    watch,
};
use uuid::Uuid;

use super::impact::Impact;
use crate::telemetry::Metrics;

/// A committed event and what it means.
#[derive(Debug)]
pub struct Published {
    pub event: audit_event::Model,
    pub impact: Impact,
}

impl Published {
    pub fn new(event: audit_event::Model) -> Self {
        let impact = Impact::of(&event);
        Self { event, impact }
    }
}

/// What a subscriber listens to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    ProjectEvents(Uuid),
    AccessChanged,
    InvitationReceived,
}

impl Topic {
    /// The label of its metrics.
    pub fn kind(self) -> &'static str {
        match self {
            Self::ProjectEvents(_) => "projectEvents",
            Self::AccessChanged => "myAccessChanged",
            Self::InvitationReceived => "invitationReceived",
        }
    }

    /// Whether an event may matter to a subscriber of this topic who is `user_id`.
    /// Every topic hears of its user's credential and access changes: the first
    /// may end it, the second may end `projectEvents`.
    fn wants(self, user_id: Uuid, published: &Published) -> bool {
        let impact = &published.impact;
        if impact.credential_of == Some(user_id) {
            return true;
        }
        let access = impact
            .access
            .as_ref()
            .is_some_and(|access| access.may_concern(user_id));
        match self {
            Self::ProjectEvents(project_id) => {
                access || published.event.project_id == Some(project_id)
            }
            Self::AccessChanged => access,
            Self::InvitationReceived => impact.invitation,
        }
    }
}

struct Subscriber {
    user_id: Uuid,
    topic: Topic,
    sender: mpsc::Sender<Arc<Published>>,
    overflowed: Arc<AtomicBool>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    subscribers: HashMap<u64, Subscriber>,
    connections: HashMap<Uuid, u32>,
}

pub struct Hub {
    registry: Mutex<Registry>,
    buffer: usize,
    metrics: Arc<Metrics>,
    /// Set when the instance shuts down.
    closing: watch::Sender<bool>,
}

/// A subscriber's end: its buffer, and its place in the hub until dropped.
pub struct Registration {
    hub: Arc<Hub>,
    id: u64,
    topic: Topic,
    pub receiver: mpsc::Receiver<Arc<Published>>,
    overflowed: Arc<AtomicBool>,
}

impl Registration {
    /// Whether the hub ended this subscription because its buffer was full.
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }

    pub fn topic(&self) -> Topic {
        self.topic
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let removed = self.hub.registry().subscribers.remove(&self.id);
        // Unless the hub ended it already (and counted that).
        if removed.is_some() {
            self.hub.metrics.subscriptions(self.topic.kind(), -1.0);
        }
    }
}

/// A signed-in WebSocket connection's place in the per-user count, until dropped.
pub struct ConnectionSlot {
    hub: Arc<Hub>,
    user_id: Uuid,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut registry = self.hub.registry();
        if let Some(count) = registry.connections.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                registry.connections.remove(&self.user_id);
            }
        }
        drop(registry);
        self.hub.metrics.ws_connections(-1.0);
    }
}

impl Hub {
    pub fn new(buffer: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            registry: Mutex::default(),
            buffer: buffer.max(1),
            metrics,
            closing: watch::Sender::new(false),
        }
    }

    /// Tells every WebSocket connection that the instance is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once `close` has been called.
    pub async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        let _ = closing.wait_for(|closing| *closing).await;
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts buffering the events of `topic` for `user_id`.
    pub fn subscribe(self: &Arc<Self>, user_id: Uuid, topic: Topic) -> Registration {
        let (sender, receiver) = mpsc::channel(self.buffer);
        let overflowed = Arc::new(AtomicBool::new(false));
        let mut registry = self.registry();
        registry.next_id += 1;
        let id = registry.next_id;
        registry.subscribers.insert(
            id,
            Subscriber {
                user_id,
                topic,
                sender,
                overflowed: overflowed.clone(),
            },
        );
        drop(registry);
        self.metrics.subscriptions(topic.kind(), 1.0);
        Registration {
            hub: self.clone(),
            id,
            topic,
            receiver,
            overflowed,
        }
    }

    /// Counts a connection of `user_id`; None when they hold `limit` already.
    pub fn connect(self: &Arc<Self>, user_id: Uuid, limit: u32) -> Option<ConnectionSlot> {
        let mut registry = self.registry();
        let count = registry.connections.entry(user_id).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        drop(registry);
        self.metrics.ws_connections(1.0);
        Some(ConnectionSlot {
            hub: self.clone(),
            user_id,
        })
    }

    /// Offers a committed event to every subscriber it may concern. Never waits: a
    /// full buffer ends that subscription instead.
    pub fn publish(&self, published: Arc<Published>) {
        let mut registry = self.registry();
        let mut ended = Vec::new();
        for (id, subscriber) in &registry.subscribers {
            if !subscriber.topic.wants(subscriber.user_id, &published) {
                continue;
            }
            match subscriber.sender.try_send(published.clone()) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    subscriber.overflowed.store(true, Ordering::Release);
                    self.metrics.event_dropped(subscriber.topic.kind());
                    ended.push(*id);
                }
                Err(TrySendError::Closed(_)) => ended.push(*id),
            }
        }
        // Dropping the sender closes the buffer: its reader drains it, then ends.
        for id in ended {
            if let Some(subscriber) = registry.subscribers.remove(&id) {
                self.metrics.subscriptions(subscriber.topic.kind(), -1.0);
            }
        }
    }
}
