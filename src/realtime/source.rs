//! Where committed events come from, one task per instance. On PostgreSQL a trigger
//! announces each audit event's id on `roster_events` when its transaction commits
//! (migration 000009); this task LISTENs on its own connection, loads the events and
//! hands them to the hub, so a change made on any instance reaches the subscribers of
//! every instance. On SQLite (one instance) hooks on each pooled connection note the
//! audit rows a transaction inserted and pass them on when it commits; a rollback
//! discards them.

use std::{
    collections::{HashSet, VecDeque},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use entity::audit_event;
use sea_orm::{
    ConnectOptions, DatabaseConnection,
    sqlx::{
        postgres::PgListener,
        sqlite::{SqliteOperation, UpdateHookResult},
    },
};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

use super::hub::{Hub, Published};
use crate::{config::Config, domain::events, telemetry::Metrics};

/// The NOTIFY channel of the trigger.
const CHANNEL: &str = "roster_events";
/// How far before the loss of its connection a reconnected listener looks for
/// events it may have missed.
const CATCH_UP_WINDOW_MS: u64 = 10_000;
const CATCH_UP_LIMIT: u64 = 10_000;
/// How many published ids are remembered, so none is published twice.
const REMEMBERED_IDS: usize = 10_000;

/// Row ids of audit events, one batch per committed SQLite transaction.
pub type SqliteCommits = mpsc::UnboundedReceiver<Vec<i64>>;

/// What feeds this instance's hub.
pub enum Source {
    Postgres { url: String },
    Sqlite(SqliteCommits),
}

impl Source {
    /// The source for this configuration, and what to do to the connection options
    /// of the pool so that it works.
    pub fn new(config: &Config) -> (Self, impl FnOnce(&mut ConnectOptions)) {
        let (commits, committed) = mpsc::unbounded_channel();
        let source = if config.is_sqlite() {
            Self::Sqlite(committed)
        } else {
            Self::Postgres {
                url: config.database_url.clone(),
            }
        };
        (source, move |options: &mut ConnectOptions| {
            watch_sqlite_commits(options, commits);
        })
    }
}

/// Makes every SQLite connection of the pool report the audit events its
/// transactions commit. A no-op for PostgreSQL, which announces them itself.
fn watch_sqlite_commits(options: &mut ConnectOptions, commits: mpsc::UnboundedSender<Vec<i64>>) {
    options.map_sqlx_sqlite_pool_opts(move |pool| {
        let commits = commits.clone();
        pool.after_connect(move |connection, _| {
            let commits = commits.clone();
            Box::pin(async move {
                let mut handle = connection.lock_handle().await?;
                let inserted: Arc<Mutex<Vec<i64>>> = Arc::default();
                let noted = inserted.clone();
                handle.set_update_hook(move |change: UpdateHookResult| {
                    if matches!(change.operation, SqliteOperation::Insert)
                        && change.table == "audit_events"
                    {
                        take(&noted, |rows| rows.push(change.rowid));
                    }
                });
                let committed = inserted.clone();
                handle.set_commit_hook(move || {
                    let rows = take(&committed, std::mem::take);
                    if !rows.is_empty() {
                        let _ = commits.send(rows);
                    }
                    true
                });
                handle.set_rollback_hook(move || take(&inserted, Vec::clear));
                Ok(())
            })
        })
    });
}

fn take<T>(rows: &Mutex<Vec<i64>>, f: impl FnOnce(&mut Vec<i64>) -> T) -> T {
    f(&mut rows.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The ids published lately, oldest first, to publish none twice.
#[derive(Default)]
struct Recent {
    order: VecDeque<Uuid>,
    ids: HashSet<Uuid>,
}

impl Recent {
    /// False when `id` was published already.
    fn insert(&mut self, id: Uuid) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED_IDS
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

/// Loads nothing itself: hands loaded events to the hub, each once.
struct Publisher {
    hub: Arc<Hub>,
    recent: Recent,
}

impl Publisher {
    fn publish(&mut self, events: Vec<audit_event::Model>) {
        for event in events {
            if self.recent.insert(event.id) {
                self.hub.publish(Arc::new(Published::new(event)));
            }
        }
    }
}

/// Runs until `stopped` changes.
pub async fn run(
    source: Source,
    db: DatabaseConnection,
    hub: Arc<Hub>,
    metrics: Arc<Metrics>,
    stopped: watch::Receiver<()>,
) {
    let publisher = Publisher {
        hub,
        recent: Recent::default(),
    };
    match source {
        Source::Postgres { url } => listen(url, db, publisher, metrics, stopped).await,
        Source::Sqlite(commits) => follow_commits(commits, db, publisher, stopped).await,
    }
}

async fn follow_commits(
    mut commits: SqliteCommits,
    db: DatabaseConnection,
    mut publisher: Publisher,
    mut stopped: watch::Receiver<()>,
) {
    loop {
        let mut rowids = tokio::select! {
            _ = stopped.changed() => return,
            batch = commits.recv() => match batch {
                Some(batch) => batch,
                None => return,
            },
        };
        while let Ok(more) = commits.try_recv() {
            rowids.extend(more);
        }
        publisher.publish(load_committed(&db, rowids).await);
    }
}

/// The events in these SQLite rows. The commit hook runs just before the commit is
/// visible to other connections (with a pool of one there are none), so rows not
/// found at once are looked for a few more times.
async fn load_committed(db: &DatabaseConnection, mut rowids: Vec<i64>) -> Vec<audit_event::Model> {
    let mut found = Vec::new();
    for pause_ms in [0, 5, 25, 100, 500] {
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        match events::by_sqlite_rowids(db, &rowids).await {
            Ok(rows) => {
                rowids.retain(|rowid| !rows.iter().any(|(row, _)| row == rowid));
                found.extend(rows.into_iter().map(|(_, event)| event));
            }
            Err(error) => tracing::warn!(error = %error, "cannot load committed audit events"),
        }
        if rowids.is_empty() {
            break;
        }
    }
    found.sort_by_key(|event| event.id);
    found
}

async fn listen(
    url: String,
    db: DatabaseConnection,
    mut publisher: Publisher,
    metrics: Arc<Metrics>,
    mut stopped: watch::Receiver<()>,
) {
    // When the last connection was lost (None: never connected yet).
    let mut lost_at: Option<u64> = None;
    let mut pause = Duration::from_millis(100);
    loop {
        let connected = tokio::select! {
            _ = stopped.changed() => return,
            connected = subscribe(&url) => connected,
        };
        let listener = match connected {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(error = %error, retry_in_ms = pause.as_millis() as u64, "event listener cannot connect to the database");
                tokio::select! {
                    _ = stopped.changed() => return,
                    _ = tokio::time::sleep(pause) => {}
                }
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        pause = Duration::from_millis(100);
        if let Some(lost_at) = lost_at {
            tracing::info!("event listener reconnected to the database; catching up");
            metrics.listener_reconnected();
            catch_up(&db, &mut publisher, lost_at).await;
        }
        match follow(listener, &db, &mut publisher, &mut stopped).await {
            Followed::Stopped => return,
            Followed::Lost => lost_at = Some(now_ms()),
        }
    }
}

enum Followed {
    Stopped,
    Lost,
}

/// Publishes what the listener announces until its connection is lost.
async fn follow(
    mut listener: PgListener,
    db: &DatabaseConnection,
    publisher: &mut Publisher,
    stopped: &mut watch::Receiver<()>,
) -> Followed {
    loop {
        let received = tokio::select! {
            _ = stopped.changed() => return Followed::Stopped,
            received = listener.try_recv() => received,
        };
        let notification = match received {
            Ok(Some(notification)) => notification,
            Ok(None) => {
                tracing::warn!("event listener lost its database connection");
                return Followed::Lost;
            }
            Err(error) => {
                tracing::warn!(error = %error, "event listener lost its database connection");
                return Followed::Lost;
            }
        };
        let mut ids: Vec<Uuid> = notification.payload().parse().into_iter().collect();
        while let Some(more) = listener.next_buffered() {
            ids.extend(more.payload().parse::<Uuid>());
        }
        match events::by_ids(db, &ids).await {
            Ok(loaded) => publisher.publish(loaded),
            Err(error) => tracing::warn!(error = %error, "cannot load announced audit events"),
        }
    }
}

async fn subscribe(url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Publishes what committed while the listener was away: events from a little
/// before it noticed the loss (ids are time ordered, though not exactly in commit
/// order, and announcements in flight die with the connection); those published
/// already are skipped.
async fn catch_up(db: &DatabaseConnection, publisher: &mut Publisher, lost_at_ms: u64) {
    let since = events::floor_id(lost_at_ms.saturating_sub(CATCH_UP_WINDOW_MS));
    match events::after(db, None, since, CATCH_UP_LIMIT).await {
        Ok(missed) => publisher.publish(missed),
        Err(error) => tracing::warn!(error = %error, "cannot catch up on audit events"),
    }
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}
