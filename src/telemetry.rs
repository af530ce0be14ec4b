//! Metrics for `/metrics`, in the Prometheus text format. Each app owns its recorder
//! (none is installed globally), so several apps in one process, as in the tests,
//! count separately.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use async_graphql::{ServerError, Value};

use metrics::{Counter, Key, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::{
    admission::{Admission, Refusal},
    auth::password,
};

const REQUESTS: &str = "roster_graphql_requests_total";
const REQUEST_DURATION: &str = "roster_graphql_request_duration_seconds";
const STATEMENTS: &str = "roster_db_statements_total";
const CONNECTIONS_IN_USE: &str = "roster_db_connections_in_use";
const CONNECTIONS_OPEN: &str = "roster_db_connections_open";
const HASHES_IN_FLIGHT: &str = "roster_password_hashes_in_flight";
const WS_CONNECTIONS_OPEN: &str = "roster_ws_connections_open";
const SUBSCRIPTIONS_OPEN: &str = "roster_subscriptions_open";
const EVENTS_DELIVERED: &str = "roster_subscription_events_delivered_total";
const EVENTS_DROPPED: &str = "roster_subscription_events_dropped_total";
const LISTENER_RECONNECTS: &str = "roster_event_listener_reconnects_total";
const EXECUTING: &str = "roster_graphql_executing";
const QUEUED: &str = "roster_graphql_queued";
const REJECTED: &str = "roster_graphql_rejected_total";

/// Latency buckets from 1 ms to 10 s: a permission check should land in the first.
const DURATION_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Operation names are chosen by clients; past this many distinct ones, new names
/// are counted as `other` so a client cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

/// The label of requests that name no operation (or never reached one).
const UNNAMED_OPERATION: &str = "anonymous";

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    statements: Counter,
    operation_names: Mutex<HashSet<String>>,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &DURATION_BUCKETS)?
            .build_recorder();
        describe(&recorder);
        let statements = recorder.register_counter(&Key::from_static_name(STATEMENTS), &METADATA);
        // Present (at 0) before the first refusal, so a rate can be taken from the start.
        for refusal in [Refusal::QueueFull, Refusal::WaitedTooLong] {
            let labels = vec![Label::new("reason", refusal.label())];
            let _ = recorder.register_counter(&Key::from_parts(REJECTED, labels), &METADATA);
        }
        Ok(Self {
            handle: recorder.handle(),
            recorder,
            statements,
            operation_names: Mutex::default(),
        })
    }

    /// Counts every statement `db` executes, and traces its SQL (never its values,
    /// which may be secrets) under the `roster::sql` target.
    pub fn observe(self: &Arc<Self>, db: &mut DatabaseConnection) {
        let metrics = self.clone();
        db.set_metric_callback(move |info| {
            metrics.statements.increment(1);
            tracing::trace!(
                target: "roster::sql",
                elapsed_us = info.elapsed.as_micros() as u64,
                failed = info.failed,
                sql = %info.statement.sql,
            );
        });
    }

    /// Records one GraphQL operation: its name, its outcome (`ok` or the first
    /// error's code) and how long it took.
    pub fn record_request(&self, operation: Option<&str>, outcome: &str, elapsed: Duration) {
        let operation = self.operation_label(operation);
        let labels = vec![
            Label::new("operation", operation.clone()),
            Label::new("outcome", outcome.to_owned()),
        ];
        self.recorder
            .register_counter(&Key::from_parts(REQUESTS, labels), &METADATA)
            .increment(1);
        self.recorder
            .register_histogram(
                &Key::from_parts(REQUEST_DURATION, vec![Label::new("operation", operation)]),
                &METADATA,
            )
            .record(elapsed.as_secs_f64());
    }

    /// Counts one request turned away by admission control.
    pub fn record_refusal(&self, refusal: Refusal) {
        let labels = vec![Label::new("reason", refusal.label())];
        self.recorder
            .register_counter(&Key::from_parts(REJECTED, labels), &METADATA)
            .increment(1);
    }

    fn operation_label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation.filter(|name| !name.is_empty()) else {
            return UNNAMED_OPERATION.to_owned();
        };
        let mut known = self
            .operation_names
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if known.contains(name) {
            return name.to_owned();
        }
        if known.len() >= MAX_OPERATION_NAMES {
            return "other".to_owned();
        }
        known.insert(name.to_owned());
        name.to_owned()
    }

    /// The Prometheus text, with the gauges read at this moment.
    pub fn render(&self, db: &DatabaseConnection, admission: &Admission) -> String {
        let (open, idle) = pool_usage(db);
        self.gauge(CONNECTIONS_OPEN).set(f64::from(open));
        self.gauge(CONNECTIONS_IN_USE)
            .set(f64::from(open.saturating_sub(idle)));
        self.gauge(HASHES_IN_FLIGHT)
            .set(password::hashes_in_flight() as f64);
        self.gauge(EXECUTING).set(admission.executing() as f64);
        self.gauge(QUEUED).set(admission.queued() as f64);
        self.handle.render()
    }

    /// Folds recorded latencies into their buckets; without it they pile up between
    /// scrapes.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// A WebSocket connection was accepted (`+1`) or ended (`-1`).
    pub fn ws_connections(&self, change: f64) {
        self.gauge(WS_CONNECTIONS_OPEN).increment(change);
    }

    /// A subscription of `kind` started (`+1`) or ended (`-1`).
    pub fn subscriptions(&self, kind: &'static str, change: f64) {
        self.recorder
            .register_gauge(
                &Key::from_parts(SUBSCRIPTIONS_OPEN, vec![Label::new("kind", kind)]),
                &METADATA,
            )
            .increment(change);
    }

    /// An event reached a subscriber of `kind`.
    pub fn event_delivered(&self, kind: &'static str) {
        self.kind_counter(EVENTS_DELIVERED, kind).increment(1);
    }

    /// An event did not fit a subscriber's full buffer (that subscription then ends).
    pub fn event_dropped(&self, kind: &'static str) {
        self.kind_counter(EVENTS_DROPPED, kind).increment(1);
    }

    /// The event listener lost its database connection and opened a new one.
    pub fn listener_reconnected(&self) {
        self.recorder
            .register_counter(&Key::from_static_name(LISTENER_RECONNECTS), &METADATA)
            .increment(1);
    }

    fn kind_counter(&self, name: &'static str, kind: &'static str) -> Counter {
        self.recorder.register_counter(
            &Key::from_parts(name, vec![Label::new("kind", kind)]),
            &METADATA,
        )
    }

    fn gauge(&self, name: &'static str) -> metrics::Gauge {
        self.recorder
            .register_gauge(&Key::from_static_name(name), &METADATA)
    }
}

fn describe(recorder: &PrometheusRecorder) {
    let counters = [
        (
            REQUESTS,
            "GraphQL operations by name and outcome (ok or the error code)",
        ),
        (STATEMENTS, "SQL statements executed"),
        (
            EVENTS_DELIVERED,
            "Subscription events sent to clients, by subscription kind",
        ),
        (
            EVENTS_DROPPED,
            "Subscription events dropped because a subscriber's buffer was full",
        ),
        (
            LISTENER_RECONNECTS,
            "Times the event listener reconnected to the database",
        ),
        (
            REJECTED,
            "GraphQL requests turned away with HTTP 503, by reason (queue_full, queue_timeout)",
        ),
    ];
    for (name, help) in counters {
        recorder.describe_counter(name.into(), Some(Unit::Count), help.into());
    }
    recorder.describe_histogram(
        REQUEST_DURATION.into(),
        Some(Unit::Seconds),
        "Time to answer a GraphQL operation".into(),
    );
    let gauges = [
        (CONNECTIONS_OPEN, "Database connections open in the pool"),
        (
            CONNECTIONS_IN_USE,
            "Database connections checked out of the pool",
        ),
        (HASHES_IN_FLIGHT, "Password hashes being computed"),
        (WS_CONNECTIONS_OPEN, "Signed-in WebSocket connections"),
        (SUBSCRIPTIONS_OPEN, "Open subscriptions, by kind"),
        (EXECUTING, "GraphQL requests executing"),
        (QUEUED, "GraphQL requests waiting for their turn to execute"),
    ];
    for (name, help) in gauges {
        recorder.describe_gauge(name.into(), Some(Unit::Count), help.into());
    }
}

/// Open and idle connections of the pool behind `db`.
fn pool_usage(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => (0, 0),
    }
}

/// The outcome label of a response: `ok`, or the first error's code (errors the
/// engine raises itself carry none and are the client's input).
pub fn outcome(errors: &[ServerError]) -> &str {
    let Some(error) = errors.first() else {
        return "ok";
    };
    match error.extensions.as_ref().and_then(|e| e.get("code")) {
        Some(Value::String(code)) => code,
        _ => "BAD_USER_INPUT",
    }
}
