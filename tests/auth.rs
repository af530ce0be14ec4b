//! Sign-in, sessions and tokens over HTTP.

use serde_json::json;

use crate::common::{PASSWORD, TestApp, TestResult};

#[tokio::test]
async fn a_superuser_can_log_in_and_read_their_own_profile() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let me = app
        .gql(
            Some(&admin.token),
            "{ me { username email isSuperuser } }",
            json!({}),
        )
        .await;
    assert_eq!(me.data("me")["username"], "admin");
    assert_eq!(me.data("me")["email"], "admin@example.org");
    assert_eq!(me.data("me")["isSuperuser"], true);
    Ok(())
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() -> TestResult {
    let app = TestApp::spawn().await;
    app.superuser().await;
    let login =
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let unknown = app
        .gql(None, login, json!({ "u": "nobody", "p": PASSWORD }))
        .await;
    let wrong = app
        .gql(
            None,
            login,
            json!({ "u": "admin", "p": "not the password" }),
        )
        .await;
    unknown.expect_code("UNAUTHENTICATED");
    wrong.expect_code("UNAUTHENTICATED");
    assert_eq!(unknown.message(), wrong.message());
    Ok(())
}
