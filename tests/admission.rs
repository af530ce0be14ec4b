//! Admission control: a bounded number of GraphQL requests execute, a bounded number
//! wait, the rest get HTTP 503 with `Retry-After` and `OVERLOADED`; health, readiness
//! and metrics never wait.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};

/// What a client sees of one POST /graphql: status, `Retry-After`, body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Answer {
    /// Asserts the answer of a request turned away by admission control.
    fn expect_overloaded(&self) {
        assert_eq!(self.status, 503, "{}", self.body);
        assert_eq!(self.retry_after.as_deref(), Some("1"));
        assert_eq!(
            self.body["errors"][0]["extensions"]["code"].as_str(),
            Some("OVERLOADED"),
            "{}",
            self.body
        );
    }

    fn expect_ok(&self) {
        assert_eq!(self.status, 200, "{}", self.body);
        assert!(self.body.get("errors").is_none(), "{}", self.body);
    }
}

async fn post(client: reqwest::Client, url: String, body: Value) -> Answer {
    let response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("send the request");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.json::<Value>().await.expect("a JSON body");
    Answer {
        status,
        retry_after,
        body,
    }
}

async fn typename(app: &TestApp) -> Answer {
    post(
        app.client().clone(),
        app.url("/graphql"),
        json!({ "query": "{ __typename }" }),
    )
    .await
}

async fn get_status(app: &TestApp, path: &str) -> u16 {
    app.client()
        .get(app.url(path))
        .send()
        .await
        .expect("GET")
        .status()
        .as_u16()
}

async fn metric(app: &TestApp, series: &str) -> f64 {
    let text = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

#[tokio::test]
async fn a_request_past_a_full_queue_gets_503_with_retry_after_while_health_and_metrics_answer() {
    let app = TestApp::spawn_with(&[
        "--max-concurrent-requests",
        "1",
        "--max-queued-requests",
        "0",
    ])
    .await;
    let slot = app.state.admission.admit().await.expect("the only slot");

    typename(&app).await.expect_overloaded();
    assert_eq!(get_status(&app, "/healthz").await, 200);
    assert_eq!(get_status(&app, "/readyz").await, 200);
    assert_eq!(metric(&app, "roster_graphql_executing").await, 1.0);
    assert_eq!(
        metric(&app, "roster_graphql_rejected_total{reason=\"queue_full\"}").await,
        1.0
    );
    assert_eq!(
        metric(
            &app,
            "roster_graphql_requests_total{operation=\"anonymous\",outcome=\"OVERLOADED\"}"
        )
        .await,
        1.0
    );

    drop(slot);
    typename(&app).await.expect_ok();
    assert_eq!(metric(&app, "roster_graphql_executing").await, 0.0);
}

#[tokio::test]
async fn a_queued_request_runs_when_a_slot_frees_and_one_that_waits_too_long_gets_503() {
    let app = TestApp::spawn_with(&[
        "--max-concurrent-requests",
        "1",
        "--max-queued-requests",
        "1",
        "--max-queue-wait-ms",
        "300",
    ])
    .await;
    let slot = app.state.admission.admit().await.expect("the only slot");
    let queued = tokio::spawn(post(
        app.client().clone(),
        app.url("/graphql"),
        json!({ "query": "{ __typename }" }),
    ));
    while metric(&app, "roster_graphql_queued").await < 1.0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    typename(&app).await.expect_overloaded();
    drop(slot);
    queued.await.expect("the queued request").expect_ok();

    let slot = app.state.admission.admit().await.expect("the slot again");
    typename(&app).await.expect_overloaded();
    assert_eq!(
        metric(
            &app,
            "roster_graphql_rejected_total{reason=\"queue_timeout\"}"
        )
        .await,
        1.0
    );
    assert_eq!(metric(&app, "roster_graphql_queued").await, 0.0);
    drop(slot);
}

#[tokio::test]
async fn concurrent_slow_logins_past_the_limit_are_answered_503_and_the_others_succeed() {
    let app = TestApp::spawn_with(&[
        "--max-concurrent-requests",
        "1",
        "--max-queued-requests",
        "0",
    ])
    .await;
    app.superuser().await;
    let login = json!({
        "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
        "variables": { "u": "admin", "p": PASSWORD },
    });
    let attempts = (0..8).map(|_| {
        tokio::spawn(post(
            app.client().clone(),
            app.url("/graphql"),
            login.clone(),
        ))
    });
    let mut refused = 0;
    let mut signed_in = 0;
    for attempt in attempts.collect::<Vec<_>>() {
        let answer = attempt.await.expect("a login");
        if answer.status == 503 {
            answer.expect_overloaded();
            refused += 1;
        } else {
            answer.expect_ok();
            signed_in += 1;
        }
    }
    assert!(signed_in >= 1, "at least the first login runs");
    assert!(
        refused >= 1,
        "eight argon2 logins at once cannot all fit one slot"
    );
    assert_eq!(get_status(&app, "/healthz").await, 200);
}

/// The executing limit by default: the pool's size, at most four per core; a
/// configured number wins.
#[test]
fn the_default_executing_limit_is_the_pool_at_most_four_per_core() {
    use clap::Parser;

    use crate::settings::Args;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limit = |flags: &[&str]| {
        let mut all = vec!["roster", "--database-url", "postgres://localhost/roster"];
        all.extend_from_slice(flags);
        Args::try_parse_from(all)
            .expect("valid flags")
            .config
            .concurrent_requests()
    };
    assert_eq!(limit(&["--db-max-connections", "2"]), 2.min(4 * cores));
    assert_eq!(limit(&["--db-max-connections", "500"]), 4 * cores);
    let configured = [
        "--db-max-connections",
        "2",
        "--max-concurrent-requests",
        "7",
    ];
    assert_eq!(limit(&configured), 7);
}
