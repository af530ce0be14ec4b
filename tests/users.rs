//! User accounts over HTTP: who may create, see, change and delete them, and the
//! rules their fields follow.

use entity::user;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    common::{Gql, PASSWORD, TestApp, TestResult, TestUser},
    email_verification::link_token,
};

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { id username email name isSuperuser isSystem isActive createdAt } }";
const UPDATE_USER: &str = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id username email name isSuperuser isActive } }";
const DELETE_USER: &str = "mutation($id: ID!) { deleteUser(id: $id) { id username email } }";
const USER: &str =
    "query($id: ID!) { user(id: $id) { id username email name isSuperuser isActive } }";
const USERS: &str = "query($search: String, $system: Boolean, $first: Int, $after: String) { users(search: $search, includeSystemUsers: $system, first: $first, after: $after) { totalCount edges { cursor node { id username email isSystem } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
const ME: &str = "{ me { id username } }";

fn new_user(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@example.org"),
        "name": format!("User {username}"),
        "password": PASSWORD,
    })
}

async fn create(app: &TestApp, admin: &TestUser, input: Value) -> Gql {
    app.gql(Some(&admin.token), CREATE_USER, json!({ "input": input }))
        .await
}

async fn update(app: &TestApp, viewer: &TestUser, id: &str, input: Value) -> Gql {
    app.gql(
        Some(&viewer.token),
        UPDATE_USER,
        json!({ "id": id, "input": input }),
    )
    .await
}

async fn usernames(app: &TestApp, viewer: &TestUser, variables: Value) -> Vec<String> {
    let response = app.gql(Some(&viewer.token), USERS, variables).await;
    response.data("users")["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            edge["node"]["username"]
                .as_str()
                .expect("username")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_superuser_creates_a_user_who_can_then_log_in() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let created = create(&app, &admin, new_user("alice")).await;
    let created = created.data("createUser");
    assert_eq!(created["username"], "alice");
    assert_eq!(created["email"], "alice@example.org");
    assert_eq!(created["name"], "User alice");
    assert_eq!(created["isSuperuser"], false);
    assert_eq!(created["isSystem"], false);
    assert_eq!(created["isActive"], true);
    assert!(created["createdAt"].is_string());
    let alice = app.login("alice", PASSWORD).await;
    assert_eq!(created["id"], alice.id.as_str());
    Ok(())
}

#[tokio::test]
async fn only_superusers_create_users() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let refused = create(&app, &bob, new_user("carol")).await;
    refused.expect_code("FORBIDDEN");
    assert!(refused.body["data"].is_null());
    app.gql(None, CREATE_USER, json!({ "input": new_user("carol") }))
        .await
        .expect_code("UNAUTHENTICATED");
    // Nobody called carol came to be.
    assert_eq!(
        usernames(&app, &admin, json!({})).await,
        ["admin", "bob"].map(String::from)
    );
    Ok(())
}

#[tokio::test]
async fn usernames_are_3_to_64_lower_case_characters_and_me_is_reserved() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let longest = "a".repeat(64);
    for accepted in ["abc", "a.b_c-1", "0-9", longest.as_str()] {
        let mut input = new_user(accepted);
        input["email"] = json!(format!(
            "{}@example.org",
            &accepted[..10.min(accepted.len())]
        ));
        let response = create(&app, &admin, input).await;
        assert_eq!(response.data("createUser")["username"], accepted);
    }
    let too_long = "a".repeat(65);
    for refused in [
        "ab",
        too_long.as_str(),
        "Alice",
        "ALICE",
        "me",
        "al ice",
        "al!ce",
        "al@ce",
        "élise",
        "",
    ] {
        let mut input = new_user("valid-name");
        input["username"] = json!(refused);
        create(&app, &admin, input)
            .await
            .expect_code("BAD_USER_INPUT");
    }
    Ok(())
}

#[tokio::test]
async fn emails_are_validated_and_stored_lower_case() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let mut input = new_user("alice");
    input["email"] = json!("  Alice.Smith@Example.ORG ");
    let created = create(&app, &admin, input).await;
    assert_eq!(
        created.data("createUser")["email"],
        "alice.smith@example.org"
    );
    app.login("ALICE.SMITH@example.org", PASSWORD).await;
    for refused in [
        "",
        "no-at-sign",
        "@example.org",
        "bob@",
        "bob@localhost",
        "bob@@example.org",
        "bob@exa mple.org",
        "bob smith@example.org",
        "bob@-example.org",
        "bob@example..org",
    ] {
        let mut input = new_user("bob");
        input["email"] = json!(refused);
        create(&app, &admin, input)
            .await
            .expect_code("BAD_USER_INPUT");
    }
    Ok(())
}

#[tokio::test]
async fn a_taken_username_or_email_conflicts_whatever_its_case() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    create(&app, &admin, new_user("alice")).await.ok();
    let mut same_name = new_user("alice");
    same_name["email"] = json!("other@example.org");
    create(&app, &admin, same_name)
        .await
        .expect_code("CONFLICT");
    let mut same_email = new_user("alice2");
    same_email["email"] = json!("ALICE@Example.org");
    create(&app, &admin, same_email)
        .await
        .expect_code("CONFLICT");
    let mut admins_email = new_user("alice3");
    admins_email["email"] = json!("admin@example.org");
    create(&app, &admin, admins_email)
        .await
        .expect_code("CONFLICT");
    Ok(())
}

#[tokio::test]
async fn passwords_are_10_to_128_characters() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alphabet: String = ('a'..='z').cycle().take(200).collect();
    for (length, accepted) in [(9, false), (10, true), (128, true), (129, false)] {
        let username = format!("user{length}");
        let mut input = new_user(&username);
        input["password"] = json!(&alphabet[..length]);
        let response = create(&app, &admin, input).await;
        if accepted {
            response.ok();
            app.login(&username, &alphabet[..length]).await;
        } else {
            response.expect_code("BAD_USER_INPUT");
        }
    }
    // Long enough but made of too few different characters.
    let mut input = new_user("weak");
    input["password"] = json!("aaaaaaaaaaaa");
    create(&app, &admin, input)
        .await
        .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn an_email_is_visible_to_its_owner_and_superusers_only() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    let email_of = |response: Gql| response.data("user")["email"].clone();
    let as_self = app
        .gql(Some(&alice.token), USER, json!({ "id": alice.id }))
        .await;
    assert_eq!(email_of(as_self), "alice@example.org");
    let as_admin = app
        .gql(Some(&admin.token), USER, json!({ "id": alice.id }))
        .await;
    assert_eq!(email_of(as_admin), "alice@example.org");
    let as_other = app
        .gql(Some(&bob.token), USER, json!({ "id": alice.id }))
        .await;
    assert_eq!(as_other.data("user")["username"], "alice");
    assert!(email_of(as_other).is_null());

    let listed = app.gql(Some(&bob.token), USERS, json!({})).await;
    for edge in listed.data("users")["edges"].as_array().ok_or("edges")? {
        let node = &edge["node"];
        if node["username"] == "bob" {
            assert_eq!(node["email"], "bob@example.org");
        } else {
            assert!(node["email"].is_null(), "{node}");
        }
    }
    let listed = app.gql(Some(&admin.token), USERS, json!({})).await;
    for edge in listed.data("users")["edges"].as_array().ok_or("edges")? {
        assert!(edge["node"]["email"].is_string());
    }
    Ok(())
}

#[tokio::test]
async fn system_users_are_hidden_unless_a_superuser_asks() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let mut robot = new_user("robot");
    robot["isSystem"] = json!(true);
    let created = create(&app, &admin, robot).await;
    assert_eq!(created.data("createUser")["isSystem"], true);
    let robot_id = created.data("createUser")["id"].clone();

    assert_eq!(
        usernames(&app, &admin, json!({})).await,
        ["admin", "bob"].map(String::from)
    );
    assert_eq!(
        usernames(&app, &admin, json!({ "system": true })).await,
        ["admin", "bob", "robot"].map(String::from)
    );
    let total = app
        .gql(Some(&admin.token), USERS, json!({ "system": true }))
        .await;
    assert_eq!(total.data("users")["totalCount"], 3);
    // A plain user asking gets the same list as without asking.
    assert_eq!(
        usernames(&app, &bob, json!({ "system": true })).await,
        ["admin", "bob"].map(String::from)
    );
    let total = app
        .gql(Some(&bob.token), USERS, json!({ "system": true }))
        .await;
    assert_eq!(total.data("users")["totalCount"], 2);
    assert_eq!(
        usernames(&app, &bob, json!({ "search": "robot", "system": true })).await,
        Vec::<String>::new()
    );
    // Hidden from lists, not secret: the account itself can be read by id.
    let direct = app
        .gql(Some(&bob.token), USER, json!({ "id": robot_id }))
        .await;
    assert_eq!(direct.data("user")["username"], "robot");
    Ok(())
}

#[tokio::test]
async fn users_are_searched_by_username_and_name() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for (username, name) in [
        ("a_b", "Underscore"),
        ("axb", "Plain"),
        ("carol", "Carol Percent%Sign"),
        ("dave", "Dave Anderson"),
    ] {
        let mut input = new_user(username);
        input["name"] = json!(name);
        create(&app, &admin, input).await.ok();
    }
    let bob = app.user(&admin, "bob").await;
    let search = |text: &str| json!({ "search": text });
    assert_eq!(
        usernames(&app, &bob, search("AND")).await,
        ["dave"].map(String::from)
    );
    assert_eq!(
        usernames(&app, &bob, search("car")).await,
        ["carol"].map(String::from)
    );
    // LIKE wildcards in the search text match themselves only.
    assert_eq!(
        usernames(&app, &bob, search("a_b")).await,
        ["a_b"].map(String::from)
    );
    assert_eq!(
        usernames(&app, &bob, search("%")).await,
        ["carol"].map(String::from)
    );
    // A blank search is no search.
    assert_eq!(usernames(&app, &bob, search("  ")).await.len(), 6);
    // Emails are searched for superusers only, who may see them.
    assert_eq!(
        usernames(&app, &bob, search("example.org")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        usernames(&app, &admin, search("example.org")).await.len(),
        6
    );
    let counted = app.gql(Some(&bob.token), USERS, search("a")).await;
    let count = counted.data("users")["totalCount"]
        .as_u64()
        .ok_or("count")?;
    assert_eq!(
        count as usize,
        usernames(&app, &bob, search("a")).await.len()
    );
    Ok(())
}

#[tokio::test]
async fn users_are_paginated_with_cursors() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for username in ["user1", "user2", "user3", "user4"] {
        create(&app, &admin, new_user(username)).await.ok();
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let response = app
            .gql(
                Some(&admin.token),
                USERS,
                json!({ "first": 2, "after": after }),
            )
            .await;
        let users = response.data("users");
        assert_eq!(users["totalCount"], 5);
        assert_eq!(users["pageInfo"]["hasPreviousPage"], after.is_some());
        let edges = users["edges"].as_array().ok_or("edges")?;
        assert!(edges.len() <= 2);
        seen.extend(
            edges
                .iter()
                .map(|edge| edge["node"]["username"].as_str().unwrap_or("").to_owned()),
        );
        assert_eq!(
            users["pageInfo"]["endCursor"],
            edges.last().ok_or("edge")?["cursor"]
        );
        pages += 1;
        if users["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = users["pageInfo"]["endCursor"].as_str().map(String::from);
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ["admin", "user1", "user2", "user3", "user4"].map(String::from)
    );

    for first in [101, -1] {
        app.gql(Some(&admin.token), USERS, json!({ "first": first }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    let hundred = app
        .gql(Some(&admin.token), USERS, json!({ "first": 100 }))
        .await;
    assert_eq!(hundred.data("users")["pageInfo"]["hasNextPage"], false);
    app.gql(
        Some(&admin.token),
        USERS,
        json!({ "after": "%%% not a cursor" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn listing_users_needs_a_signed_in_viewer() -> TestResult {
    let app = TestApp::spawn().await;
    app.superuser().await;
    app.gql(None, USERS, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, USER, json!({ "id": Uuid::now_v7().to_string() }))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn an_unknown_user_id_is_not_found() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for id in [Uuid::now_v7().to_string(), "not-a-uuid".to_owned()] {
        let response = app.gql(Some(&admin.token), USER, json!({ "id": id })).await;
        response.expect_code("NOT_FOUND");
        assert!(response.body["data"]["user"].is_null());
    }
    Ok(())
}

#[tokio::test]
async fn a_user_may_change_their_own_name_and_email() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let updated = update(
        &app,
        &bob,
        &bob.id,
        json!({ "name": "  Robert  ", "email": "Robert@Example.org", "currentPassword": PASSWORD }),
    )
    .await;
    let updated = updated.data("updateUser");
    assert_eq!(updated["name"], "Robert");
    // The new address is in force once the link sent to it is used.
    assert_eq!(updated["email"], "bob@example.org");
    let token = link_token(&app, "robert@example.org", "/verify-email/").await;
    app.gql(
        None,
        "mutation($t: String!) { verifyEmail(token: $t) { id } }",
        json!({ "t": token }),
    )
    .await
    .ok();
    let read = app
        .gql(Some(&admin.token), USER, json!({ "id": bob.id }))
        .await;
    assert_eq!(read.data("user")["email"], "robert@example.org");
    app.login("robert@example.org", PASSWORD).await;
    // The rules of creation hold for changes too.
    update(
        &app,
        &bob,
        &bob.id,
        json!({ "email": "not an email", "currentPassword": PASSWORD }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    update(
        &app,
        &admin,
        &bob.id,
        json!({ "email": "ADMIN@example.org" }),
    )
    .await
    .expect_code("CONFLICT");
    update(&app, &bob, &bob.id, json!({ "name": "x".repeat(256) }))
        .await
        .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn a_user_may_not_change_their_own_privileges_nor_their_password_without_the_current_one()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    for input in [
        json!({ "isSuperuser": true }),
        json!({ "isActive": false }),
        json!({ "name": "Bobby", "isSuperuser": true }),
    ] {
        let response = update(&app, &bob, &bob.id, input.clone()).await;
        response.expect_code("FORBIDDEN");
        assert!(response.body["data"].is_null(), "{input}");
    }
    let response = update(
        &app,
        &bob,
        &bob.id,
        json!({ "password": "a brand new password" }),
    )
    .await;
    response.expect_code("BAD_USER_INPUT");
    let read = app
        .gql(Some(&admin.token), USER, json!({ "id": bob.id }))
        .await;
    let read = read.data("user");
    assert_eq!(read["isSuperuser"], false);
    assert_eq!(read["isActive"], true);
    assert_eq!(read["name"], "User bob");
    app.login("bob", PASSWORD).await;
    Ok(())
}

#[tokio::test]
async fn a_user_may_not_change_another_users_account() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    for input in [
        json!({ "name": "Mallory" }),
        json!({ "email": "mallory@example.org" }),
        json!({ "isActive": false }),
        json!({ "password": "a brand new password" }),
        json!({}),
    ] {
        update(&app, &bob, &alice.id, input)
            .await
            .expect_code("FORBIDDEN");
    }
    // An id that names nobody is no different for a plain user.
    update(
        &app,
        &bob,
        &Uuid::now_v7().to_string(),
        json!({ "name": "x" }),
    )
    .await
    .expect_code("FORBIDDEN");
    update(
        &app,
        &admin,
        &Uuid::now_v7().to_string(),
        json!({ "name": "x" }),
    )
    .await
    .expect_code("NOT_FOUND");
    app.gql(
        None,
        UPDATE_USER,
        json!({ "id": alice.id, "input": { "name": "x" } }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    let read = app
        .gql(Some(&admin.token), USER, json!({ "id": alice.id }))
        .await;
    assert_eq!(read.data("user")["name"], "User alice");
    assert_eq!(read.data("user")["email"], "alice@example.org");
    Ok(())
}

#[tokio::test]
async fn a_superuser_setting_a_password_ends_that_users_sessions() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let new_password = "a password set by admin";
    update(&app, &admin, &bob.id, json!({ "password": "weak" }))
        .await
        .expect_code("BAD_USER_INPUT");
    update(&app, &admin, &bob.id, json!({ "password": new_password }))
        .await
        .ok();
    app.gql(Some(&bob.token), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(
        None,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": bob.refresh_token }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    let fresh = app.login("bob", new_password).await;
    assert_eq!(fresh.id, bob.id);
    // The admin's own session is untouched.
    app.gql(Some(&admin.token), ME, json!({})).await.ok();
    Ok(())
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_until_reactivated() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let deactivated = update(&app, &admin, &bob.id, json!({ "isActive": false })).await;
    assert_eq!(deactivated.data("updateUser")["isActive"], false);
    app.gql(Some(&bob.token), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(
        None,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({ "t": bob.refresh_token }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    app.gql(
        None,
        "mutation { login(username: \"bob\", password: \"correct horse battery\") { accessToken } }",
        json!({}),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    // Still listed, as inactive.
    let read = app
        .gql(Some(&admin.token), USER, json!({ "id": bob.id }))
        .await;
    assert_eq!(read.data("user")["isActive"], false);

    update(&app, &admin, &bob.id, json!({ "isActive": true }))
        .await
        .ok();
    let back = app.login("bob", PASSWORD).await;
    app.gql(Some(&back.token), ME, json!({})).await.ok();
    Ok(())
}

#[tokio::test]
async fn a_superuser_may_promote_and_demote_users() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    let promoted = update(&app, &admin, &bob.id, json!({ "isSuperuser": true })).await;
    assert_eq!(promoted.data("updateUser")["isSuperuser"], true);
    // Bob's existing token now carries superuser rights.
    create(&app, &bob, new_user("carol")).await.ok();
    update(&app, &bob, &admin.id, json!({ "isSuperuser": false }))
        .await
        .ok();
    create(&app, &admin, new_user("dave"))
        .await
        .expect_code("FORBIDDEN");
    Ok(())
}

#[tokio::test]
async fn the_last_active_superuser_cannot_demote_deactivate_or_delete_itself() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    for input in [
        json!({ "isSuperuser": false }),
        json!({ "isActive": false }),
        json!({ "name": "Still Admin", "isSuperuser": false }),
    ] {
        update(&app, &admin, &admin.id, input)
            .await
            .expect_code("CONFLICT");
    }
    app.gql(Some(&admin.token), DELETE_USER, json!({ "id": admin.id }))
        .await
        .expect_code("CONFLICT");
    let me = app
        .gql(Some(&admin.token), USER, json!({ "id": admin.id }))
        .await;
    assert_eq!(me.data("user")["isSuperuser"], true);
    assert_eq!(me.data("user")["name"], "");

    // An inactive superuser does not count as another one.
    let mut dormant = new_user("dormant");
    dormant["isSuperuser"] = json!(true);
    let dormant = create(&app, &admin, dormant).await;
    let dormant_id = dormant.data("createUser")["id"]
        .as_str()
        .ok_or("id")?
        .to_owned();
    update(&app, &admin, &dormant_id, json!({ "isActive": false }))
        .await
        .ok();
    update(&app, &admin, &admin.id, json!({ "isSuperuser": false }))
        .await
        .expect_code("CONFLICT");

    // With another active superuser, it may step down.
    update(&app, &admin, &dormant_id, json!({ "isActive": true }))
        .await
        .ok();
    let demoted = update(&app, &admin, &admin.id, json!({ "isSuperuser": false })).await;
    assert_eq!(demoted.data("updateUser")["isSuperuser"], false);
    Ok(())
}

#[tokio::test]
async fn only_superusers_delete_users() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    for target in [&alice.id, &bob.id] {
        app.gql(Some(&bob.token), DELETE_USER, json!({ "id": target }))
            .await
            .expect_code("FORBIDDEN");
    }
    app.gql(None, DELETE_USER, json!({ "id": alice.id }))
        .await
        .expect_code("UNAUTHENTICATED");
    let deleted = app
        .gql(Some(&admin.token), DELETE_USER, json!({ "id": alice.id }))
        .await;
    let deleted = deleted.data("deleteUser");
    assert_eq!(deleted["id"], alice.id.as_str());
    assert_eq!(deleted["username"], "alice");
    assert_eq!(deleted["email"], "alice@example.org");
    app.gql(Some(&admin.token), USER, json!({ "id": alice.id }))
        .await
        .expect_code("NOT_FOUND");
    app.gql(Some(&admin.token), DELETE_USER, json!({ "id": alice.id }))
        .await
        .expect_code("NOT_FOUND");
    // The deleted account's sessions are gone with it.
    app.gql(Some(&alice.token), ME, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, "mutation { login(username: \"alice\", password: \"correct horse battery\") { accessToken } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    // The username is free again.
    create(&app, &admin, new_user("alice")).await.ok();
    Ok(())
}

#[tokio::test]
async fn a_restricted_user_list_is_for_superusers() -> TestResult {
    let app = TestApp::spawn_with(&["--restrict-user-list", "true"]).await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    app.gql(Some(&bob.token), USERS, json!({}))
        .await
        .expect_code("FORBIDDEN");
    assert_eq!(
        usernames(&app, &admin, json!({})).await,
        ["admin", "bob"].map(String::from)
    );
    // A single account by id stays readable.
    let read = app
        .gql(Some(&bob.token), USER, json!({ "id": admin.id }))
        .await;
    assert_eq!(read.data("user")["username"], "admin");
    Ok(())
}

#[tokio::test]
async fn an_unrestricted_user_list_is_for_everyone_signed_in() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let bob = app.user(&admin, "bob").await;
    assert_eq!(
        usernames(&app, &bob, json!({})).await,
        ["admin", "bob"].map(String::from)
    );
    Ok(())
}

#[tokio::test]
async fn two_superusers_demoting_each_other_at_once_leave_one() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let mut root = new_user("root");
    root["isSuperuser"] = json!(true);
    create(&app, &admin, root).await.ok();
    let root = app.login("root", PASSWORD).await;
    let demote = json!({ "isSuperuser": false });
    let promote = json!({ "isSuperuser": true });
    for _ in 0..20 {
        let (one, two) = tokio::join!(
            update(&app, &admin, &root.id, demote.clone()),
            update(&app, &root, &admin.id, demote.clone()),
        );
        let superusers = user::Entity::find()
            .filter(user::Column::IsSuperuser.eq(true))
            .filter(user::Column::IsActive.eq(true))
            .count(&app.state.db)
            .await?;
        assert_eq!(superusers, 1, "{:?} / {:?}", one.body, two.body);
        // Exactly one of the two went through. The other was refused as the last
        // superuser's own demotion, or, had its request started after the first
        // one ended, because its sender was no longer a superuser.
        let mut codes = [one.code(), two.code()];
        codes.sort();
        assert!(
            matches!(codes, [None, Some("CONFLICT" | "FORBIDDEN")]),
            "{codes:?}"
        );
        let (remaining, demoted) = if one.code().is_none() {
            (&admin, &root)
        } else {
            (&root, &admin)
        };
        update(&app, remaining, &demoted.id, promote.clone())
            .await
            .ok();
    }
    Ok(())
}

#[tokio::test]
async fn two_accounts_created_at_once_with_one_username_make_one() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let mut shouting = new_user("alice");
    shouting["email"] = json!("ALICE@example.org");
    let (one, two) = tokio::join!(
        create(&app, &admin, new_user("alice")),
        create(&app, &admin, shouting),
    );
    let mut codes = [one.code(), two.code()];
    codes.sort();
    assert_eq!(codes, [None, Some("CONFLICT")]);
    assert_eq!(
        usernames(&app, &admin, json!({ "search": "alice" })).await,
        ["alice"].map(String::from)
    );
    Ok(())
}
