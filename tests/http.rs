//! The HTTP surface: health checks, request ids, GET and POST, GraphiQL, and the
//! limits on what one request may ask.

use serde_json::{Value, json};

use crate::common::{Gql, TestApp, TestResult};

#[tokio::test]
async fn health_and_readiness_answer_200() -> TestResult {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client().get(app.url(path)).send().await?;
        assert_eq!(response.status(), 200, "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn every_response_carries_a_request_id() -> TestResult {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    for path in ["/healthz", "/graphql", "/nowhere"] {
        let response = app.client().get(app.url(path)).send().await?;
        let id = response
            .headers()
            .get("x-request-id")
            .ok_or(format!("no request id on {path}"))?
            .to_str()?
            .to_owned();
        assert!(!id.is_empty());
        seen.push(id);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "each request has its own id");
    // One given by the client (or a proxy in front) is kept.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("x-request-id", "trace-me-42")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await?;
    assert_eq!(
        response.headers().get("x-request-id").map(|v| v.as_bytes()),
        Some(&b"trace-me-42"[..])
    );
    Ok(())
}

#[tokio::test]
async fn a_query_can_be_sent_with_get() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let response = app
        .client()
        .get(app.get_url(&[
            ("query", "query($id: ID!) { user(id: $id) { username } }"),
            ("variables", &json!({ "id": admin.id }).to_string()),
        ]))
        .bearer_auth(&admin.token)
        .send()
        .await?;
    let response = Gql::from_response(response).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.data("user")["username"], "admin");
    let anonymous = app
        .client()
        .get(app.get_url(&[("query", "{ me { id } }")]))
        .send()
        .await?;
    assert!(Gql::from_response(anonymous).await.data("me").is_null());
    Ok(())
}

#[tokio::test]
async fn a_mutation_sent_with_get_is_refused_and_not_run() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for query in [
        "mutation { createApiToken(name: \"via get\") { token } }",
        "query q { me { id } } mutation m { createApiToken(name: \"via get\") { token } }",
    ] {
        let response = app
            .client()
            .get(app.get_url(&[("query", query), ("operationName", "m")]))
            .bearer_auth(&admin.token)
            .send()
            .await?;
        let response = Gql::from_response(response).await;
        assert_eq!(response.status, 405);
        response.expect_code("BAD_USER_INPUT");
    }
    let tokens = app
        .gql(Some(&admin.token), "{ apiTokens { id } }", json!({}))
        .await;
    assert_eq!(tokens.data("apiTokens"), &json!([]));
    Ok(())
}

#[tokio::test]
async fn a_browser_gets_graphiql() -> TestResult {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .ok_or("no content type")?
        .to_str()?
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await?;
    assert!(page.to_lowercase().contains("graphiql"));
    assert!(page.contains("/graphql"));
    Ok(())
}

#[tokio::test]
async fn a_query_deeper_than_the_limit_is_refused() -> TestResult {
    let app = TestApp::spawn_with(&["--max-query-depth", "3"]).await;
    let admin = app.superuser().await;
    app.gql(Some(&admin.token), "{ me { id } }", json!({}))
        .await
        .ok();
    let deep = app
        .gql(
            Some(&admin.token),
            "{ users { edges { node { id } } } }",
            json!({}),
        )
        .await;
    deep.expect_code("BAD_USER_INPUT");
    assert!(deep.body["data"].is_null());
    assert!(deep.message().contains("deep"), "{}", deep.message());
    Ok(())
}

#[tokio::test]
async fn a_query_more_complex_than_the_limit_is_refused() -> TestResult {
    let app = TestApp::spawn_with(&["--max-query-complexity", "50"]).await;
    let admin = app.superuser().await;
    app.gql(
        Some(&admin.token),
        "{ users(first: 5) { edges { node { id } } } }",
        json!({}),
    )
    .await
    .ok();
    let complex = app
        .gql(
            Some(&admin.token),
            "{ users(first: 100) { edges { node { id username email name } } } }",
            json!({}),
        )
        .await;
    complex.expect_code("BAD_USER_INPUT");
    assert!(
        complex.message().contains("complex"),
        "{}",
        complex.message()
    );
    Ok(())
}

#[tokio::test]
async fn a_batch_within_the_limit_runs_every_operation() -> TestResult {
    let app = TestApp::spawn_with(&["--max-batch-size", "2"]).await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!([{ "query": "{ me { id } }" }, { "query": "{ __typename }" }]))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let body = response.json::<Value>().await?;
    assert!(body[0]["data"]["me"].is_null());
    assert_eq!(body[1]["data"]["__typename"], "Query");
    Ok(())
}

#[tokio::test]
async fn a_batch_larger_than_the_limit_is_refused() -> TestResult {
    let app = TestApp::spawn_with(&["--max-batch-size", "2"]).await;
    let admin = app.superuser().await;
    let batch: Vec<Value> = (0..3)
        .map(|i| json!({ "query": format!("mutation {{ createApiToken(name: \"t{i}\") {{ token }} }}") }))
        .collect();
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .json(&batch)
        .send()
        .await?;
    let response = Gql::from_response(response).await;
    assert_eq!(response.status, 400);
    response.expect_code("BAD_USER_INPUT");
    let tokens = app
        .gql(Some(&admin.token), "{ apiTokens { id } }", json!({}))
        .await;
    assert_eq!(tokens.data("apiTokens"), &json!([]));
    Ok(())
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() -> TestResult {
    let app = TestApp::spawn_with(&["--body-limit-bytes", "2048"]).await;
    let padding = " ".repeat(4096);
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!({ "query": format!("{{ me {{ id }} }}{padding}") }))
        .send()
        .await?;
    assert_eq!(response.status(), 413);
    // Just under the limit is fine.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&json!({ "query": format!("{{ me {{ id }} }}{}", " ".repeat(1500)) }))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    Ok(())
}

#[tokio::test]
async fn an_unknown_field_is_bad_user_input() -> TestResult {
    let app = TestApp::spawn().await;
    for query in [
        "{ nope }",
        "{ me { password } }",
        "{ me { id ",
        "query($id: ID!) { user(id: $id) { id } }",
    ] {
        let response = app.gql(None, query, json!({})).await;
        response.expect_code("BAD_USER_INPUT");
        assert_eq!(response.status, 200, "{query}");
    }
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_graphql_is_refused() -> TestResult {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await?;
    assert_eq!(response.status(), 400);
    Ok(())
}

#[tokio::test]
async fn introspection_can_be_turned_off() -> TestResult {
    let query = "{ __schema { queryType { name } } }";
    let on = TestApp::spawn().await;
    let response = on.gql(None, query, json!({})).await;
    assert_eq!(response.data("__schema")["queryType"]["name"], "Query");
    let off = TestApp::spawn_with(&["--introspection", "false"]).await;
    // Switched off, the introspection fields answer nothing.
    let response = off.gql(None, query, json!({})).await;
    assert!(
        response.body["data"]["__schema"].is_null(),
        "{}",
        response.body
    );
    let response = off
        .gql(None, "{ __type(name: \"User\") { name } }", json!({}))
        .await;
    assert!(
        response.body["data"]["__type"].is_null(),
        "{}",
        response.body
    );
    // Ordinary queries still work.
    off.gql(None, "{ me { id } }", json!({})).await.ok();
    Ok(())
}

#[tokio::test]
async fn only_allowed_origins_pass_cors() -> TestResult {
    let app = TestApp::spawn_with(&["--cors-origins", "https://app.example.org"]).await;
    let preflight = |origin: &'static str| {
        app.client()
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.org").await?;
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"https://app.example.org"[..])
    );
    let other = preflight("https://evil.example.com").await?;
    assert!(other.headers().get("access-control-allow-origin").is_none());
    Ok(())
}
