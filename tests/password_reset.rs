//! Password reset over HTTP: asking tells nothing about the address, the link
//! works once for an hour, and using it ends every session.

use std::time::Duration;

use serde_json::json;

use crate::{
    common::{Gql, PASSWORD, TestApp, TestResult, TestUser},
    email_verification::{link_token, outbox, set_unverified},
};

const REQUEST: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }";
const NEW_PASSWORD: &str = "a password chosen by link";

async fn ask(app: &TestApp, email: &str) -> Gql {
    app.gql(None, REQUEST, json!({ "e": email })).await
}

async fn reset(app: &TestApp, token: &str) -> Gql {
    app.gql(None, RESET, json!({ "t": token, "p": NEW_PASSWORD }))
        .await
}

async fn reset_token(app: &TestApp, user: &TestUser) -> String {
    link_token(
        app,
        &format!("{}@example.org", user.username),
        "/reset-password/",
    )
    .await
}

#[tokio::test]
async fn a_reset_link_sets_the_password_and_ends_every_session() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    assert_eq!(
        ask(&app, "Bob@Example.org")
            .await
            .data("requestPasswordReset"),
        true
    );
    let token = reset_token(&app, &bob).await;
    assert!(token.starts_with("rsp_"), "{token}");
    reset(&app, "rsp_not_a_token")
        .await
        .expect_code("NOT_FOUND");
    app.gql(None, RESET, json!({ "t": token, "p": "weak" }))
        .await
        .expect_code("BAD_USER_INPUT");
    assert_eq!(reset(&app, &token).await.data("resetPassword"), true);
    app.gql(Some(&bob.token), "{ me { id } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(
        None,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": bob.refresh_token }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    reset(&app, &token).await.expect_code("NOT_FOUND");
    app.login("bob", NEW_PASSWORD).await;
    Ok(())
}

#[tokio::test]
async fn asking_for_a_reset_answers_true_and_tells_nothing_about_the_address() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let unverified = app.user(&admin, "unverified").await;
    set_unverified(&app, &unverified).await;
    let inactive = app.user(&admin, "inactive").await;
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { isActive: false }) { id } }",
        json!({ "id": inactive.id }),
    )
    .await
    .ok();
    for email in [
        "nobody@example.org",
        "unverified@example.org",
        "inactive@example.org",
        "not an address",
    ] {
        assert_eq!(
            ask(&app, email).await.data("requestPasswordReset"),
            true,
            "{email}"
        );
    }
    assert!(outbox(&app).await.is_empty(), "no email for any of them");
    Ok(())
}

#[tokio::test]
async fn a_reset_link_dies_on_a_newer_request_a_password_change_and_after_an_hour() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    ask(&app, "bob@example.org").await.ok();
    let first = reset_token(&app, &bob).await;
    ask(&app, "bob@example.org").await.ok();
    let second = reset_token(&app, &bob).await;
    reset(&app, &first).await.expect_code("NOT_FOUND");

    app.gql(
        Some(&bob.token),
        "mutation($old: String!) { changePassword(oldPassword: $old, newPassword: \"another new password\") }",
        json!({ "old": PASSWORD }),
    )
    .await
    .ok();
    reset(&app, &second).await.expect_code("NOT_FOUND");

    ask(&app, "bob@example.org").await.ok();
    let third = reset_token(&app, &bob).await;
    app.clock.advance(Duration::from_secs(61 * 60));
    reset(&app, &third).await.expect_code("EXPIRED");
    Ok(())
}

#[tokio::test]
async fn reset_requests_are_dropped_per_account_and_refused_per_client() -> TestResult {
    let app = TestApp::spawn_with(&["--password-resets-per-address", "6"]).await;
    let admin = app.superuser().await;
    app.user(&admin, "bob").await;
    for _ in 0..5 {
        ask(&app, "bob@example.org").await.ok();
    }
    assert_eq!(
        outbox(&app).await.len(),
        3,
        "three links per hour, the rest dropped"
    );
    ask(&app, "nobody@example.org").await.ok();
    ask(&app, "nobody@example.org")
        .await
        .expect_code("RATE_LIMITED");
    Ok(())
}
