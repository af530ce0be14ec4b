//! A tiny per-process cache of signed-in users' rows, so that a read-only request
//! with an access token need not read its user's row in a statement of its own: the
//! first access statement of the request (the chains) reads the row along (see
//! `projects::load_chains_with_subject`). A cached row is only ever a guess. Before
//! the answer leaves, the guess is confirmed against the database row read in this
//! request (by that statement, or else by one of its own); a wrong guess (a session
//! ended, a role or flag changed, on this instance or another) throws the answer
//! away and the request runs again with the row as it is. So a revoked session is
//! never served, and no answer rests on a stale row. Requests that may write
//! (mutations) never guess.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

use entity::user;
use uuid::Uuid;

/// Most rows kept; past it the cache starts again empty (a guess is an optimisation
/// only, and a bounded map needs no eviction policy to stay small).
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct ViewerCache {
    rows: Mutex<HashMap<Uuid, Arc<user::Model>>>,
}

impl ViewerCache {
    /// The cached row of `id`, if it is active and of session epoch `epoch`.
    pub fn guess(&self, id: Uuid, epoch: i32) -> Option<Arc<user::Model>> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.get(&id)
            .filter(|row| row.is_active && row.session_epoch == epoch)
            .cloned()
    }

    /// Keeps `row`, just read from the database, for the next requests.
    pub fn remember(&self, row: &user::Model) {
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        if rows.len() >= CAPACITY && !rows.contains_key(&row.id) {
            rows.clear();
        }
        rows.insert(row.id, Arc::new(row.clone()));
    }

    pub fn forget(&self, id: Uuid) {
        self.rows
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }
}

/// A viewer taken from the cache, and the row the database holds, once a statement
/// of this request has read it.
pub struct Unconfirmed {
    guess: Arc<user::Model>,
    current: OnceLock<user::Model>,
}

impl Unconfirmed {
    pub fn new(guess: Arc<user::Model>) -> Self {
        Self {
            guess,
            current: OnceLock::new(),
        }
    }

    pub fn user_id(&self) -> Uuid {
        self.guess.id
    }

    /// Whether no statement of this request has read the row yet.
    pub fn awaits_row(&self) -> bool {
        self.current.get().is_none()
    }

    /// Records the row a statement read (the first one counts).
    pub fn observe(&self, current: Option<user::Model>) {
        if let Some(current) = current {
            let _ = self.current.set(current);
        }
    }

    /// Whether a statement of this request read the row and it is the guess.
    pub fn is_confirmed(&self) -> bool {
        self.current.get() == Some(&*self.guess)
    }

    /// Whether `row` (read afresh) is the guess.
    pub fn matches(&self, row: Option<&user::Model>) -> bool {
        row == Some(&*self.guess)
    }
}
