//! Invitations over HTTP: the whole lifecycle, refusals, expiry, the race between
//! two accepts, and delivery through a real SMTP conversation.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    common::{PASSWORD, TestApp, TestResult, TestUser},
    mail_server::{SmtpServer, decoded_text, invitation_token},
    projects::{assign, create},
};

const INVITE: &str = "mutation($input: InviteInput!) { invite(input: $input) { id email role status message expiresAt issuer { username } project { title } } }";
const BY_TOKEN: &str = "query($t: String!) { invitationByToken(token: $t) { id status role expiresAt issuer { username } project { title } } }";
const ACCEPT_BY_TOKEN: &str = "mutation($t: String!, $s: SignupInput) { acceptInvitationByToken(token: $t, signup: $s) { accessToken user { username email } } }";

async fn invite(app: &TestApp, by: &TestUser, project: &str, email: &str, role: &str) -> Value {
    app.gql(
        Some(&by.token),
        INVITE,
        json!({ "input": { "projectId": project, "email": email, "role": role } }),
    )
    .await
    .data("invite")
    .clone()
}

async fn smtp_app() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(&[
        "--smtp-url",
        &url,
        "--public-url",
        "https://roster.example.org",
    ])
    .await;
    (app, smtp)
}

#[tokio::test]
async fn a_newcomer_signs_up_and_joins_from_the_emailed_link() -> TestResult {
    let (app, smtp) = smtp_app().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Genomes", "PROJECT", None).await;
    let invited = app
        .gql(
            Some(&owner.token),
            INVITE,
            json!({ "input": { "projectId": project, "email": " New.Person@Example.org ", "role": "CONTRIBUTOR", "message": "Welcome <aboard>!" } }),
        )
        .await;
    let invitation = invited.data("invite");
    assert_eq!(invitation["email"], "new.person@example.org");
    assert_eq!(invitation["status"], "PENDING");
    assert_eq!(invitation["issuer"]["username"], "owner");

    let raw = smtp.wait_for(1).await.remove(0);
    assert!(raw.contains("new.person@example.org"), "{raw}");
    let text = decoded_text(&raw);
    for expected in [
        "Genomes",
        "CONTRIBUTOR",
        "User owner",
        "Welcome <aboard>!",
        "Welcome &lt;aboard&gt;!",
        "https://roster.example.org/invitations/",
    ] {
        assert!(
            text.contains(expected),
            "the email lacks {expected}: {text}"
        );
    }
    let token = invitation_token(&raw);

    let shown = app.gql(None, BY_TOKEN, json!({ "t": token })).await;
    let shown = shown.data("invitationByToken");
    assert_eq!(shown["project"]["title"], "Genomes");
    assert_eq!(shown["role"], "CONTRIBUTOR");
    assert_eq!(shown["issuer"]["username"], "owner");

    let signup = json!({ "username": "newcomer", "name": "New Person", "password": PASSWORD });
    let joined = app
        .gql(None, ACCEPT_BY_TOKEN, json!({ "t": token, "s": signup }))
        .await;
    let payload = joined.data("acceptInvitationByToken");
    assert_eq!(payload["user"]["email"], "new.person@example.org");
    let token_of_newcomer = payload["accessToken"].as_str().expect("token");
    let access = app
        .gql(
            Some(token_of_newcomer),
            "query($id: ID!) { project(id: $id) { myAccess { role } } }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(access.data("project")["myAccess"]["role"], "CONTRIBUTOR");

    // The secret works once.
    let again = app
        .gql(
            None,
            ACCEPT_BY_TOKEN,
            json!({ "t": token, "s": { "username": "other", "password": PASSWORD } }),
        )
        .await;
    again.expect_code("CONFLICT");
    let history = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { project(id: $id) { invitations(status: ACCEPTED) { totalCount edges { node { status } } } } }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(history.data("project")["invitations"]["totalCount"], 1);
    Ok(())
}

#[tokio::test]
async fn a_signed_in_user_accepts_an_invitation_addressed_to_them() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let stranger = app.user(&admin, "stranger").await;
    let project = create(&app, &owner, "Shared", "PROJECT", None).await;
    let invitation = invite(&app, &owner, &project, "guest@example.org", "GUEST").await;
    let id = invitation["id"].as_str().expect("id");

    let mine = app
        .gql(
            Some(&guest.token),
            "{ myInvitations { id role project { title } issuer { username } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine.data("myInvitations")[0]["id"], id);
    assert_eq!(mine.data("myInvitations")[0]["project"]["title"], "Shared");
    let none = app
        .gql(Some(&stranger.token), "{ myInvitations { id } }", json!({}))
        .await;
    assert_eq!(none.data("myInvitations"), &json!([]));

    let accept = "mutation($id: ID!) { acceptInvitation(id: $id) { role inherited user { username } project { title } } }";
    app.gql(Some(&stranger.token), accept, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    let accepted = app
        .gql(Some(&guest.token), accept, json!({ "id": id }))
        .await;
    assert_eq!(accepted.data("acceptInvitation")["role"], "GUEST");
    assert_eq!(
        accepted.data("acceptInvitation")["user"]["username"],
        "guest"
    );
    app.gql(Some(&guest.token), accept, json!({ "id": id }))
        .await
        .expect_code("CONFLICT");
    let after = app
        .gql(Some(&guest.token), "{ myInvitations { id } }", json!({}))
        .await;
    assert_eq!(after.data("myInvitations"), &json!([]));
    Ok(())
}

#[tokio::test]
async fn invitations_are_refused_when_a_rule_says_no() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let contributor = app.user(&admin, "contributor").await;
    let project = create(&app, &owner, "Rules", "PROJECT", None).await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;
    let attempt = |by: TestUser, email: &'static str, role: &'static str, days: Option<i32>| {
        let app = &app;
        let project = project.clone();
        async move {
            app.gql(
                Some(&by.token),
                INVITE,
                json!({ "input": { "projectId": project, "email": email, "role": role, "expiresInDays": days } }),
            )
            .await
        }
    };
    attempt(contributor.clone(), "a@example.org", "GUEST", None)
        .await
        .expect_code("FORBIDDEN");
    attempt(delegate.clone(), "a@example.org", "DELEGATE", None)
        .await
        .expect_code("FORBIDDEN");
    attempt(owner.clone(), "a@example.org", "OWNER", None)
        .await
        .expect_code("BAD_USER_INPUT");
    attempt(owner.clone(), "a@example.org", "FINDER", None)
        .await
        .expect_code("BAD_USER_INPUT");
    attempt(owner.clone(), "not an email", "GUEST", None)
        .await
        .expect_code("BAD_USER_INPUT");
    attempt(owner.clone(), "a@example.org", "GUEST", Some(0))
        .await
        .expect_code("BAD_USER_INPUT");
    attempt(owner.clone(), "a@example.org", "GUEST", Some(366))
        .await
        .expect_code("BAD_USER_INPUT");
    attempt(owner.clone(), "contributor@example.org", "GUEST", None)
        .await
        .expect_code("CONFLICT");
    attempt(delegate.clone(), "a@example.org", "CONTRIBUTOR", Some(365))
        .await
        .ok();
    attempt(owner.clone(), "A@example.org", "GUEST", None)
        .await
        .expect_code("CONFLICT");
    let outsider = app.user(&admin, "outsider").await;
    attempt(outsider, "b@example.org", "GUEST", None)
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn an_invitation_past_its_expiry_reads_as_expired_until_it_is_resent() -> TestResult {
    let (app, smtp) = smtp_app().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Timely", "PROJECT", None).await;
    let invitation = app
        .gql(
            Some(&owner.token),
            INVITE,
            json!({ "input": { "projectId": project, "email": "late@example.org", "role": "VIEWER", "expiresInDays": 1 } }),
        )
        .await;
    let id = invitation.data("invite")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let first_token = invitation_token(&smtp.wait_for(1).await[0]);

    app.clock.advance(Duration::from_secs(86_400 + 60));
    let owner = app.login("owner", PASSWORD).await;
    let shown = app.gql(None, BY_TOKEN, json!({ "t": first_token })).await;
    assert_eq!(shown.data("invitationByToken")["status"], "EXPIRED");
    let signup = json!({ "username": "late", "password": PASSWORD });
    app.gql(
        None,
        ACCEPT_BY_TOKEN,
        json!({ "t": first_token, "s": signup }),
    )
    .await
    .expect_code("EXPIRED");
    let expired = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { project(id: $id) { pending: invitations(status: PENDING) { totalCount } expired: invitations(status: EXPIRED) { totalCount } } }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(expired.data("project")["pending"]["totalCount"], 0);
    assert_eq!(expired.data("project")["expired"]["totalCount"], 1);

    let resent = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { resendInvitation(id: $id) { status expiresAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(resent.data("resendInvitation")["status"], "PENDING");
    let second_token = invitation_token(&smtp.wait_for(2).await[1]);
    assert_ne!(first_token, second_token);
    app.gql(None, BY_TOKEN, json!({ "t": first_token }))
        .await
        .expect_code("NOT_FOUND");
    let joined = app
        .gql(
            None,
            ACCEPT_BY_TOKEN,
            json!({ "t": second_token, "s": signup }),
        )
        .await;
    assert_eq!(
        joined.data("acceptInvitationByToken")["user"]["username"],
        "late"
    );
    Ok(())
}

#[tokio::test]
async fn invitees_decline_and_managers_revoke() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let contributor = app.user(&admin, "contributor").await;
    let project = create(&app, &owner, "Answers", "PROJECT", None).await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;

    let declined_id =
        invite(&app, &owner, &project, "guest@example.org", "GUEST").await["id"].clone();
    let decline = "mutation($id: ID!) { declineInvitation(id: $id) { status } }";
    app.gql(Some(&owner.token), decline, json!({ "id": declined_id }))
        .await
        .expect_code("NOT_FOUND");
    let declined = app
        .gql(Some(&guest.token), decline, json!({ "id": declined_id }))
        .await;
    assert_eq!(declined.data("declineInvitation")["status"], "DECLINED");

    let revoked_id =
        invite(&app, &owner, &project, "guest@example.org", "VIEWER").await["id"].clone();
    let revoke = "mutation($id: ID!) { revokeInvitation(id: $id) { status } }";
    app.gql(
        Some(&contributor.token),
        revoke,
        json!({ "id": revoked_id }),
    )
    .await
    .expect_code("FORBIDDEN");
    let revoked = app
        .gql(Some(&owner.token), revoke, json!({ "id": revoked_id }))
        .await;
    assert_eq!(revoked.data("revokeInvitation")["status"], "REVOKED");
    app.gql(
        Some(&guest.token),
        "mutation($id: ID!) { acceptInvitation(id: $id) { id } }",
        json!({ "id": revoked_id }),
    )
    .await
    .expect_code("CONFLICT");

    let events = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { project(id: $id) { invitations { totalCount } events { edges { node { action } } } } }",
            json!({ "id": project }),
        )
        .await;
    let data = events.data("project");
    assert_eq!(data["invitations"]["totalCount"], 2);
    let actions: Vec<&str> = data["events"]["edges"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|edge| edge["node"]["action"].as_str())
        .collect();
    for action in [
        "invitation.create",
        "invitation.decline",
        "invitation.revoke",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn two_concurrent_accepts_create_one_assignment() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let project = create(&app, &owner, "Race", "PROJECT", None).await;
    let id = invite(&app, &owner, &project, "guest@example.org", "GUEST").await["id"].clone();
    let accept = "mutation($id: ID!) { acceptInvitation(id: $id) { id } }";
    let (first, second) = tokio::join!(
        app.gql(Some(&guest.token), accept, json!({ "id": id })),
        app.gql(Some(&guest.token), accept, json!({ "id": id })),
    );
    let codes = [first.code(), second.code()];
    assert!(codes.contains(&None), "one accept must win: {codes:?}");
    assert!(
        codes.contains(&Some("CONFLICT")),
        "the other must get CONFLICT: {codes:?}"
    );
    let members = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { project(id: $id) { members { totalCount } } }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(members.data("project")["members"]["totalCount"], 2);
    Ok(())
}

async fn outbox(app: &TestApp) -> Vec<entity::outbound_email::Model> {
    use sea_orm::EntityTrait;
    entity::outbound_email::Entity::find()
        .all(&app.state.db)
        .await
        .expect("read the outbox")
}

#[tokio::test]
async fn email_queued_without_smtp_waits_in_the_outbox_and_survives_a_restart() -> TestResult {
    let first = TestApp::spawn().await;
    let admin = first.superuser().await;
    let owner = first.user(&admin, "owner").await;
    let project = create(&first, &owner, "Durable", "PROJECT", None).await;
    invite(&first, &owner, &project, "someone@example.org", "GUEST").await;
    let queued = outbox(&first).await;
    assert_eq!(queued.len(), 1);
    assert!(queued[0].sent_at.is_none());
    // The link's secret is sealed apart from the body, which holds no secret.
    assert!(
        queued[0]
            .body_text
            .as_deref()
            .is_some_and(|body| body.contains("/invitations/") && !body.contains("rsi_"))
    );
    assert!(queued[0].sealed_secret.is_some());

    // Another process on the same database, now with an SMTP server, delivers it.
    let smtp = SmtpServer::start().await;
    let second = first.spawn_beside(&["--smtp-url", &smtp.url()]).await;
    let delivered = smtp.wait_for(1).await;
    assert!(decoded_text(&delivered[0]).contains("Durable"));
    let mut sent = outbox(&second).await;
    for _ in 0..50 {
        if sent[0].sent_at.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        sent = outbox(&second).await;
    }
    assert!(sent[0].sent_at.is_some());
    assert_eq!(
        sent[0].body_text, None,
        "a sent email no longer keeps its body"
    );
    assert_eq!(
        sent[0].sealed_secret, None,
        "a sent email no longer keeps its secret"
    );
    assert_eq!(smtp.count().await, 1);
    Ok(())
}

#[tokio::test]
async fn a_failed_delivery_is_retried_and_goes_through_after_a_restart() -> TestResult {
    let unreachable = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        listener.local_addr()?.port()
    };
    let dead_url = format!("smtp://127.0.0.1:{unreachable}");
    let retry_fast = ["--mail-retry-secs", "1", "--mail-poll-secs", "1"];
    let database = TestApp::spawn().await;
    let broken = database
        .spawn_beside(&[&["--smtp-url", dead_url.as_str()][..], &retry_fast[..]].concat())
        .await;
    let admin = broken.superuser().await;
    let owner = broken.user(&admin, "owner").await;
    let project = create(&broken, &owner, "Retry", "PROJECT", None).await;
    invite(&broken, &owner, &project, "someone@example.org", "GUEST").await;
    let mut failed = outbox(&broken).await;
    for _ in 0..100 {
        if failed[0].attempts >= 2 && failed[0].last_error.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        failed = outbox(&broken).await;
    }
    assert!(
        failed[0].attempts >= 2,
        "the sender tried again after failing"
    );
    assert!(failed[0].last_error.is_some());
    assert!(failed[0].sent_at.is_none());
    drop(broken);

    // Restarted with a server that answers, the next attempt delivers it.
    let smtp = SmtpServer::start().await;
    let _fixed = database
        .spawn_beside(&[&["--smtp-url", smtp.url().as_str()][..], &retry_fast[..]].concat())
        .await;
    let delivered = smtp.wait_for(1).await;
    assert!(decoded_text(&delivered[0]).contains("Retry"));
    Ok(())
}
