//! The audit trail over HTTP: every account and sign-in mutation leaves one event,
//! only superusers read the trail, and no event holds a secret.

use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, TestResult, TestUser};

const EVENTS: &str = "query($actor: ID, $first: Int, $after: String) { auditEvents(actorId: $actor, first: $first, after: $after) { totalCount edges { cursor node { id action actor { id username } projectId targetId details createdAt } } pageInfo { hasNextPage endCursor } } }";

async fn events(app: &TestApp, viewer: &TestUser, variables: Value) -> Vec<Value> {
    let response = app.gql(Some(&viewer.token), EVENTS, variables).await;
    response.data("auditEvents")["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["action"].as_str().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn every_account_and_sign_in_mutation_records_an_event() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (_, token_id) = app.api_token(&bob, "script").await;
    app.gql(
        Some(&bob.token),
        "mutation($id: ID!) { revokeApiToken(id: $id) }",
        json!({ "id": token_id }),
    )
    .await
    .ok();
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { name: \"Robert\" }) { id } }",
        json!({ "id": bob.id }),
    )
    .await
    .ok();
    app.gql(
        Some(&bob.token),
        "mutation { changePassword(oldPassword: \"correct horse battery\", newPassword: \"a brand new password\") }",
        json!({}),
    )
    .await
    .ok();
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { deleteUser(id: $id) { id } }",
        json!({ "id": bob.id }),
    )
    .await
    .ok();

    let trail = events(&app, &admin, json!({ "first": 100 })).await;
    // Newest first.
    assert_eq!(
        actions(&trail),
        [
            "user.delete",
            "user.change_password",
            "user.update",
            "api_token.revoke",
            "api_token.create",
            "user.login",
            "user.create",
            "user.login",
            "user.create",
        ]
    );
    let created_at: Vec<&str> = trail
        .iter()
        .map(|event| event["createdAt"].as_str().unwrap_or_default())
        .collect();
    let mut sorted = created_at.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created_at, sorted);

    let event = |action: &str| {
        trail
            .iter()
            .find(|event| event["action"] == action)
            .cloned()
            .unwrap_or_default()
    };
    // The first superuser came from the command line: no actor.
    assert!(trail[8]["actor"].is_null());
    assert_eq!(trail[8]["targetId"], admin.id.as_str());
    assert_eq!(event("user.create")["actor"]["username"], "admin");
    assert_eq!(event("user.create")["targetId"], bob.id.as_str());
    assert_eq!(event("user.create")["details"]["username"], "bob");
    assert_eq!(event("user.update")["details"]["fields"], json!(["name"]));
    assert_eq!(event("api_token.create")["targetId"], token_id.as_str());
    assert_eq!(event("api_token.revoke")["targetId"], token_id.as_str());
    assert_eq!(event("user.delete")["targetId"], bob.id.as_str());
    assert_eq!(event("user.delete")["actor"]["username"], "admin");
    // Bob's own events outlive his account, with no actor.
    assert!(event("user.change_password")["actor"].is_null());
    assert!(event("api_token.revoke")["actor"].is_null());
    assert!(trail.iter().all(|event| event["projectId"].is_null()));
    Ok(())
}

#[tokio::test]
async fn sessions_record_logout_and_refresh() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let refreshed = app
        .gql(
            None,
            "mutation($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }",
            json!({ "t": admin.refresh_token }),
        )
        .await;
    let newest = refreshed.data("refreshToken")["refreshToken"].clone();
    app.gql(
        None,
        "mutation($t: String!) { logout(refreshToken: $t) }",
        json!({ "t": newest }),
    )
    .await
    .ok();
    let trail = events(&app, &admin, json!({})).await;
    assert_eq!(actions(&trail)[..2], ["user.logout", "session.refresh"]);
    Ok(())
}

#[tokio::test]
async fn a_refused_mutation_records_nothing() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let before = events(&app, &admin, json!({ "first": 100 })).await.len();
    app.gql(
        Some(&admin.token),
        "mutation { createUser(input: { username: \"admin\", email: \"other@example.org\", password: \"correct horse battery\" }) { id } }",
        json!({}),
    )
    .await
    .expect_code("CONFLICT");
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { isSuperuser: false }) { id } }",
        json!({ "id": admin.id }),
    )
    .await
    .expect_code("CONFLICT");
    assert_eq!(
        events(&app, &admin, json!({ "first": 100 })).await.len(),
        before
    );
    Ok(())
}

#[tokio::test]
async fn only_superusers_read_the_audit_trail() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    app.gql(Some(&bob.token), EVENTS, json!({}))
        .await
        .expect_code("FORBIDDEN");
    app.gql(None, EVENTS, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn events_can_be_filtered_by_actor() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    app.api_token(&bob, "script").await;
    let bobs = events(&app, &admin, json!({ "actor": bob.id })).await;
    assert_eq!(actions(&bobs), ["api_token.create", "user.login"]);
    assert!(
        bobs.iter()
            .all(|event| event["actor"]["id"] == bob.id.as_str())
    );
    let admins = events(&app, &admin, json!({ "actor": admin.id })).await;
    assert_eq!(actions(&admins), ["user.create", "user.login"]);
    Ok(())
}

#[tokio::test]
async fn events_are_paginated_newest_first() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for name in ["one", "two", "three"] {
        app.api_token(&admin, name).await;
    }
    let all = events(&app, &admin, json!({ "first": 100 })).await;
    assert_eq!(all.len(), 5);
    let first = app
        .gql(Some(&admin.token), EVENTS, json!({ "first": 2 }))
        .await;
    let first = first.data("auditEvents");
    assert_eq!(first["totalCount"], 5);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let after = first["pageInfo"]["endCursor"].clone();
    let rest = events(&app, &admin, json!({ "first": 100, "after": after })).await;
    let ids = |events: &[Value]| -> Vec<Value> { events.iter().map(|e| e["id"].clone()).collect() };
    let first_ids: Vec<Value> = first["edges"]
        .as_array()
        .ok_or("edges")?
        .iter()
        .map(|edge| edge["node"]["id"].clone())
        .collect();
    assert_eq!([first_ids, ids(&rest)].concat(), ids(&all));
    Ok(())
}

#[tokio::test]
async fn no_event_holds_a_password_or_a_token() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (api_token, _) = app.api_token(&bob, "script").await;
    let refreshed = app
        .gql(
            None,
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
            json!({ "t": bob.refresh_token }),
        )
        .await;
    let refreshed = refreshed.data("refreshToken").clone();
    let admin_set = "a password set by admin";
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!, $p: String!) { updateUser(id: $id, input: { password: $p }) { id } }",
        json!({ "id": bob.id, "p": admin_set }),
    )
    .await
    .ok();
    let bob = app.login("bob", admin_set).await;
    let chosen = "bob chose this one";
    app.gql(
        Some(&bob.token),
        "mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }",
        json!({ "old": admin_set, "new": chosen }),
    )
    .await
    .ok();
    let trail = events(&app, &admin, json!({ "first": 100 })).await;
    assert!(trail.len() >= 8);
    let text = serde_json::to_string(&trail)?;
    for secret in [
        PASSWORD,
        admin_set,
        chosen,
        api_token.as_str(),
        admin.token.as_str(),
        admin.refresh_token.as_str(),
        bob.token.as_str(),
        bob.refresh_token.as_str(),
        refreshed["accessToken"].as_str().ok_or("token")?,
        refreshed["refreshToken"].as_str().ok_or("token")?,
    ] {
        assert!(!text.contains(secret), "the audit trail holds {secret}");
    }
    // Nor any hash of one.
    assert!(!text.contains("$argon2"));
    Ok(())
}
