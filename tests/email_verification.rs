//! Email verification over HTTP: a user's own new address waits for the link sent
//! to it, only proven addresses match invitations (the takeover of issue 11), and
//! no secret waits in the outbox in the clear.

use std::time::Duration;

use entity::{audit_event, outbound_email, user};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    common::{Gql, PASSWORD, TestApp, TestResult, TestUser},
    projects::create,
};

const UPDATE_USER: &str = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id email pendingEmail emailVerified name } }";
const VERIFY: &str =
    "mutation($t: String!) { verifyEmail(token: $t) { id email pendingEmail emailVerified } }";
const ME: &str = "{ me { id email pendingEmail emailVerified } }";
const INVITE: &str = "mutation($input: InviteInput!) { invite(input: $input) { id } }";

async fn change_email(app: &TestApp, user: &TestUser, email: &str) -> Gql {
    app.gql(
        Some(&user.token),
        UPDATE_USER,
        json!({ "id": user.id, "input": { "email": email, "currentPassword": PASSWORD } }),
    )
    .await
}

/// Every queued message, oldest first.
pub async fn outbox(app: &TestApp) -> Vec<outbound_email::Model> {
    outbound_email::Entity::find()
        .order_by_asc(outbound_email::Column::Id)
        .all(&app.state.db)
        .await
        .expect("read the outbox")
}

/// The secret in the newest queued message to `to` whose link has `path` (e.g.
/// `/verify-email/`), as the message is rendered at send time.
pub async fn link_token(app: &TestApp, to: &str, path: &str) -> String {
    let message = outbox(app)
        .await
        .into_iter()
        .rev()
        .find(|message| {
            message.to_address == to
                && message
                    .body_text
                    .as_deref()
                    .is_some_and(|body| body.contains(path))
        })
        .unwrap_or_else(|| panic!("no message to {to} with a {path} link"));
    let (text, _) = roster::mail::render(&app.state, &message).expect("render the message");
    let start = text.find(path).expect("the link") + path.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

async fn me(app: &TestApp, user: &TestUser) -> Value {
    app.gql(Some(&user.token), ME, json!({}))
        .await
        .data("me")
        .clone()
}

#[tokio::test]
async fn a_users_own_new_email_waits_for_the_link_sent_to_it() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let changed = change_email(&app, &bob, "Robert@Example.org").await;
    let changed = changed.data("updateUser");
    assert_eq!(changed["email"], "bob@example.org");
    assert_eq!(changed["pendingEmail"], "robert@example.org");
    assert_eq!(changed["emailVerified"], true);

    // The old address is told, without a link; the new one gets the link.
    let queued = outbox(&app).await;
    let notice = queued
        .iter()
        .find(|message| message.to_address == "bob@example.org")
        .ok_or("a notice to the old address")?;
    assert!(notice.sealed_secret.is_none());
    assert!(
        notice
            .body_text
            .as_deref()
            .is_some_and(|body| body.contains("robert@example.org"))
    );
    let token = link_token(&app, "robert@example.org", "/verify-email/").await;
    assert!(token.starts_with("rsv_"), "{token}");

    // Until the link is used, the new address signs nobody in.
    app.gql(
        None,
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
        json!({ "u": "robert@example.org", "p": PASSWORD }),
    )
    .await
    .expect_code("UNAUTHENTICATED");

    let verified = app
        .gql(Some(&bob.token), VERIFY, json!({ "t": token }))
        .await;
    let verified = verified.data("verifyEmail");
    assert_eq!(verified["email"], "robert@example.org");
    assert!(verified["pendingEmail"].is_null());
    assert_eq!(verified["emailVerified"], true);
    app.gql(None, VERIFY, json!({ "t": token }))
        .await
        .expect_code("NOT_FOUND");
    app.login("robert@example.org", PASSWORD).await;
    Ok(())
}

#[tokio::test]
async fn changing_ones_own_email_or_password_needs_the_current_password() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    for input in [
        json!({ "email": "new@example.org" }),
        json!({ "password": "a brand new password" }),
        json!({ "email": "new@example.org", "currentPassword": "not the password" }),
        json!({ "password": "a brand new password", "currentPassword": "not the password" }),
    ] {
        app.gql(
            Some(&bob.token),
            UPDATE_USER,
            json!({ "id": bob.id, "input": input }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    assert!(me(&app, &bob).await["pendingEmail"].is_null());
    // A name needs no password.
    let renamed = app
        .gql(
            Some(&bob.token),
            UPDATE_USER,
            json!({ "id": bob.id, "input": { "name": "Bobby" } }),
        )
        .await;
    assert_eq!(renamed.data("updateUser")["name"], "Bobby");

    // With it, the password changes and every session ends.
    app.gql(
        Some(&bob.token),
        UPDATE_USER,
        json!({ "id": bob.id, "input": { "password": "a brand new password", "currentPassword": PASSWORD } }),
    )
    .await
    .ok();
    app.gql(Some(&bob.token), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.login("bob", "a brand new password").await;
    Ok(())
}

#[tokio::test]
async fn pending_email_and_email_verified_are_for_the_user_and_superusers_only() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    change_email(&app, &alice, "alice.new@example.org")
        .await
        .ok();
    let query = "query($id: ID!) { user(id: $id) { pendingEmail emailVerified } }";
    let as_bob = app
        .gql(Some(&bob.token), query, json!({ "id": alice.id }))
        .await;
    assert!(as_bob.data("user")["pendingEmail"].is_null());
    assert!(as_bob.data("user")["emailVerified"].is_null());
    let as_admin = app
        .gql(Some(&admin.token), query, json!({ "id": alice.id }))
        .await;
    assert_eq!(
        as_admin.data("user")["pendingEmail"],
        "alice.new@example.org"
    );
    assert_eq!(as_admin.data("user")["emailVerified"], true);
    let as_alice = app
        .gql(Some(&alice.token), query, json!({ "id": alice.id }))
        .await;
    assert_eq!(
        as_alice.data("user")["pendingEmail"],
        "alice.new@example.org"
    );
    Ok(())
}

#[tokio::test]
async fn an_address_of_another_account_is_pending_without_a_word_and_conflicts_only_on_verification()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    // Asking for a taken address answers as for any other: nothing is enumerated.
    let asked = change_email(&app, &bob, "alice@example.org").await;
    assert_eq!(
        asked.data("updateUser")["pendingEmail"],
        "alice@example.org"
    );
    let token = link_token(&app, "alice@example.org", "/verify-email/").await;
    app.gql(None, VERIFY, json!({ "t": token }))
        .await
        .expect_code("CONFLICT");
    // A free address taken by someone else before the link is used conflicts too.
    change_email(&app, &bob, "free@example.org").await.ok();
    let token = link_token(&app, "free@example.org", "/verify-email/").await;
    app.gql(
        Some(&admin.token),
        UPDATE_USER,
        json!({ "id": alice.id, "input": { "email": "free@example.org" } }),
    )
    .await
    .ok();
    app.gql(None, VERIFY, json!({ "t": token }))
        .await
        .expect_code("CONFLICT");
    assert_eq!(me(&app, &bob).await["email"], "bob@example.org");
    Ok(())
}

#[tokio::test]
async fn a_newer_change_or_an_email_set_by_a_superuser_voids_the_pending_one() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    change_email(&app, &bob, "first@example.org").await.ok();
    let first = link_token(&app, "first@example.org", "/verify-email/").await;
    change_email(&app, &bob, "second@example.org").await.ok();
    let second = link_token(&app, "second@example.org", "/verify-email/").await;
    app.gql(None, VERIFY, json!({ "t": first }))
        .await
        .expect_code("NOT_FOUND");

    let set = app
        .gql(
            Some(&admin.token),
            UPDATE_USER,
            json!({ "id": bob.id, "input": { "email": "chosen@example.org" } }),
        )
        .await;
    let set = set.data("updateUser");
    assert_eq!(set["email"], "chosen@example.org");
    assert!(set["pendingEmail"].is_null());
    assert_eq!(set["emailVerified"], true);
    app.gql(None, VERIFY, json!({ "t": second }))
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn a_verification_link_expires_after_a_day_and_resending_replaces_it() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let resend = "mutation { resendEmailVerification }";
    let nothing = app.gql(Some(&bob.token), resend, json!({})).await;
    assert_eq!(nothing.data("resendEmailVerification"), false);

    change_email(&app, &bob, "new@example.org").await.ok();
    let first = link_token(&app, "new@example.org", "/verify-email/").await;
    app.clock.advance(Duration::from_secs(25 * 3600));
    app.gql(None, VERIFY, json!({ "t": first }))
        .await
        .expect_code("EXPIRED");
    let bob = app.login("bob", PASSWORD).await;
    let resent = app.gql(Some(&bob.token), resend, json!({})).await;
    assert_eq!(resent.data("resendEmailVerification"), true);
    let second = link_token(&app, "new@example.org", "/verify-email/").await;
    assert_ne!(first, second);
    app.gql(None, VERIFY, json!({ "t": first }))
        .await
        .expect_code("NOT_FOUND");
    let verified = app.gql(None, VERIFY, json!({ "t": second })).await;
    assert_eq!(verified.data("verifyEmail")["id"], bob.id.as_str());
    Ok(())
}

#[tokio::test]
async fn verification_emails_are_limited_per_user() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    change_email(&app, &bob, "new@example.org").await.ok();
    let mut codes = Vec::new();
    for _ in 0..8 {
        let response = app
            .gql(
                Some(&bob.token),
                "mutation { resendEmailVerification }",
                json!({}),
            )
            .await;
        codes.push(response.code().map(str::to_owned));
    }
    // Five per hour: the change and four resends.
    assert_eq!(
        codes.iter().filter(|code| code.is_none()).count(),
        4,
        "{codes:?}"
    );
    assert_eq!(codes[4].as_deref(), Some("RATE_LIMITED"), "{codes:?}");
    change_email(&app, &bob, "other@example.org")
        .await
        .expect_code("RATE_LIMITED");
    app.clock.advance(Duration::from_secs(3601));
    let bob = app.login("bob", PASSWORD).await;
    change_email(&app, &bob, "other@example.org").await.ok();
    Ok(())
}

#[tokio::test]
async fn a_user_who_sets_their_email_to_an_invited_address_cannot_take_the_invitation() -> TestResult
{
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let mallory = app.user(&admin, "mallory").await;
    let category = create(&app, &owner, "Secret lab", "CATEGORY", None).await;
    let invitation = app
        .gql(
            Some(&owner.token),
            INVITE,
            json!({ "input": { "projectId": category, "email": "victim@example.org", "role": "DELEGATE" } }),
        )
        .await;
    let id = invitation.data("invite")["id"]
        .as_str()
        .ok_or("id")?
        .to_owned();

    change_email(&app, &mallory, "victim@example.org")
        .await
        .ok();
    let mine = app
        .gql(Some(&mallory.token), "{ myInvitations { id } }", json!({}))
        .await;
    assert_eq!(mine.data("myInvitations"), &json!([]));
    for mutation in [
        "mutation($id: ID!) { acceptInvitation(id: $id) { role } }",
        "mutation($id: ID!) { declineInvitation(id: $id) { status } }",
    ] {
        app.gql(Some(&mallory.token), mutation, json!({ "id": id }))
            .await
            .expect_code("NOT_FOUND");
    }
    app.gql(
        Some(&mallory.token),
        "query($id: ID!) { project(id: $id) { title } }",
        json!({ "id": category }),
    )
    .await
    .expect_code("NOT_FOUND");
    // The invitation is still there for its real addressee.
    let pending = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { project(id: $id) { invitations(status: PENDING) { totalCount } } }",
            json!({ "id": category }),
        )
        .await;
    assert_eq!(pending.data("project")["invitations"]["totalCount"], 1);
    Ok(())
}

pub async fn set_unverified(app: &TestApp, user: &TestUser) {
    let id: Uuid = user.id.parse().expect("a user id");
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerified, Expr::value(false))
        .filter(user::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .expect("mark the email unverified");
}

#[tokio::test]
async fn an_unproven_address_matches_no_invitation_until_an_invitation_link_proves_it() -> TestResult
{
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let legacy = app.user(&admin, "legacy").await;
    // As the migration leaves an address that only its user ever set.
    set_unverified(&app, &legacy).await;
    assert_eq!(me(&app, &legacy).await["emailVerified"], false);
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let invited = app
        .gql(
            Some(&owner.token),
            INVITE,
            json!({ "input": { "projectId": project, "email": "legacy@example.org", "role": "GUEST" } }),
        )
        .await;
    let id = invited.data("invite")["id"]
        .as_str()
        .ok_or("id")?
        .to_owned();
    let mine = app
        .gql(Some(&legacy.token), "{ myInvitations { id } }", json!({}))
        .await;
    assert_eq!(mine.data("myInvitations"), &json!([]));
    app.gql(
        Some(&legacy.token),
        "mutation($id: ID!) { acceptInvitation(id: $id) { role } }",
        json!({ "id": id }),
    )
    .await
    .expect_code("NOT_FOUND");

    // The link went to that address: using it proves the address.
    let token = link_token(&app, "legacy@example.org", "/invitations/").await;
    app.gql(
        Some(&legacy.token),
        "mutation($t: String!) { acceptInvitationByToken(token: $t) { user { username } } }",
        json!({ "t": token }),
    )
    .await
    .ok();
    assert_eq!(me(&app, &legacy).await["emailVerified"], true);
    Ok(())
}

#[tokio::test]
async fn no_secret_waits_in_the_outbox_in_the_clear() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Sealed", "PROJECT", None).await;
    app.gql(
        Some(&owner.token),
        INVITE,
        json!({ "input": { "projectId": project, "email": "guest@example.org", "role": "GUEST" } }),
    )
    .await
    .ok();
    change_email(&app, &owner, "owner.new@example.org")
        .await
        .ok();
    let queued = outbox(&app).await;
    assert_eq!(queued.len(), 3, "an invitation, a verification, a notice");
    for message in &queued {
        for stored in [
            &message.body_text,
            &message.body_html,
            &message.sealed_secret,
        ] {
            let stored = stored.as_deref().unwrap_or_default();
            assert!(
                !stored.contains("rsi_") && !stored.contains("rsv_"),
                "a secret in the clear: {stored}"
            );
        }
    }
    // Rendered at send time, the link works.
    let token = link_token(&app, "guest@example.org", "/invitations/").await;
    let shown = app
        .gql(
            None,
            "query($t: String!) { invitationByToken(token: $t) { status } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(shown.data("invitationByToken")["status"], "PENDING");
    Ok(())
}

async fn audit(app: &TestApp, action: &str, actor: Option<Uuid>, target: Uuid, details: Value) {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        action: Set(action.to_owned()),
        actor_id: Set(actor),
        project_id: Set(None),
        target_id: Set(Some(target)),
        details: Set(details),
        created_at: Set(app.clock.now() + chrono::Duration::seconds(1)),
    }
    .insert(&app.state.db)
    .await
    .expect("record an audit event");
}

async fn verified_flag(app: &TestApp, user: &TestUser) -> bool {
    let id: Uuid = user.id.parse().expect("a user id");
    user::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("read the user")
        .expect("the user")
        .email_verified
}

#[tokio::test]
async fn the_migration_trusts_only_addresses_the_audit_trail_proves() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let created = app.user(&admin, "created").await;
    let set_by_admin = app.user(&admin, "setbyadmin").await;
    let self_set = app.user(&admin, "selfset").await;
    let set_back = app.user(&admin, "setback").await;
    let nameless = app.user(&admin, "nameless").await;
    let id = |user: &TestUser| -> Uuid { user.id.parse().expect("a user id") };
    // Events as the code before this migration wrote them.
    audit(
        &app,
        "user.update",
        Some(id(&self_set)),
        id(&self_set),
        json!({ "fields": ["email"] }),
    )
    .await;
    audit(
        &app,
        "user.update",
        Some(id(&set_by_admin)),
        id(&set_by_admin),
        json!({ "fields": ["email"] }),
    )
    .await;
    app.clock.advance(Duration::from_secs(5));
    audit(
        &app,
        "user.update",
        Some(id(&admin)),
        id(&set_by_admin),
        json!({ "fields": ["email", "name"] }),
    )
    .await;
    audit(
        &app,
        "user.update",
        Some(id(&set_back)),
        id(&set_back),
        json!({ "fields": ["name"] }),
    )
    .await;
    audit_event::Entity::delete_many()
        .filter(audit_event::Column::TargetId.eq(id(&nameless)))
        .exec(&app.state.db)
        .await?;

    // Roll back to just before the verification migration (and whatever came after
    // it), then apply everything again.
    let since_verification = Migrator::migrations()
        .iter()
        .rev()
        .position(|migration| migration.name() == "m20261130_000007_email_verification")
        .map(|newer| newer as u32 + 1);
    Migrator::down(&app.state.db, since_verification).await?;
    Migrator::up(&app.state.db, None).await?;
    assert!(
        verified_flag(&app, &admin).await,
        "created by create-superuser"
    );
    assert!(
        verified_flag(&app, &created).await,
        "created by a superuser"
    );
    assert!(
        verified_flag(&app, &set_by_admin).await,
        "last set by a superuser"
    );
    assert!(
        !verified_flag(&app, &self_set).await,
        "last set by the user"
    );
    assert!(
        verified_flag(&app, &set_back).await,
        "a name change proves nothing either way"
    );
    assert!(!verified_flag(&app, &nameless).await, "no trail at all");
    Ok(())
}
