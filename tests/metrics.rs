//! `/metrics`: Prometheus text with requests by operation and outcome, latencies,
//! SQL statements, pool connections and password hashes.

use serde_json::json;

use crate::common::TestApp;

async fn scrape(app: &TestApp) -> (String, String) {
    let response = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, response.text().await.expect("metrics text"))
}

/// The value of the sample named exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn operations_are_counted_by_name_and_outcome() {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for _ in 0..3 {
        app.gql(
            Some(&admin.token),
            "query Dashboard { me { id } }",
            json!({}),
        )
        .await
        .ok();
    }
    app.gql(
        None,
        "mutation Intruder { createProject(input: {title: \"x\", type: PROJECT}) { id } }",
        json!({}),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    app.gql(None, "{ me { nonsense } }", json!({}))
        .await
        .expect_code("BAD_USER_INPUT");

    let (content_type, text) = scrape(&app).await;
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_requests_total{operation="Dashboard",outcome="ok"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_requests_total{operation="Intruder",outcome="UNAUTHENTICATED"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_requests_total{operation="anonymous",outcome="BAD_USER_INPUT"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_request_duration_seconds_count{operation="Dashboard"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_request_duration_seconds_bucket{operation="Dashboard",le="+Inf"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        sample(&text, "roster_db_statements_total").is_some_and(|n| n > 0.0),
        "{text}"
    );
    for gauge in [
        "roster_db_connections_open",
        "roster_db_connections_in_use",
        "roster_password_hashes_in_flight",
    ] {
        assert!(sample(&text, gauge).is_some(), "no {gauge} in {text}");
    }
    // Nothing secret is ever a label: only operation names and codes.
    assert!(!text.contains(&admin.token));
}

#[tokio::test]
async fn a_rejected_token_is_counted_under_its_operation() {
    let app = TestApp::spawn().await;
    app.gql(Some("not-a-token"), "query Me { me { id } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    let (_, text) = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_requests_total{operation="Me",outcome="UNAUTHENTICATED"}"#
        ),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn client_chosen_operation_names_cannot_grow_the_metrics_without_bound() {
    let app = TestApp::spawn().await;
    for index in 0..210 {
        app.gql(
            None,
            &format!("query Name{index} {{ me {{ id }} }}"),
            json!({}),
        )
        .await
        .ok();
    }
    let (_, text) = scrape(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"roster_graphql_requests_total{operation="other",outcome="ok"}"#
        ),
        Some(10.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"roster_graphql_requests_total{operation="Name209",outcome="ok"}"#
        )
        .is_none()
    );
}

#[tokio::test]
async fn each_app_counts_its_own_statements() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn().await;
    let statements = |text: &str| sample(text, "roster_db_statements_total").unwrap_or(0.0);
    let (_, before) = scrape(&second).await;
    first.superuser().await;
    let (_, after) = scrape(&second).await;
    assert_eq!(statements(&before), statements(&after));
}
