//! The per-process cache of viewers' rows: a read-only request may start from a
//! cached row, but never answers from one the database no longer holds, whichever
//! instance changed it.

use serde_json::json;

use crate::common::{Gql, TestApp, TestUser};

const CHECK: &str = "query($id: ID!) { project(id: $id) { myAccess { role } } }";

async fn project(app: &TestApp, admin: &TestUser) -> String {
    let created = app
        .gql(
            Some(&admin.token),
            r#"mutation { createProject(input: {title: "Cached", type: PROJECT}) { id } }"#,
            json!({}),
        )
        .await;
    created.data("createProject")["id"]
        .as_str()
        .expect("project id")
        .to_owned()
}

async fn update_user(app: &TestApp, admin: &TestUser, user: &TestUser, input: serde_json::Value) {
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }",
        json!({ "id": user.id, "input": input }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_session_ended_on_another_instance_is_never_served_from_the_cache() {
    let first = TestApp::spawn().await;
    let second = first.spawn_beside(&[]).await;
    let admin = first.superuser().await;
    let reader = first.user(&admin, "reader").await;
    let id = project(&first, &admin).await;
    first
        .gql(
            Some(&admin.token),
            "mutation($p: ID!, $u: ID!) { assignRole(projectId: $p, userId: $u, role: VIEWER) { id } }",
            json!({ "p": id, "u": reader.id }),
        )
        .await
        .ok();
    for _ in 0..2 {
        let check = second
            .gql(Some(&reader.token), CHECK, json!({ "id": id }))
            .await;
        assert_eq!(check.data("project")["myAccess"]["role"], "VIEWER");
    }

    update_user(&first, &admin, &reader, json!({ "isActive": false })).await;

    let check = second
        .gql(Some(&reader.token), CHECK, json!({ "id": id }))
        .await;
    check.expect_code("UNAUTHENTICATED");
    assert!(
        check.message().contains("session has ended"),
        "{}",
        check.message()
    );
    drop(second);
}

#[tokio::test]
async fn a_superuser_flag_taken_away_on_another_instance_counts_at_once() {
    let first = TestApp::spawn().await;
    let second = first.spawn_beside(&[]).await;
    let admin = first.superuser().await;
    let other = first.user(&admin, "other").await;
    update_user(&first, &admin, &other, json!({ "isSuperuser": true })).await;
    let id = project(&first, &admin).await;
    for _ in 0..2 {
        let check = second
            .gql(Some(&other.token), CHECK, json!({ "id": id }))
            .await;
        assert_eq!(check.data("project")["myAccess"]["role"], "OWNER");
    }

    update_user(&first, &admin, &other, json!({ "isSuperuser": false })).await;

    second
        .gql(Some(&other.token), CHECK, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    drop(second);
}

/// A mutation sent by its persisted hash alone is not known to write until the
/// engine looks it up: it must still be run on a viewer read afresh, never on the
/// cached row, or a session ended elsewhere could write once more.
#[tokio::test]
async fn a_persisted_mutation_never_runs_on_a_cached_viewer() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use sha2::{Digest, Sha256};
    let first = TestApp::spawn().await;
    let second = first.spawn_beside(&[]).await;
    let admin = first.superuser().await;
    let writer = first.user(&admin, "writer").await;
    let mutation = "mutation($n: String!) { createApiToken(name: $n) { token } }";
    let extensions = json!({ "persistedQuery": {
        "version": 1, "sha256Hash": format!("{:x}", Sha256::digest(mutation.as_bytes())) } });
    let post = |body: serde_json::Value| {
        let request = second
            .client()
            .post(second.url("/graphql"))
            .bearer_auth(&writer.token)
            .json(&body);
        async move { Gql::from_response(request.send().await.expect("POST /graphql")).await }
    };
    for _ in 0..2 {
        second
            .gql(Some(&writer.token), "{ me { id } }", json!({}))
            .await
            .ok();
    }
    let stored = post(json!({ "query": mutation, "variables": { "n": "stored" },
        "extensions": extensions }))
    .await;
    stored.ok();

    update_user(&first, &admin, &writer, json!({ "isActive": false })).await;

    post(json!({ "variables": { "n": "after" }, "extensions": extensions }))
        .await
        .expect_code("UNAUTHENTICATED");
    let written = entity::api_token::Entity::find()
        .filter(entity::api_token::Column::Name.eq("after"))
        .count(&first.state.db)
        .await
        .expect("counting tokens");
    assert_eq!(written, 0, "the mutation ran on the ended session");
}
