//! Limits that attacks of issue 11 ran into nothing: guesses of the current
//! password, invitation email, absurd login input, the age of a login, and which
//! invitations a link still shows.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    common::{PASSWORD, TestApp, TestResult},
    email_verification::{link_token, outbox},
    projects::create,
};

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
const INVITE: &str = "mutation($input: InviteInput!) { invite(input: $input) { id } }";
const BY_TOKEN: &str = "query($t: String!) { invitationByToken(token: $t) { id status } }";

/// The `extensions.code` of each aliased field's error (None: it answered), in
/// alias order `a0`, `a1`, ….
fn codes_by_alias(body: &Value, count: usize) -> Vec<Option<String>> {
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    (0..count)
        .map(|i| {
            let alias = format!("a{i}");
            errors
                .iter()
                .find(|error| error["path"][0] == alias.as_str())
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .expect("an error code")
                        .to_owned()
                })
        })
        .collect()
}

#[tokio::test]
async fn thirty_wrong_current_passwords_in_one_request_are_rate_limited() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let fields: String = (0..30)
        .map(|i| {
            format!("a{i}: changePassword(oldPassword: \"wrong guess {i}\", newPassword: \"a brand new password\") ")
        })
        .collect();
    let response = app
        .gql(
            Some(&bob.token),
            &format!("mutation {{ {fields} }}"),
            json!({}),
        )
        .await;
    let codes = codes_by_alias(&response.body, 30);
    let limited = codes
        .iter()
        .filter(|code| code.as_deref() == Some("RATE_LIMITED"))
        .count();
    assert_eq!(limited, 25, "five guesses, then the limit: {codes:?}");
    assert!(
        codes[..5]
            .iter()
            .all(|code| code.as_deref() == Some("BAD_USER_INPUT"))
    );

    // While limited, the right password is refused too, in either mutation.
    let change = "mutation($old: String!) { changePassword(oldPassword: $old, newPassword: \"a brand new password\") }";
    app.gql(Some(&bob.token), change, json!({ "old": PASSWORD }))
        .await
        .expect_code("RATE_LIMITED");
    app.gql(
        Some(&bob.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { email: \"x@example.org\", currentPassword: \"correct horse battery\" }) { id } }",
        json!({ "id": bob.id }),
    )
    .await
    .expect_code("RATE_LIMITED");
    // Other users are not affected, and the window passes.
    let alice = app.user(&admin, "alice").await;
    app.gql(Some(&alice.token), change, json!({ "old": PASSWORD }))
        .await
        .ok();
    app.clock.advance(Duration::from_secs(901));
    let bob = app.login("bob", PASSWORD).await;
    app.gql(Some(&bob.token), change, json!({ "old": PASSWORD }))
        .await
        .ok();
    Ok(())
}

#[tokio::test]
async fn forty_resent_invitations_hit_the_limit() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Spam", "PROJECT", None).await;
    let invited = app
        .gql(
            Some(&owner.token),
            INVITE,
            json!({ "input": { "projectId": project, "email": "target@example.org", "role": "GUEST" } }),
        )
        .await;
    let id = invited.data("invite")["id"]
        .as_str()
        .ok_or("id")?
        .to_owned();
    let resend = "mutation($id: ID!) { resendInvitation(id: $id) { id } }";
    let mut codes = Vec::new();
    for _ in 0..40 {
        let response = app
            .gql(Some(&owner.token), resend, json!({ "id": id }))
            .await;
        codes.push(response.code().map(str::to_owned));
    }
    // Thirty per user and hour by default: the invitation and 29 resends.
    assert!(codes[..29].iter().all(Option::is_none), "{codes:?}");
    assert!(
        codes[29..]
            .iter()
            .all(|code| code.as_deref() == Some("RATE_LIMITED")),
        "{codes:?}"
    );
    assert_eq!(outbox(&app).await.len(), 30);
    app.clock.advance(Duration::from_secs(3601));
    let owner = app.login("owner", PASSWORD).await;
    app.gql(Some(&owner.token), resend, json!({ "id": id }))
        .await
        .ok();
    Ok(())
}

#[tokio::test]
async fn invitations_are_limited_per_project_across_inviters() -> TestResult {
    let app = TestApp::spawn_with(&["--invitations-per-project", "3"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let project = create(&app, &owner, "Busy", "PROJECT", None).await;
    crate::projects::assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    let invite = |by: &crate::common::TestUser, n: usize| {
        let token = by.token.clone();
        let project = project.clone();
        let app = &app;
        async move {
            app.gql(
                Some(&token),
                INVITE,
                json!({ "input": { "projectId": project, "email": format!("person{n}@example.org"), "role": "GUEST" } }),
            )
            .await
        }
    };
    invite(&owner, 1).await.ok();
    invite(&delegate, 2).await.ok();
    invite(&owner, 3).await.ok();
    invite(&delegate, 4).await.expect_code("RATE_LIMITED");
    // Another project has its own budget.
    let other = create(&app, &owner, "Quiet", "PROJECT", None).await;
    app.gql(
        Some(&owner.token),
        INVITE,
        json!({ "input": { "projectId": other, "email": "person5@example.org", "role": "GUEST" } }),
    )
    .await
    .ok();
    Ok(())
}

#[tokio::test]
async fn absurd_login_input_is_refused_cleanly_and_still_counted() -> TestResult {
    let app = TestApp::spawn().await;
    app.superuser().await;
    let long_name = "x".repeat(5_000);
    for _ in 0..5 {
        app.gql(None, LOGIN, json!({ "u": long_name, "p": PASSWORD }))
            .await
            .expect_code("UNAUTHENTICATED");
    }
    // The failures were counted against that name like any other.
    app.gql(None, LOGIN, json!({ "u": long_name, "p": PASSWORD }))
        .await
        .expect_code("RATE_LIMITED");
    let long_password = "p".repeat(100_000);
    app.gql(None, LOGIN, json!({ "u": "admin", "p": long_password }))
        .await
        .expect_code("UNAUTHENTICATED");
    let long_email = format!("{}@example.org", "e".repeat(5_000));
    app.gql(None, LOGIN, json!({ "u": long_email, "p": long_password }))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, LOGIN, json!({ "u": "admin", "p": PASSWORD }))
        .await
        .ok();
    Ok(())
}

#[tokio::test]
async fn a_login_ends_after_its_maximum_age_however_often_it_is_refreshed() -> TestResult {
    let app = TestApp::spawn_with(&["--session-max-age-secs", "86400"]).await;
    let admin = app.superuser().await;
    let refresh = "mutation($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }";
    let mut token = admin.refresh_token.clone();
    for _ in 0..3 {
        app.clock.advance(Duration::from_secs(7 * 3600));
        let refreshed = app.gql(None, refresh, json!({ "t": token })).await;
        token = refreshed.data("refreshToken")["refreshToken"]
            .as_str()
            .ok_or("refresh token")?
            .to_owned();
    }
    // 28 hours after the login, though the token itself was issued 7 hours ago.
    app.clock.advance(Duration::from_secs(7 * 3600));
    app.gql(None, refresh, json!({ "t": token }))
        .await
        .expect_code("EXPIRED");
    Ok(())
}

#[tokio::test]
async fn invitation_by_token_answers_only_for_pending_invitations() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let project = create(&app, &owner, "Links", "PROJECT", None).await;
    let invite = |email: &'static str| {
        let app = &app;
        let owner = owner.clone();
        let project = project.clone();
        async move {
            let response = app
                .gql(
                    Some(&owner.token),
                    INVITE,
                    json!({ "input": { "projectId": project, "email": email, "role": "GUEST", "expiresInDays": 1 } }),
                )
                .await;
            let id = response.data("invite")["id"]
                .as_str()
                .expect("id")
                .to_owned();
            (id, link_token(app, email, "/invitations/").await)
        }
    };
    let (revoked, revoked_token) = invite("revoked@example.org").await;
    let (_, accepted_token) = invite("guest@example.org").await;
    let (declined, declined_token) = invite("declined@example.org").await;
    let (_, expiring_token) = invite("late@example.org").await;
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { revokeInvitation(id: $id) { id } }",
        json!({ "id": revoked }),
    )
    .await
    .ok();
    app.gql(
        Some(&guest.token),
        "mutation($t: String!) { acceptInvitationByToken(token: $t) { accessToken } }",
        json!({ "t": accepted_token }),
    )
    .await
    .ok();
    let declined_by = app.user(&admin, "declined").await;
    app.gql(
        Some(&declined_by.token),
        "mutation($id: ID!) { declineInvitation(id: $id) { id } }",
        json!({ "id": declined }),
    )
    .await
    .ok();
    for token in [&revoked_token, &accepted_token, &declined_token] {
        app.gql(None, BY_TOKEN, json!({ "t": token }))
            .await
            .expect_code("NOT_FOUND");
    }
    app.clock.advance(Duration::from_secs(2 * 86_400));
    let late = app
        .gql(None, BY_TOKEN, json!({ "t": expiring_token }))
        .await;
    assert_eq!(late.data("invitationByToken")["status"], "EXPIRED");
    Ok(())
}

#[tokio::test]
async fn wrong_emailed_links_count_as_failed_guesses_from_the_client_address() -> TestResult {
    let app = TestApp::spawn_with(&["--login-max-failures-per-address", "4"]).await;
    let verify = "mutation($t: String!) { verifyEmail(token: $t) { id } }";
    app.gql(None, BY_TOKEN, json!({ "t": "rsi_guess" }))
        .await
        .expect_code("NOT_FOUND");
    let reset =
        "mutation($t: String!) { resetPassword(token: $t, newPassword: \"a long new password\") }";
    for guess in 0..3 {
        app.gql(None, verify, json!({ "t": format!("rsv_guess{guess}") }))
            .await
            .expect_code("NOT_FOUND");
    }
    app.gql(None, verify, json!({ "t": "rsv_guess3" }))
        .await
        .expect_code("RATE_LIMITED");
    app.gql(None, reset, json!({ "t": "rsp_guess" }))
        .await
        .expect_code("RATE_LIMITED");
    app.gql(None, BY_TOKEN, json!({ "t": "rsi_guess" }))
        .await
        .expect_code("RATE_LIMITED");
    Ok(())
}
