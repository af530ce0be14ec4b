//! What every request and domain function shares: the database, the configuration,
//! the token keys, the clock, the setting definitions and the metrics.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::{
    auth::{jwt::JwtKeys, seal::Sealer},
    config::Config,
    domain::settings::registry::Registry,
    realtime::Hub,
    telemetry::Metrics,
};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub jwt: Arc<JwtKeys>,
    /// Seals the secrets of queued email; keyed from the same secret as `jwt`.
    pub sealer: Arc<Sealer>,
    pub clock: Clock,
    /// Wakes the email sender when a transaction has queued email.
    pub mail_queued: Arc<Notify>,
    /// The setting definitions: built-ins and those of `ROSTER_SETTINGS_FILE`.
    pub settings: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    /// This instance's subscribers, and the events committed for them.
    pub realtime: Arc<Hub>,
}

/// The time as the service sees it. Production reads the system clock; tests move it
/// forward to reach expiries without sleeping.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(millis, Ordering::Relaxed);
    }
}
