//! Sign-in, sessions and tokens over HTTP.

use std::time::Duration;

use entity::{api_token, refresh_token, user};
use roster::auth::jwt::JwtKeys;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{PASSWORD, TestApp, TestResult, TestUser};

const LOGIN: &str = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken expiresAt user { id username email } } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { id } } }";
const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";
const ME: &str = "{ me { id username } }";
const CREATE_TOKEN: &str = "mutation($name: String!, $at: DateTime) { createApiToken(name: $name, expiresAt: $at) { token apiToken { id name prefix createdAt expiresAt lastUsedAt } } }";
const API_TOKENS: &str = "{ apiTokens { id name prefix createdAt expiresAt lastUsedAt } }";
const REVOKE_TOKEN: &str = "mutation($id: ID!) { revokeApiToken(id: $id) }";
const CHANGE_PASSWORD: &str = "mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }";

fn credentials(username: &str, password: &str) -> Value {
    json!({ "u": username, "p": password })
}

/// Asserts that `token` signs its holder in as `user`.
async fn assert_signed_in(app: &TestApp, token: &str, user: &TestUser) {
    let me = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(me.data("me")["id"], user.id.as_str());
}

#[tokio::test]
async fn a_superuser_can_log_in_and_read_their_own_profile() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    assert_eq!(admin.username, "admin");
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
async fn a_user_can_log_in_with_username_or_email_in_any_case() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    for login in [
        "alice",
        "ALICE",
        " Alice ",
        "alice@example.org",
        "Alice@Example.ORG",
    ] {
        let response = app.gql(None, LOGIN, credentials(login, PASSWORD)).await;
        let payload = response.data("login");
        assert_eq!(payload["user"]["id"], alice.id.as_str(), "login as {login}");
        // The payload's user is the one signing in, so their email is visible.
        assert_eq!(payload["user"]["email"], "alice@example.org");
        assert!(payload["expiresAt"].is_string());
        let token = payload["accessToken"].as_str().ok_or("access token")?;
        assert_signed_in(&app, token, &alice).await;
    }
    Ok(())
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() -> TestResult {
    let app = TestApp::spawn().await;
    app.superuser().await;
    let unknown = app.gql(None, LOGIN, credentials("nobody", PASSWORD)).await;
    let wrong = app
        .gql(None, LOGIN, credentials("admin", "not the password"))
        .await;
    unknown.expect_code("UNAUTHENTICATED");
    wrong.expect_code("UNAUTHENTICATED");
    assert_eq!(unknown.message(), wrong.message());
    assert_eq!(unknown.status, 200);
    assert!(unknown.body["data"].is_null());
    Ok(())
}

#[tokio::test]
async fn a_deactivated_user_cannot_log_in_even_with_the_right_password() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { isActive: false }) { isActive } }",
        json!({ "id": alice.id }),
    )
    .await
    .ok();
    let refused = app.gql(None, LOGIN, credentials("alice", PASSWORD)).await;
    refused.expect_code("UNAUTHENTICATED");
    let wrong = app.gql(None, LOGIN, credentials("nobody", PASSWORD)).await;
    assert_eq!(refused.message(), wrong.message());
    Ok(())
}

#[tokio::test]
async fn repeated_failures_rate_limit_the_username_even_with_the_right_password() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures", "3"]).await;
    let admin = app.superuser().await;
    app.user(&admin, "bob").await;
    for _ in 0..3 {
        app.gql(None, LOGIN, credentials("admin", "not the password"))
            .await
            .expect_code("UNAUTHENTICATED");
    }
    let limited = app.gql(None, LOGIN, credentials("admin", PASSWORD)).await;
    limited.expect_code("RATE_LIMITED");
    assert!(limited.body["data"].is_null());
    // Another spelling of the same account is the same account.
    app.gql(None, LOGIN, credentials("ADMIN@example.org", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    // Other accounts from the same address are not affected.
    app.gql(None, LOGIN, credentials("bob", PASSWORD))
        .await
        .data("login");
    Ok(())
}

#[tokio::test]
async fn failures_through_the_email_count_against_the_username() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures", "3"]).await;
    app.superuser().await;
    app.gql(None, LOGIN, credentials("admin@example.org", "wrong one"))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, LOGIN, credentials("admin", "wrong two"))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, LOGIN, credentials("Admin@Example.org", "wrong three"))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    Ok(())
}

#[tokio::test]
async fn a_successful_login_clears_the_failures_of_the_username() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures", "3"]).await;
    app.superuser().await;
    for _ in 0..2 {
        for _ in 0..2 {
            app.gql(None, LOGIN, credentials("admin", "not the password"))
                .await
                .expect_code("UNAUTHENTICATED");
        }
        app.gql(None, LOGIN, credentials("admin", PASSWORD))
            .await
            .data("login");
    }
    Ok(())
}

#[tokio::test]
async fn failures_from_one_address_are_limited_across_usernames() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures-per-address", "3"]).await;
    app.superuser().await;
    for username in ["nobody", "someone", "admin"] {
        app.gql(None, LOGIN, credentials(username, "not the password"))
            .await
            .expect_code("UNAUTHENTICATED");
    }
    app.gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    app.gql(None, LOGIN, credentials("fresh-name", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    Ok(())
}

/// Sends a login as if from `client`, through a proxy at the peer address.
async fn login_from(app: &TestApp, forwarded_for: &str, username: &str, password: &str) -> Value {
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "query": LOGIN, "variables": credentials(username, password) }))
        .send()
        .await
        .expect("send the request");
    response.json::<Value>().await.expect("a JSON body")
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() -> TestResult {
    let app = TestApp::spawn_with(&[
        "--login-max-failures-per-address",
        "2",
        "--trusted-proxies",
        "127.0.0.1",
    ])
    .await;
    app.superuser().await;
    for username in ["nobody", "someone"] {
        let body = login_from(&app, "203.0.113.7", username, "not the password").await;
        assert_eq!(code(&body), Some("UNAUTHENTICATED"));
    }
    let body = login_from(&app, "203.0.113.7", "admin", PASSWORD).await;
    assert_eq!(code(&body), Some("RATE_LIMITED"));
    let body = login_from(&app, "198.51.100.9", "admin", PASSWORD).await;
    assert!(body["errors"].is_null(), "{body}");
    Ok(())
}

#[tokio::test]
async fn an_untrusted_peer_cannot_escape_the_limit_with_a_forwarded_header() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures-per-address", "2"]).await;
    app.superuser().await;
    for (forwarded, username) in [("203.0.113.1", "nobody"), ("203.0.113.2", "someone")] {
        let body = login_from(&app, forwarded, username, "not the password").await;
        assert_eq!(code(&body), Some("UNAUTHENTICATED"));
    }
    let body = login_from(&app, "203.0.113.3", "admin", PASSWORD).await;
    assert_eq!(code(&body), Some("RATE_LIMITED"));
    Ok(())
}

#[tokio::test]
async fn failed_logins_age_out_after_the_window() -> TestResult {
    let app = TestApp::spawn_with(&[
        "--login-max-failures",
        "2",
        "--login-failure-window-secs",
        "60",
    ])
    .await;
    app.superuser().await;
    for _ in 0..2 {
        app.gql(None, LOGIN, credentials("admin", "not the password"))
            .await
            .expect_code("UNAUTHENTICATED");
    }
    app.gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    app.clock.advance(Duration::from_secs(30));
    app.gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    app.clock.advance(Duration::from_secs(31));
    app.gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .data("login");
    Ok(())
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let first = app
        .gql(None, REFRESH, json!({ "t": admin.refresh_token }))
        .await;
    let first = first.data("refreshToken").clone();
    assert_eq!(first["user"]["id"], admin.id.as_str());
    let rotated = first["refreshToken"].as_str().ok_or("refresh token")?;
    assert_ne!(rotated, admin.refresh_token);
    assert_signed_in(&app, first["accessToken"].as_str().ok_or("token")?, &admin).await;
    // The new refresh token works once more…
    let second = app.gql(None, REFRESH, json!({ "t": rotated })).await;
    let second = second.data("refreshToken").clone();
    assert_signed_in(&app, second["accessToken"].as_str().ok_or("token")?, &admin).await;
    // …and the spent one is refused.
    app.gql(None, REFRESH, json!({ "t": rotated }))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_ends_its_whole_family() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let other_session = app.login("admin", PASSWORD).await;
    let rotated = app
        .gql(None, REFRESH, json!({ "t": admin.refresh_token }))
        .await;
    let newest = rotated.data("refreshToken")["refreshToken"]
        .as_str()
        .ok_or("refresh token")?
        .to_owned();
    app.gql(None, REFRESH, json!({ "t": admin.refresh_token }))
        .await
        .expect_code("UNAUTHENTICATED");
    // The newest token of that family, never used, is gone too.
    app.gql(None, REFRESH, json!({ "t": newest }))
        .await
        .expect_code("UNAUTHENTICATED");
    // Another login of the same user is another family, untouched.
    app.gql(None, REFRESH, json!({ "t": other_session.refresh_token }))
        .await
        .data("refreshToken");
    Ok(())
}

#[tokio::test]
async fn an_unknown_refresh_token_is_unauthenticated() -> TestResult {
    let app = TestApp::spawn().await;
    app.gql(None, REFRESH, json!({ "t": "rsr_not-a-token" }))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn an_expired_refresh_token_answers_expired() -> TestResult {
    let app = TestApp::spawn_with(&["--refresh-token-ttl-secs", "3600"]).await;
    let admin = app.superuser().await;
    app.clock.advance(Duration::from_secs(3601));
    app.gql(None, REFRESH, json!({ "t": admin.refresh_token }))
        .await
        .expect_code("EXPIRED");
    Ok(())
}

#[tokio::test]
async fn a_refresh_token_outlives_its_access_token() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    app.clock.advance(Duration::from_secs(3600));
    app.gql(Some(&admin.token), ME, json!({}))
        .await
        .expect_code("EXPIRED");
    let refreshed = app
        .gql(None, REFRESH, json!({ "t": admin.refresh_token }))
        .await;
    let token = refreshed.data("refreshToken")["accessToken"]
        .as_str()
        .ok_or("token")?
        .to_owned();
    assert_signed_in(&app, &token, &admin).await;
    Ok(())
}

#[tokio::test]
async fn logout_ends_the_session_and_answers_false_the_second_time() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let logout = app
        .gql(None, LOGOUT, json!({ "t": admin.refresh_token }))
        .await;
    assert_eq!(logout.data("logout"), true);
    app.gql(None, REFRESH, json!({ "t": admin.refresh_token }))
        .await
        .expect_code("UNAUTHENTICATED");
    let again = app
        .gql(None, LOGOUT, json!({ "t": admin.refresh_token }))
        .await;
    assert_eq!(again.data("logout"), false);
    let unknown = app
        .gql(None, LOGOUT, json!({ "t": "rsr_never-issued" }))
        .await;
    assert_eq!(unknown.data("logout"), false);
    Ok(())
}

#[tokio::test]
async fn an_access_token_expires_after_fifteen_minutes() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    app.clock.advance(Duration::from_secs(14 * 60));
    assert_signed_in(&app, &admin.token, &admin).await;
    app.clock.advance(Duration::from_secs(60 + 1));
    let expired = app.gql(Some(&admin.token), ME, json!({})).await;
    expired.expect_code("EXPIRED");
    assert_eq!(expired.status, 200);
    Ok(())
}

#[tokio::test]
async fn a_session_tells_when_its_access_token_expires() -> TestResult {
    let app = TestApp::spawn_with(&["--access-token-ttl-secs", "600"]).await;
    app.superuser().await;
    let before = app.clock.now();
    let login = app.gql(None, LOGIN, credentials("admin", PASSWORD)).await;
    let after = app.clock.now();
    let login = login.data("login").clone();
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(login["expiresAt"].as_str().ok_or("expiresAt")?)?;
    let ttl = chrono::Duration::seconds(600);
    assert!(before + ttl <= expires_at && expires_at <= after + ttl);
    let token = login["accessToken"].as_str().ok_or("token")?;
    // A minute either side of the expiry, whatever the login itself took.
    app.clock.advance(Duration::from_secs(540));
    app.gql(Some(token), ME, json!({})).await.ok();
    app.clock.advance(Duration::from_secs(120));
    app.gql(Some(token), ME, json!({}))
        .await
        .expect_code("EXPIRED");
    Ok(())
}

#[tokio::test]
async fn a_garbage_bearer_token_is_unauthenticated_with_http_200() -> TestResult {
    let app = TestApp::spawn().await;
    for token in ["garbage", "rst_garbage", "eyJhbGciOiJIUzI1NiJ9.e30.bad"] {
        let response = app.gql(Some(token), ME, json!({})).await;
        response.expect_code("UNAUTHENTICATED");
        assert_eq!(response.status, 200);
    }
    Ok(())
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_refused() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let now = app.clock.now();
    let forged = JwtKeys::new(b"some other secret that is long enough for HS256").issue(
        admin.id.parse::<Uuid>()?,
        0,
        now,
        now + chrono::Duration::minutes(15),
    )?;
    app.gql(Some(&forged), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn a_malformed_authorization_header_is_refused_with_401() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let with_token = format!("Basic {}", admin.token);
    for header in [
        "Basic abc",
        "Bearer",
        "Bearer ",
        "Token",
        "Bearer one two",
        "abc",
        with_token.as_str(),
    ] {
        let response = app
            .gql_with_authorization(Some(header), ME, json!({}))
            .await;
        assert_eq!(response.status, 401, "for {header:?}");
        response.expect_code("UNAUTHENTICATED");
    }
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("authorization", "Basic abc")
        .json(&json!({ "query": ME }))
        .send()
        .await?;
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    Ok(())
}

#[tokio::test]
async fn me_is_null_for_an_anonymous_viewer() -> TestResult {
    let app = TestApp::spawn().await;
    let response = app.gql(None, ME, json!({})).await;
    assert!(response.data("me").is_null());
    assert_eq!(response.status, 200);
    Ok(())
}

#[tokio::test]
async fn login_still_works_with_a_stale_bearer_header() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    app.clock.advance(Duration::from_secs(16 * 60));
    for stale in [admin.token.as_str(), "garbage"] {
        let response = app
            .gql(Some(stale), LOGIN, credentials("admin", PASSWORD))
            .await;
        let token = response.data("login")["accessToken"]
            .as_str()
            .ok_or("token")?
            .to_owned();
        assert_signed_in(&app, &token, &admin).await;
    }
    Ok(())
}

#[tokio::test]
async fn anonymous_viewers_cannot_use_token_operations() -> TestResult {
    let app = TestApp::spawn().await;
    app.gql(None, API_TOKENS, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, CREATE_TOKEN, json!({ "name": "ci" }))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(
        None,
        REVOKE_TOKEN,
        json!({ "id": Uuid::now_v7().to_string() }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    app.gql(
        None,
        CHANGE_PASSWORD,
        json!({ "old": PASSWORD, "new": "a brand new password" }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn an_api_token_is_shown_once_and_listed_without_its_secret() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let created = app
        .gql(
            Some(&admin.token),
            CREATE_TOKEN,
            json!({ "name": "  ci  " }),
        )
        .await;
    let created = created.data("createApiToken").clone();
    let secret = created["token"].as_str().ok_or("token")?;
    assert!(secret.len() >= 40, "a long random secret: {secret}");
    let prefix = created["apiToken"]["prefix"].as_str().ok_or("prefix")?;
    assert!(secret.starts_with(prefix) && prefix.len() < secret.len());
    assert_eq!(created["apiToken"]["name"], "ci");
    assert!(created["apiToken"]["expiresAt"].is_null());
    assert!(created["apiToken"]["lastUsedAt"].is_null());

    let listed = app.gql(Some(&admin.token), API_TOKENS, json!({})).await;
    let listed = listed.data("apiTokens");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], created["apiToken"]["id"]);
    assert_eq!(listed[0]["prefix"], prefix);
    assert!(!listed.to_string().contains(secret));

    // Another user sees none of them.
    let bob = app.user(&admin, "bob").await;
    let theirs = app.gql(Some(&bob.token), API_TOKENS, json!({})).await;
    assert_eq!(theirs.data("apiTokens"), &json!([]));
    Ok(())
}

#[tokio::test]
async fn an_api_token_needs_a_name() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for name in ["", "   ", &"x".repeat(256)] {
        app.gql(Some(&admin.token), CREATE_TOKEN, json!({ "name": name }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    Ok(())
}

#[tokio::test]
async fn an_api_token_works_as_bearer_and_as_token() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (secret, _) = app.api_token(&bob, "script").await;
    for scheme in ["Bearer", "Token", "bearer", "token"] {
        let response = app
            .gql_with_authorization(Some(&format!("{scheme} {secret}")), ME, json!({}))
            .await;
        assert_eq!(response.data("me")["id"], bob.id.as_str(), "with {scheme}");
    }
    // A JWT is accepted with the `Token` scheme as well.
    let response = app
        .gql_with_authorization(Some(&format!("Token {}", bob.token)), ME, json!({}))
        .await;
    assert_eq!(response.data("me")["id"], bob.id.as_str());
    Ok(())
}

#[tokio::test]
async fn a_revoked_api_token_is_refused() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let (secret, id) = app.api_token(&admin, "script").await;
    let (other_secret, _) = app.api_token(&admin, "other").await;
    let revoked = app
        .gql(Some(&admin.token), REVOKE_TOKEN, json!({ "id": id }))
        .await;
    assert_eq!(revoked.data("revokeApiToken"), true);
    let response = app.gql(Some(&secret), ME, json!({})).await;
    response.expect_code("UNAUTHENTICATED");
    assert_eq!(response.status, 200);
    assert_signed_in(&app, &other_secret, &admin).await;
    // Revoking it again finds nothing.
    app.gql(Some(&admin.token), REVOKE_TOKEN, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    let listed = app.gql(Some(&admin.token), API_TOKENS, json!({})).await;
    assert_eq!(listed.data("apiTokens").as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn an_api_token_cannot_expire_in_the_past() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let past = app.clock.now() - chrono::Duration::minutes(1);
    app.gql(
        Some(&admin.token),
        CREATE_TOKEN,
        json!({ "name": "old", "at": past.to_rfc3339() }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let listed = app.gql(Some(&admin.token), API_TOKENS, json!({})).await;
    assert_eq!(listed.data("apiTokens"), &json!([]));
    Ok(())
}

#[tokio::test]
async fn an_api_token_answers_expired_after_its_expiry() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let at = app.clock.now() + chrono::Duration::hours(1);
    let created = app
        .gql(
            Some(&admin.token),
            CREATE_TOKEN,
            json!({ "name": "short-lived", "at": at.to_rfc3339() }),
        )
        .await;
    let created = created.data("createApiToken").clone();
    assert!(created["apiToken"]["expiresAt"].is_string());
    let secret = created["token"].as_str().ok_or("token")?;
    assert_signed_in(&app, secret, &admin).await;
    app.clock.advance(Duration::from_secs(3601));
    app.gql(Some(secret), ME, json!({}))
        .await
        .expect_code("EXPIRED");
    Ok(())
}

#[tokio::test]
async fn revoking_another_users_api_token_is_not_found() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (secret, id) = app.api_token(&bob, "bob's").await;
    // Not even a superuser revokes someone else's token through this mutation.
    for viewer in [&admin, &app.user(&admin, "carol").await] {
        app.gql(Some(&viewer.token), REVOKE_TOKEN, json!({ "id": id }))
            .await
            .expect_code("NOT_FOUND");
    }
    for id in [Uuid::now_v7().to_string(), "not-an-id".to_owned()] {
        app.gql(Some(&bob.token), REVOKE_TOKEN, json!({ "id": id }))
            .await
            .expect_code("NOT_FOUND");
    }
    assert_signed_in(&app, &secret, &bob).await;
    Ok(())
}

#[tokio::test]
async fn using_an_api_token_sets_last_used_at() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let (secret, _) = app.api_token(&admin, "script").await;
    let before = app.gql(Some(&admin.token), API_TOKENS, json!({})).await;
    assert!(before.data("apiTokens")[0]["lastUsedAt"].is_null());
    assert_signed_in(&app, &secret, &admin).await;
    let after = app.gql(Some(&admin.token), API_TOKENS, json!({})).await;
    assert!(after.data("apiTokens")[0]["lastUsedAt"].is_string());
    Ok(())
}

#[tokio::test]
async fn an_api_token_of_a_deactivated_user_is_refused() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let (secret, _) = app.api_token(&bob, "script").await;
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { isActive: false }) { id } }",
        json!({ "id": bob.id }),
    )
    .await
    .ok();
    app.gql(Some(&secret), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    app.gql(
        Some(&bob.token),
        CHANGE_PASSWORD,
        json!({ "old": "not the password", "new": "a brand new password" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    // Nothing changed: the session lives on and the old password still works.
    assert_signed_in(&app, &bob.token, &bob).await;
    app.login("bob", PASSWORD).await;
    Ok(())
}

#[tokio::test]
async fn changing_to_a_weak_password_is_refused() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    for weak in [
        "short",
        "aaaaaaaaaaaa",
        &"Long enough? ".repeat(10),
        PASSWORD,
    ] {
        app.gql(
            Some(&bob.token),
            CHANGE_PASSWORD,
            json!({ "old": PASSWORD, "new": weak }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    assert_signed_in(&app, &bob.token, &bob).await;
    Ok(())
}

#[tokio::test]
async fn changing_the_password_ends_every_session() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let elsewhere = app.login("bob", PASSWORD).await;
    let new_password = "a brand new password";
    let changed = app
        .gql(
            Some(&bob.token),
            CHANGE_PASSWORD,
            json!({ "old": PASSWORD, "new": new_password }),
        )
        .await;
    assert_eq!(changed.data("changePassword"), true);
    for session in [&bob, &elsewhere] {
        // The access token has not expired, yet it no longer works.
        app.gql(Some(&session.token), ME, json!({}))
            .await
            .expect_code("UNAUTHENTICATED");
        app.gql(None, REFRESH, json!({ "t": session.refresh_token }))
            .await
            .expect_code("UNAUTHENTICATED");
    }
    app.gql(None, LOGIN, credentials("bob", PASSWORD))
        .await
        .expect_code("UNAUTHENTICATED");
    let fresh = app.login("bob", new_password).await;
    assert_signed_in(&app, &fresh.token, &bob).await;
    Ok(())
}

#[tokio::test]
async fn secrets_are_stored_only_as_digests() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let (api_secret, _) = app.api_token(&admin, "script").await;
    let db = &app.state.db;
    for account in user::Entity::find().all(db).await? {
        assert!(
            account
                .password_hash
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            account.password_hash
        );
        assert!(!account.password_hash.contains(PASSWORD));
    }
    let refresh_tokens = refresh_token::Entity::find().all(db).await?;
    assert_eq!(refresh_tokens.len(), 1);
    assert!(!format!("{refresh_tokens:?}").contains(&admin.refresh_token));
    let api_tokens = api_token::Entity::find().all(db).await?;
    assert_eq!(api_tokens.len(), 1);
    assert!(!format!("{api_tokens:?}").contains(&api_secret));
    Ok(())
}

#[tokio::test]
async fn instances_on_one_database_share_sessions_revocations_and_limits() -> TestResult {
    let flags = ["--login-max-failures", "2"];
    let first = TestApp::spawn_with(&flags).await;
    let second = first.spawn_beside(&flags).await;
    let admin = first.superuser().await;
    let bob = first.user(&admin, "bob").await;
    // A token issued by one instance is good on the other.
    assert_signed_in(&second, &bob.token, &bob).await;
    let (api_secret, _) = first.api_token(&bob, "script").await;
    assert_signed_in(&second, &api_secret, &bob).await;

    // Failures on one count on the other.
    for _ in 0..2 {
        first
            .gql(None, LOGIN, credentials("admin", "not the password"))
            .await
            .expect_code("UNAUTHENTICATED");
    }
    second
        .gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");

    // A refresh token spent on one is reuse on the other.
    second
        .gql(None, REFRESH, json!({ "t": bob.refresh_token }))
        .await
        .data("refreshToken");
    first
        .gql(None, REFRESH, json!({ "t": bob.refresh_token }))
        .await
        .expect_code("UNAUTHENTICATED");

    // A password changed on one ends the sessions the other would accept.
    let session = second.login("bob", PASSWORD).await;
    first
        .gql(
            Some(&session.token),
            CHANGE_PASSWORD,
            json!({ "old": PASSWORD, "new": "a brand new password" }),
        )
        .await
        .ok();
    second
        .gql(Some(&session.token), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn a_burst_of_guesses_gets_no_more_tries_than_the_limit() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures", "3"]).await;
    app.superuser().await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..12 {
        let request = app
            .client()
            .post(app.url("/graphql"))
            .json(&json!({ "query": LOGIN, "variables": credentials("admin", &format!("wrong guess {i}")) }));
        guesses.spawn(async move {
            let body = request.send().await?.json::<Value>().await?;
            Ok::<_, reqwest::Error>(code(&body).map(String::from))
        });
    }
    let mut codes = Vec::new();
    while let Some(answer) = guesses.join_next().await {
        codes.push(answer??);
    }
    let tried = codes
        .iter()
        .filter(|code| code.as_deref() == Some("UNAUTHENTICATED"))
        .count();
    let limited = codes
        .iter()
        .filter(|code| code.as_deref() == Some("RATE_LIMITED"))
        .count();
    assert_eq!(tried + limited, codes.len(), "{codes:?}");
    assert!(
        tried <= 3,
        "{tried} guesses were checked against the password"
    );
    // Guesses one at a time get the tries the burst left, and no more.
    let mut more = 0;
    while app
        .gql(None, LOGIN, credentials("admin", "one more guess"))
        .await
        .code()
        == Some("UNAUTHENTICATED")
    {
        more += 1;
        assert!(tried + more <= 3, "{tried} + {more} guesses were checked");
    }
    assert_eq!(tried + more, 3);
    app.gql(None, LOGIN, credentials("admin", PASSWORD))
        .await
        .expect_code("RATE_LIMITED");
    Ok(())
}

#[tokio::test]
async fn a_refresh_token_sent_twice_at_once_makes_one_session_at_most() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let variables = json!({ "t": admin.refresh_token });
    let (one, two) = tokio::join!(
        app.gql(None, REFRESH, variables.clone()),
        app.gql(None, REFRESH, variables.clone()),
    );
    let mut codes = [one.code(), two.code()];
    codes.sort();
    // One wins; the other is reuse, which also ends the winner's new session.
    assert_eq!(codes, [None, Some("UNAUTHENTICATED")]);
    let winner = if one.code().is_none() { &one } else { &two };
    let newest = winner.data("refreshToken")["refreshToken"].clone();
    app.gql(None, REFRESH, json!({ "t": newest }))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}
