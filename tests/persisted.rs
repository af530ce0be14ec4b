//! Automatic persisted queries (Apollo's protocol) over POST and GET: an unknown hash
//! is NOT_FOUND with the message clients look for, the document with its hash is
//! kept, a wrong hash is refused, and GET stays read-only with a hash alone.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Gql, TestApp, TestResult};

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value) -> Gql {
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await;
    Gql::from_response(response.expect("POST /graphql")).await
}

async fn get(app: &TestApp, hash: &str) -> Gql {
    let extensions = persisted(hash).to_string();
    let url = app.get_url(&[("extensions", &extensions)]);
    Gql::from_response(app.client().get(url).send().await.expect("GET /graphql")).await
}

#[tokio::test]
async fn a_hash_is_unknown_until_its_document_is_sent_with_it() -> TestResult {
    let app = TestApp::spawn().await;
    let query = "query Kind { __typename }";
    let hash = sha256(query);

    let unknown = post(&app, json!({ "extensions": persisted(&hash) })).await;
    unknown.expect_code("NOT_FOUND");
    assert_eq!(unknown.message(), "PersistedQueryNotFound");
    get(&app, &hash).await.expect_code("NOT_FOUND");

    let stored = post(
        &app,
        json!({ "query": query, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(stored.data("__typename"), "Query");
    let by_hash = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(by_hash.data("__typename"), "Query");
    let over_get = get(&app, &hash).await;
    assert_eq!(over_get.status, 200);
    assert_eq!(over_get.data("__typename"), "Query");
    Ok(())
}

#[tokio::test]
async fn a_document_with_the_wrong_hash_is_refused_and_not_kept() -> TestResult {
    let app = TestApp::spawn().await;
    let query = "{ __typename }";
    let wrong = sha256("{ me { id } }");
    let refused = post(
        &app,
        json!({ "query": query, "extensions": persisted(&wrong) }),
    )
    .await;
    refused.expect_code("BAD_USER_INPUT");
    post(&app, json!({ "extensions": persisted(&wrong) }))
        .await
        .expect_code("NOT_FOUND");
    let other_version = json!({ "persistedQuery": { "version": 2, "sha256Hash": sha256(query) } });
    post(&app, json!({ "query": query, "extensions": other_version }))
        .await
        .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn a_persisted_mutation_runs_over_post_but_not_over_get() -> TestResult {
    let app = TestApp::spawn().await;
    let mutation = r#"mutation { logout(refreshToken: "rsr_nothing") }"#;
    let hash = sha256(mutation);
    let stored = post(
        &app,
        json!({ "query": mutation, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(stored.data("logout"), false);
    let again = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(again.data("logout"), false);
    let over_get = get(&app, &hash).await;
    over_get.expect_code("BAD_USER_INPUT");
    assert!(
        over_get.message().contains("POST"),
        "{}",
        over_get.message()
    );
    assert!(over_get.body["data"].is_null(), "{:?}", over_get.body);
    Ok(())
}

#[tokio::test]
async fn the_cache_keeps_only_as_many_documents_as_configured() -> TestResult {
    let app = TestApp::spawn_with(&["--apq-cache-size", "2"]).await;
    let queries = [
        "{ a: __typename }",
        "{ b: __typename }",
        "{ c: __typename }",
    ];
    for query in queries {
        let stored = post(
            &app,
            json!({ "query": query, "extensions": persisted(&sha256(query)) }),
        )
        .await;
        stored.ok();
    }
    post(
        &app,
        json!({ "extensions": persisted(&sha256(queries[0])) }),
    )
    .await
    .expect_code("NOT_FOUND");
    post(
        &app,
        json!({ "extensions": persisted(&sha256(queries[2])) }),
    )
    .await
    .ok();
    Ok(())
}

#[tokio::test]
async fn in_a_batch_an_unknown_hash_answers_only_its_own_operation() -> TestResult {
    let app = TestApp::spawn().await;
    let stored = "{ stored: __typename }";
    post(
        &app,
        json!({ "query": stored, "extensions": persisted(&sha256(stored)) }),
    )
    .await
    .ok();
    let batch = json!([
        { "extensions": persisted(&sha256("{ never: __typename }")) },
        { "extensions": persisted(&sha256(stored)) },
        { "query": "{ inline: __typename }" },
    ]);
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&batch)
        .send()
        .await
        .expect("POST /graphql");
    assert_eq!(response.status(), 200);
    let answers: Vec<Value> = response.json().await.expect("a JSON array");
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(
        answers[0]["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{answers:?}"
    );
    assert_eq!(answers[0]["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        answers[1]["data"],
        json!({ "stored": "Query" }),
        "{answers:?}"
    );
    assert_eq!(
        answers[2]["data"],
        json!({ "inline": "Query" }),
        "{answers:?}"
    );
    Ok(())
}
