//! Role assignments over HTTP: who may grant, change and take away which role,
//! expiring memberships, where access comes from, ownership transfer (also under
//! concurrency), leaving, what membership reveals, and the audit trail it leaves.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::{
    common::{Gql, TestApp, TestResult, TestUser},
    projects::{archive, assign, create, create_with, update},
};

const ASSIGN: &str = "mutation($p: ID!, $u: ID!, $r: Role!, $e: DateTime) { assignRole(projectId: $p, userId: $u, role: $r, expiresAt: $e) { id role inherited expiresAt user { username } project { id } } }";
const UPDATE_ROLE: &str = "mutation($id: ID!, $r: Role!) { updateRoleAssignment(id: $id, role: $r) { id role expiresAt } }";
const UPDATE_ROLE_EXPIRY: &str = "mutation($id: ID!, $r: Role!, $e: DateTime) { updateRoleAssignment(id: $id, role: $r, expiresAt: $e) { id role expiresAt } }";
const REMOVE: &str = "mutation($id: ID!) { removeRoleAssignment(id: $id) }";
const TRANSFER: &str = "mutation($p: ID!, $u: ID!, $old: Role) { transferOwnership(projectId: $p, newOwnerId: $u, oldOwnerRole: $old) { id myAccess { role } } }";
const LEAVE: &str = "mutation($p: ID!) { leaveProject(projectId: $p) }";
const MEMBERS: &str = "query($p: ID!) { project(id: $p) { members(first: 100) { totalCount edges { node { id role inherited expiresAt user { username } project { title } } } } } }";
const SOURCES: &str = "query($p: ID!) { project(id: $p) { myAccess { role inherited isOwner sources { kind role expiresAt project { id title } } } } }";
const CHECK: &str =
    "query($p: ID!, $perm: Permission!) { checkPermission(projectId: $p, permission: $perm) }";

async fn try_assign(
    app: &TestApp,
    by: &TestUser,
    project: &str,
    user: &TestUser,
    role: &str,
) -> Gql {
    app.gql(
        Some(&by.token),
        ASSIGN,
        json!({ "p": project, "u": user.id, "r": role }),
    )
    .await
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// (username, role, inherited) of every member, in the order listed.
async fn members(app: &TestApp, viewer: &TestUser, project: &str) -> Vec<(String, String, bool)> {
    let response = app
        .gql(Some(&viewer.token), MEMBERS, json!({ "p": project }))
        .await;
    response.data("project")["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            (
                node["user"]["username"]
                    .as_str()
                    .expect("username")
                    .to_owned(),
                node["role"].as_str().expect("role").to_owned(),
                node["inherited"].as_bool().expect("inherited"),
            )
        })
        .collect()
}

/// The direct owners among a project's members (as a superuser sees them).
async fn owners(app: &TestApp, admin: &TestUser, project: &str) -> Vec<String> {
    members(app, admin, project)
        .await
        .into_iter()
        .filter(|(_, role, inherited)| role == "OWNER" && !inherited)
        .map(|(username, _, _)| username)
        .collect()
}

async fn can(app: &TestApp, user: &TestUser, project: &str, permission: &str) -> bool {
    app.gql(
        Some(&user.token),
        CHECK,
        json!({ "p": project, "perm": permission }),
    )
    .await
    .data("checkPermission")
    .as_bool()
    .expect("a boolean")
}

async fn transfer(
    app: &TestApp,
    by: &TestUser,
    project: &str,
    to: &TestUser,
    old_owner_role: Value,
) -> Gql {
    app.gql(
        Some(&by.token),
        TRANSFER,
        json!({ "p": project, "u": to.id, "old": old_owner_role }),
    )
    .await
}

/// The email of `of` as `viewer` reads it.
async fn email(app: &TestApp, viewer: &TestUser, of: &TestUser) -> Value {
    app.gql(
        Some(&viewer.token),
        "query($id: ID!) { user(id: $id) { email } }",
        json!({ "id": of.id }),
    )
    .await
    .data("user")["email"]
        .clone()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .expect("a DateTime")
        .parse()
        .expect("RFC 3339")
}

#[tokio::test]
async fn a_user_holds_one_direct_assignment_per_project() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &member, "GUEST").await;
    try_assign(&app, &owner, &project, &member, "CONTRIBUTOR")
        .await
        .expect_code("CONFLICT");
    try_assign(&app, &admin, &project, &owner, "DELEGATE")
        .await
        .expect_code("CONFLICT");
    assert_eq!(members(&app, &owner, &project).await.len(), 2);
    Ok(())
}

/// A member's account is read along with the members page; every field of it must be
/// the account's own, not its assignment's (both have an id and timestamps).
#[tokio::test]
async fn a_listed_members_account_is_the_account_itself() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let member = app.user(&admin, "member").await;
    app.clock.advance(Duration::from_secs(5));
    let category = create(&app, &admin, "Area", "CATEGORY", None).await;
    let project = create(&app, &admin, "Study", "PROJECT", Some(&category)).await;
    assign(&app, &admin, &category, &member, "VIEWER").await;
    let fields = "id username email name isSuperuser isSystem isActive createdAt";
    let listed = app
        .gql(
            Some(&admin.token),
            &format!("query($p: ID!) {{ project(id: $p) {{ members(first: 10) {{ edges {{ node {{ inherited createdAt user {{ {fields} }} }} }} }} }} }}"),
            json!({ "p": project }),
        )
        .await;
    let edges = listed.data("project")["members"]["edges"].clone();
    let node = edges
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| &edge["node"])
        .find(|node| node["user"]["id"] == member.id.as_str())
        .expect("the member is listed")
        .clone();
    assert_eq!(node["inherited"], true);
    let own = app
        .gql(
            Some(&admin.token),
            &format!("query($id: ID!) {{ user(id: $id) {{ {fields} }} }}"),
            json!({ "id": member.id }),
        )
        .await;
    assert_eq!(node["user"], *own.data("user"));
    assert_ne!(node["user"]["createdAt"], node["createdAt"]);
    Ok(())
}

#[tokio::test]
async fn owner_is_never_assigned_and_finder_only_on_a_category() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let category = create(&app, &owner, "Lab", "CATEGORY", None).await;
    for by in [&owner, &admin] {
        try_assign(&app, by, &project, &member, "OWNER")
            .await
            .expect_code("BAD_USER_INPUT");
        try_assign(&app, by, &project, &member, "FINDER")
            .await
            .expect_code("BAD_USER_INPUT");
    }
    let guest = assign(&app, &owner, &project, &member, "GUEST").await;
    for role in ["OWNER", "FINDER"] {
        app.gql(
            Some(&owner.token),
            UPDATE_ROLE,
            json!({ "id": id_of(&guest), "r": role }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    let finder = assign(&app, &owner, &category, &member, "FINDER").await;
    assert_eq!(finder["role"], "FINDER");
    Ok(())
}

#[tokio::test]
async fn a_delegate_manages_roles_below_delegate_and_the_owner_also_delegates() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let second = app.user(&admin, "second").await;
    let contributor = app.user(&admin, "contributor").await;
    let newcomer = app.user(&admin, "newcomer").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;

    // The owner may grant DELEGATE; a delegate may not.
    let delegate_assignment = assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    try_assign(&app, &delegate, &project, &second, "DELEGATE")
        .await
        .expect_code("FORBIDDEN");
    let second_assignment = assign(&app, &owner, &project, &second, "DELEGATE").await;
    // A delegate grants CONTRIBUTOR, GUEST and VIEWER.
    let contributed = assign(&app, &delegate, &project, &contributor, "CONTRIBUTOR").await;
    for role in ["GUEST", "VIEWER", "CONTRIBUTOR"] {
        let changed = app
            .gql(
                Some(&delegate.token),
                UPDATE_ROLE,
                json!({ "id": id_of(&contributed), "r": role }),
            )
            .await;
        assert_eq!(changed.data("updateRoleAssignment")["role"], role);
    }
    // …but cannot raise anyone to DELEGATE, nor touch another delegate.
    app.gql(
        Some(&delegate.token),
        UPDATE_ROLE,
        json!({ "id": id_of(&contributed), "r": "DELEGATE" }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql(
        Some(&delegate.token),
        UPDATE_ROLE,
        json!({ "id": id_of(&second_assignment), "r": "GUEST" }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql(
        Some(&delegate.token),
        REMOVE,
        json!({ "id": id_of(&second_assignment) }),
    )
    .await
    .expect_code("FORBIDDEN");
    // A contributor manages nobody.
    for role in ["CONTRIBUTOR", "GUEST", "VIEWER"] {
        try_assign(&app, &contributor, &project, &newcomer, role)
            .await
            .expect_code("FORBIDDEN");
    }
    // The delegate grants GUEST and VIEWER from scratch too, and takes them back.
    for role in ["GUEST", "VIEWER"] {
        let granted = assign(&app, &delegate, &project, &newcomer, role).await;
        assert_eq!(granted["role"], role);
        app.gql(
            Some(&delegate.token),
            REMOVE,
            json!({ "id": id_of(&granted) }),
        )
        .await
        .ok();
    }
    app.gql(
        Some(&contributor.token),
        REMOVE,
        json!({ "id": id_of(&delegate_assignment) }),
    )
    .await
    .expect_code("FORBIDDEN");
    // A delegate removes a contributor; the owner removes a delegate.
    let removed = app
        .gql(
            Some(&delegate.token),
            REMOVE,
            json!({ "id": id_of(&contributed) }),
        )
        .await;
    assert_eq!(
        removed.data("removeRoleAssignment"),
        &json!(id_of(&contributed))
    );
    app.gql(
        Some(&owner.token),
        REMOVE,
        json!({ "id": id_of(&second_assignment) }),
    )
    .await
    .ok();
    assert_eq!(
        members(&app, &owner, &project).await,
        [
            ("owner".to_owned(), "OWNER".to_owned(), false),
            ("delegate".to_owned(), "DELEGATE".to_owned(), false),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn the_owners_assignment_is_changed_only_by_a_transfer() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    let response = app
        .gql(
            Some(&owner.token),
            "query($p: ID!) { project(id: $p) { members { edges { node { id role } } } } }",
            json!({ "p": project }),
        )
        .await;
    let owner_assignment = id_of(&response.data("project")["members"]["edges"][0]["node"]);
    for by in [&owner, &delegate, &admin] {
        app.gql(
            Some(&by.token),
            UPDATE_ROLE,
            json!({ "id": owner_assignment, "r": "CONTRIBUTOR" }),
        )
        .await
        .expect_code("CONFLICT");
        app.gql(Some(&by.token), REMOVE, json!({ "id": owner_assignment }))
            .await
            .expect_code("CONFLICT");
    }
    assert_eq!(owners(&app, &admin, &project).await, ["owner"]);
    Ok(())
}

#[tokio::test]
async fn a_direct_role_below_an_inherited_one_conflicts() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let other = create(&app, &owner, "Other", "PROJECT", Some(&lab)).await;
    assign(&app, &owner, &lab, &member, "CONTRIBUTOR").await;
    for role in ["GUEST", "VIEWER"] {
        try_assign(&app, &owner, &study, &member, role)
            .await
            .expect_code("CONFLICT");
    }
    // The same role, or a higher one, is fine.
    let same = assign(&app, &owner, &study, &member, "CONTRIBUTOR").await;
    assert_eq!(same["role"], "CONTRIBUTOR");
    let higher = assign(&app, &owner, &other, &member, "DELEGATE").await;
    // Lowering it below the inherited role is refused as well.
    app.gql(
        Some(&owner.token),
        UPDATE_ROLE,
        json!({ "id": id_of(&higher), "r": "GUEST" }),
    )
    .await
    .expect_code("CONFLICT");
    let lowered = app
        .gql(
            Some(&owner.token),
            UPDATE_ROLE,
            json!({ "id": id_of(&higher), "r": "CONTRIBUTOR" }),
        )
        .await;
    assert_eq!(lowered.data("updateRoleAssignment")["role"], "CONTRIBUTOR");
    Ok(())
}

#[tokio::test]
async fn an_expiring_membership_grants_until_its_expiry_and_nothing_after() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let project = create(&app, &owner, "Trial", "PROJECT", None).await;

    // Past or present expiries are refused.
    let now = app.clock.now();
    for at in [
        now - chrono::Duration::minutes(1),
        now - chrono::Duration::days(365),
    ] {
        app.gql(
            Some(&owner.token),
            ASSIGN,
            json!({ "p": project, "u": member.id, "r": "GUEST", "e": rfc3339(at) }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    let expires_at = now + chrono::Duration::minutes(5);
    for id in [&project, &lab] {
        let assigned = app
            .gql(
                Some(&owner.token),
                ASSIGN,
                json!({ "p": id, "u": member.id, "r": "GUEST", "e": rfc3339(expires_at) }),
            )
            .await;
        let assigned = assigned.data("assignRole");
        assert_eq!(
            parse_time(&assigned["expiresAt"]).timestamp_millis(),
            expires_at.timestamp_millis()
        );
    }
    // Until then it grants, directly and below the category.
    for id in [&project, &study] {
        assert!(can(&app, &member, id, "READ").await);
    }
    let sources = app
        .gql(Some(&member.token), SOURCES, json!({ "p": study }))
        .await;
    let source = &sources.data("project")["myAccess"]["sources"][0];
    assert_eq!(source["kind"], "INHERITED");
    assert_eq!(source["project"]["id"], json!(lab));
    assert_eq!(
        parse_time(&source["expiresAt"]).timestamp_millis(),
        expires_at.timestamp_millis()
    );
    let listed = app
        .gql(
            Some(&member.token),
            "{ projects { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data("projects")["totalCount"], 3);

    // Past the expiry (the clock moves, nobody sleeps) it grants nothing.
    app.clock.advance(Duration::from_secs(6 * 60));
    for id in [&project, &lab, &study] {
        let read = app
            .gql(
                Some(&member.token),
                "query($p: ID!) { project(id: $p) { id } }",
                json!({ "p": id }),
            )
            .await;
        read.expect_code("NOT_FOUND");
        assert_eq!(read.body["data"]["project"], Value::Null);
        assert!(!can(&app, &member, id, "FIND").await);
    }
    let listed = app
        .gql(
            Some(&member.token),
            "{ projects { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data("projects")["totalCount"], 0);
    // The owner still sees the lapsed assignment, but it is no role to hand the
    // project to.
    let lapsed = members(&app, &owner, &project).await;
    assert_eq!(lapsed.len(), 2);
    transfer(&app, &owner, &project, &member, json!("DELEGATE"))
        .await
        .expect_code("CONFLICT");
    Ok(())
}

#[tokio::test]
async fn an_update_without_expires_at_keeps_it_and_null_removes_it() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let expires_at = app.clock.now() + chrono::Duration::minutes(5);
    let assigned = app
        .gql(
            Some(&owner.token),
            ASSIGN,
            json!({ "p": project, "u": member.id, "r": "GUEST", "e": rfc3339(expires_at) }),
        )
        .await;
    let id = id_of(assigned.data("assignRole"));

    let kept = app
        .gql(
            Some(&owner.token),
            UPDATE_ROLE,
            json!({ "id": id, "r": "VIEWER" }),
        )
        .await;
    let kept = kept.data("updateRoleAssignment");
    assert_eq!(kept["role"], "VIEWER");
    assert_eq!(
        parse_time(&kept["expiresAt"]).timestamp_millis(),
        expires_at.timestamp_millis()
    );
    // A past expiry is refused here too.
    app.gql(
        Some(&owner.token),
        UPDATE_ROLE_EXPIRY,
        json!({ "id": id, "r": "GUEST", "e": rfc3339(app.clock.now() - chrono::Duration::seconds(1)) }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let later = app.clock.now() + chrono::Duration::minutes(10);
    let moved = app
        .gql(
            Some(&owner.token),
            UPDATE_ROLE_EXPIRY,
            json!({ "id": id, "r": "GUEST", "e": rfc3339(later) }),
        )
        .await;
    assert_eq!(
        parse_time(&moved.data("updateRoleAssignment")["expiresAt"]).timestamp_millis(),
        later.timestamp_millis()
    );
    let cleared = app
        .gql(
            Some(&owner.token),
            UPDATE_ROLE_EXPIRY,
            json!({ "id": id, "r": "GUEST", "e": null }),
        )
        .await;
    assert_eq!(
        cleared.data("updateRoleAssignment")["expiresAt"],
        Value::Null
    );
    // Without an expiry it outlasts any clock.
    app.clock.advance(Duration::from_secs(11 * 60));
    assert!(can(&app, &member, &project, "READ").await);
    Ok(())
}

#[tokio::test]
async fn my_access_sources_list_every_grant_highest_first() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create_with(
        &app,
        &owner,
        json!({ "title": "Study", "type": "PROJECT", "parentId": lab, "publicAccess": "VIEWER" }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assign(&app, &owner, &lab, &member, "GUEST").await;
    let expires_at = app.clock.now() + chrono::Duration::days(7);
    app.gql(
        Some(&owner.token),
        ASSIGN,
        json!({ "p": study, "u": member.id, "r": "CONTRIBUTOR", "e": rfc3339(expires_at) }),
    )
    .await
    .ok();
    assign(&app, &owner, &study, &admin, "DELEGATE").await;

    let response = app
        .gql(Some(&member.token), SOURCES, json!({ "p": study }))
        .await;
    let access = &response.data("project")["myAccess"];
    assert_eq!(access["role"], "CONTRIBUTOR");
    assert_eq!(access["inherited"], false);
    assert_eq!(access["isOwner"], false);
    let sources = access["sources"].as_array().expect("sources");
    let summary: Vec<(&str, &str, &str)> = sources
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().expect("kind"),
                s["role"].as_str().expect("role"),
                s["project"]["title"].as_str().expect("title"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("DIRECT", "CONTRIBUTOR", "Study"),
            ("INHERITED", "GUEST", "Lab"),
            ("PUBLIC", "VIEWER", "Study"),
        ]
    );
    assert_eq!(
        parse_time(&sources[0]["expiresAt"]).timestamp_millis(),
        expires_at.timestamp_millis()
    );
    assert_eq!(sources[1]["expiresAt"], Value::Null);
    assert_eq!(sources[2]["expiresAt"], Value::Null);

    // A superuser who is also a member: the superuser grant first, then the role.
    let response = app
        .gql(Some(&admin.token), SOURCES, json!({ "p": study }))
        .await;
    let access = &response.data("project")["myAccess"];
    assert_eq!(access["role"], "OWNER");
    let kinds: Vec<(&str, &str)> = access["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().expect("kind"),
                s["role"].as_str().expect("role"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("SUPERUSER", "OWNER"),
            ("DIRECT", "DELEGATE"),
            ("PUBLIC", "VIEWER")
        ]
    );

    // The owner: one direct grant; inherited from the category too.
    let response = app
        .gql(Some(&owner.token), SOURCES, json!({ "p": study }))
        .await;
    let access = &response.data("project")["myAccess"];
    assert_eq!(access["isOwner"], true);
    assert_eq!(access["sources"][0]["kind"], "DIRECT");
    assert_eq!(access["sources"][1]["kind"], "INHERITED");
    assert_eq!(access["sources"][1]["role"], "OWNER");
    Ok(())
}

#[tokio::test]
async fn transferring_ownership_needs_transfer_ownership_and_a_direct_member() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let heir = app.user(&admin, "heir").await;
    let outsider = app.user(&admin, "outsider").await;
    // The category is someone else's: the owner inherits only CONTRIBUTOR from it.
    let lab = create(&app, &admin, "Lab", "CATEGORY", None).await;
    assign(&app, &admin, &lab, &owner, "CONTRIBUTOR").await;
    let project = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    let expires_at = app.clock.now() + chrono::Duration::days(1);
    app.gql(
        Some(&owner.token),
        ASSIGN,
        json!({ "p": project, "u": heir.id, "r": "GUEST", "e": rfc3339(expires_at) }),
    )
    .await
    .ok();
    assign(&app, &admin, &lab, &outsider, "VIEWER").await;

    transfer(&app, &delegate, &project, &heir, json!("DELEGATE"))
        .await
        .expect_code("FORBIDDEN");
    // Only inherited, or no role at all: not a direct member.
    transfer(&app, &owner, &project, &outsider, json!("DELEGATE"))
        .await
        .expect_code("CONFLICT");
    transfer(&app, &owner, &project, &admin, json!("DELEGATE"))
        .await
        .expect_code("CONFLICT");
    transfer(&app, &owner, &project, &owner, json!("DELEGATE"))
        .await
        .expect_code("BAD_USER_INPUT");
    transfer(&app, &owner, &project, &heir, json!("OWNER"))
        .await
        .expect_code("BAD_USER_INPUT");

    // The old owner keeps the role given; the heir's expiry is gone with the promotion.
    let done = transfer(&app, &owner, &project, &heir, json!("DELEGATE")).await;
    assert_eq!(
        done.data("transferOwnership")["myAccess"]["role"],
        "DELEGATE"
    );
    let all = members(&app, &admin, &project).await;
    assert!(all.contains(&("owner".to_owned(), "DELEGATE".to_owned(), false)));
    assert!(all.contains(&("heir".to_owned(), "OWNER".to_owned(), false)));
    assert_eq!(owners(&app, &admin, &project).await, ["heir"]);
    let access = app
        .gql(Some(&heir.token), SOURCES, json!({ "p": project }))
        .await;
    let access = &access.data("project")["myAccess"];
    assert_eq!(access["isOwner"], true);
    assert_eq!(access["sources"][0]["expiresAt"], Value::Null);
    // The former owner now lacks the permission.
    transfer(&app, &owner, &project, &delegate, json!(null))
        .await
        .expect_code("FORBIDDEN");

    // `oldOwnerRole: null`: the old owner's assignment goes.
    // It answers with the project as the old owner now sees it: not at all.
    let gone = transfer(&app, &heir, &project, &delegate, json!(null)).await;
    assert_eq!(gone.data("transferOwnership")["id"], json!(project));
    assert_eq!(gone.data("transferOwnership")["myAccess"], Value::Null);
    assert_eq!(owners(&app, &admin, &project).await, ["delegate"]);
    assert!(
        !members(&app, &admin, &project)
            .await
            .iter()
            .any(|(username, _, _)| username == "heir")
    );
    app.gql(
        Some(&heir.token),
        "query($p: ID!) { project(id: $p) { id } }",
        json!({ "p": project }),
    )
    .await
    .expect_code("NOT_FOUND");
    Ok(())
}

/// Runs a few reads at once, so that the client holds several open HTTP connections
/// and the service several database connections: two requests fired together then
/// really run together instead of one waiting for a connection to be opened.
async fn warm_up(app: &TestApp, viewer: &TestUser, project: &str) {
    let read = |_| {
        app.gql(
            Some(&viewer.token),
            "query($p: ID!) { project(id: $p) { members { totalCount } } }",
            json!({ "p": project }),
        )
    };
    let (a, b, c) = tokio::join!(read(0), read(1), read(2));
    for response in [a, b, c] {
        response.ok();
    }
}

#[tokio::test]
async fn two_concurrent_transfers_leave_exactly_one_owner() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    for round in 0..4 {
        let project = create(&app, &owner, &format!("Round {round}"), "PROJECT", None).await;
        assign(&app, &owner, &project, &alice, "CONTRIBUTOR").await;
        assign(&app, &owner, &project, &bob, "CONTRIBUTOR").await;
        // The owner fires both at once, keeping DELEGATE (even rounds) or leaving.
        let old = if round % 2 == 0 {
            json!("DELEGATE")
        } else {
            json!(null)
        };
        warm_up(&app, &owner, &project).await;
        let (to_alice, to_bob) = tokio::join!(
            app.gql(
                Some(&owner.token),
                TRANSFER,
                json!({ "p": project, "u": alice.id, "old": old })
            ),
            app.gql(
                Some(&owner.token),
                TRANSFER,
                json!({ "p": project, "u": bob.id, "old": old })
            ),
        );
        let outcomes = [&to_alice, &to_bob];
        let succeeded = outcomes.iter().filter(|r| r.code().is_none()).count();
        assert_eq!(succeeded, 1, "round {round}: {to_alice:?} {to_bob:?}");
        for response in outcomes {
            if let Some(code) = response.code() {
                // Once the first has run, the old owner may no longer transfer (or,
                // having left, no longer find the project).
                assert!(
                    code == "FORBIDDEN" || code == "NOT_FOUND",
                    "round {round}: {response:?}"
                );
            }
        }
        let owner_now = owners(&app, &admin, &project).await;
        assert_eq!(owner_now.len(), 1, "round {round}: {owner_now:?}");

        // A superuser firing both: they may both succeed, one after the other.
        warm_up(&app, &admin, &project).await;
        let (to_alice, to_bob) = tokio::join!(
            app.gql(
                Some(&admin.token),
                TRANSFER,
                json!({ "p": project, "u": alice.id, "old": "CONTRIBUTOR" })
            ),
            app.gql(
                Some(&admin.token),
                TRANSFER,
                json!({ "p": project, "u": bob.id, "old": "CONTRIBUTOR" })
            ),
        );
        for response in [&to_alice, &to_bob] {
            if let Some(code) = response.code() {
                // The one already owning it is refused as its own heir.
                assert_eq!(code, "BAD_USER_INPUT", "round {round}: {response:?}");
            }
        }
        let owner_now = owners(&app, &admin, &project).await;
        assert_eq!(owner_now.len(), 1, "round {round}: {owner_now:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_member_leaves_but_the_owner_and_inheritors_cannot() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let heir = app.user(&admin, "heir").await;
    let passerby = app.user(&admin, "passerby").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create_with(
        &app,
        &owner,
        json!({ "title": "Study", "type": "PROJECT", "parentId": lab, "publicAccess": "GUEST" }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assign(&app, &owner, &study, &member, "CONTRIBUTOR").await;
    assign(&app, &owner, &lab, &heir, "VIEWER").await;

    let left = app
        .gql(Some(&member.token), LEAVE, json!({ "p": study }))
        .await;
    assert_eq!(left.data("leaveProject"), &json!(study));
    // What remains is public access only.
    let access = app
        .gql(Some(&member.token), SOURCES, json!({ "p": study }))
        .await;
    assert_eq!(
        access.data("project")["myAccess"]["sources"][0]["kind"],
        "PUBLIC"
    );
    app.gql(Some(&member.token), LEAVE, json!({ "p": study }))
        .await
        .expect_code("CONFLICT");
    app.gql(Some(&owner.token), LEAVE, json!({ "p": study }))
        .await
        .expect_code("CONFLICT");
    app.gql(Some(&heir.token), LEAVE, json!({ "p": study }))
        .await
        .expect_code("CONFLICT");
    app.gql(Some(&passerby.token), LEAVE, json!({ "p": study }))
        .await
        .expect_code("CONFLICT");
    // The inheritor leaves where the role is held.
    let left = app.gql(Some(&heir.token), LEAVE, json!({ "p": lab })).await;
    assert_eq!(left.data("leaveProject"), &json!(lab));
    assert_eq!(
        members(&app, &owner, &study).await,
        [
            ("owner".to_owned(), "OWNER".to_owned(), false),
            ("owner".to_owned(), "OWNER".to_owned(), true),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn sharing_a_project_shows_an_email_and_owning_one_blocks_deletion() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let stranger = app.user(&admin, "stranger").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assert_eq!(email(&app, &member, &owner).await, Value::Null);
    let assignment = assign(&app, &owner, &project, &member, "VIEWER").await;
    // The owner joined by their own act; the member was put there by someone else,
    // which reveals nothing of theirs.
    assert_eq!(email(&app, &member, &owner).await, "owner@example.org");
    assert_eq!(email(&app, &owner, &member).await, Value::Null);
    assert_eq!(email(&app, &stranger, &owner).await, Value::Null);
    assert_eq!(email(&app, &stranger, &member).await, Value::Null);
    app.gql(
        Some(&owner.token),
        REMOVE,
        json!({ "id": id_of(&assignment) }),
    )
    .await
    .ok();
    assert_eq!(email(&app, &member, &owner).await, Value::Null);

    let delete_user = "mutation($id: ID!) { deleteUser(id: $id) { id } }";
    app.gql(Some(&admin.token), delete_user, json!({ "id": owner.id }))
        .await
        .expect_code("CONFLICT");
    transfer_to(&app, &owner, &project, &member).await;
    app.gql(Some(&admin.token), delete_user, json!({ "id": owner.id }))
        .await
        .ok();
    Ok(())
}

/// Makes `to` a member and then the owner of `project`; the old owner leaves.
async fn transfer_to(app: &TestApp, owner: &TestUser, project: &str, to: &TestUser) {
    assign(app, owner, project, to, "GUEST").await;
    app.gql(
        Some(&owner.token),
        TRANSFER,
        json!({ "p": project, "u": to.id, "old": null }),
    )
    .await
    .ok();
}

#[tokio::test]
async fn a_restricted_user_list_is_open_to_contributors_but_not_guests() -> TestResult {
    let app = TestApp::spawn_with(&["--restrict-user-list", "true"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let contributor = app.user(&admin, "contributor").await;
    let guest = app.user(&admin, "guest").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;
    assign(&app, &owner, &project, &guest, "GUEST").await;
    let users = "{ users { totalCount } }";
    for allowed in [&admin, &contributor] {
        let listed = app.gql(Some(&allowed.token), users, json!({})).await;
        assert_eq!(listed.data("users")["totalCount"], 4);
    }
    // Owning a project one created oneself lifts nothing: anyone can do that.
    for refused in [&owner, &guest] {
        app.gql(Some(&refused.token), users, json!({}))
            .await
            .expect_code("FORBIDDEN");
    }
    // An expired contribution no longer counts.
    let lapsing = app.user(&admin, "lapsing").await;
    app.gql(
        Some(&owner.token),
        ASSIGN,
        json!({ "p": project, "u": lapsing.id, "r": "CONTRIBUTOR", "e": rfc3339(app.clock.now() + chrono::Duration::minutes(1)) }),
    )
    .await
    .ok();
    app.gql(Some(&lapsing.token), users, json!({})).await.ok();
    app.clock.advance(Duration::from_secs(120));
    app.gql(Some(&lapsing.token), users, json!({}))
        .await
        .expect_code("FORBIDDEN");
    Ok(())
}

#[tokio::test]
async fn every_project_and_role_mutation_writes_its_event_listed_newest_first() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let member = app.user(&admin, "member").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    update(&app, &owner, &project, json!({ "title": "Renamed" }))
        .await
        .ok();
    archive(&app, &owner, &project).await;
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { unarchiveProject(id: $id) { id } }",
        json!({ "id": project }),
    )
    .await
    .ok();
    assign(&app, &owner, &project, &delegate, "CONTRIBUTOR").await;
    let guest = assign(&app, &owner, &project, &member, "GUEST").await;
    app.gql(
        Some(&owner.token),
        UPDATE_ROLE,
        json!({ "id": id_of(&guest), "r": "VIEWER" }),
    )
    .await
    .ok();
    app.gql(Some(&owner.token), REMOVE, json!({ "id": id_of(&guest) }))
        .await
        .ok();
    assign(&app, &owner, &project, &member, "GUEST").await;
    app.gql(
        Some(&owner.token),
        TRANSFER,
        json!({ "p": project, "u": delegate.id, "old": "DELEGATE" }),
    )
    .await
    .ok();
    app.gql(Some(&member.token), LEAVE, json!({ "p": project }))
        .await
        .ok();

    let expected = [
        ("role.leave", "member"),
        ("project.transfer_ownership", "owner"),
        ("role.assign", "owner"),
        ("role.remove", "owner"),
        ("role.update", "owner"),
        ("role.assign", "owner"),
        ("role.assign", "owner"),
        ("project.unarchive", "owner"),
        ("project.archive", "owner"),
        ("project.update", "owner"),
        ("project.create", "owner"),
    ];
    let events = "query($p: ID!, $first: Int, $after: String) { project(id: $p) { events(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { action projectId actor { username } createdAt } } } } }";
    // Read by the new owner and by the old owner, now a delegate, four at a time.
    for reader in [&delegate, &owner] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let response = app
                .gql(
                    Some(&reader.token),
                    events,
                    json!({ "p": project, "first": 4, "after": after }),
                )
                .await;
            let page = &response.data("project")["events"];
            assert_eq!(page["totalCount"], expected.len());
            for edge in page["edges"].as_array().expect("edges") {
                let node = &edge["node"];
                assert_eq!(node["projectId"], json!(project));
                seen.push((
                    node["action"].as_str().expect("action").to_owned(),
                    node["actor"]["username"]
                        .as_str()
                        .expect("actor")
                        .to_owned(),
                    parse_time(&node["createdAt"]),
                ));
            }
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        }
        let actions: Vec<(&str, &str)> = seen
            .iter()
            .map(|(action, actor, _)| (action.as_str(), actor.as_str()))
            .collect();
        assert_eq!(actions, expected);
        assert!(seen.windows(2).all(|pair| pair[0].2 >= pair[1].2));
    }
    // The member who left finds nothing more, events included.
    app.gql(
        Some(&member.token),
        "query($p: ID!) { project(id: $p) { events { totalCount } } }",
        json!({ "p": project }),
    )
    .await
    .expect_code("NOT_FOUND");

    // Deleting leaves its event in the full trail.
    app.gql(
        Some(&delegate.token),
        "mutation($id: ID!) { deleteProject(id: $id) }",
        json!({ "id": project }),
    )
    .await
    .ok();
    let trail = app
        .gql(
            Some(&admin.token),
            "query($p: ID!) { auditEvents(projectId: $p, first: 1) { totalCount edges { node { action targetId actor { username } } } } }",
            json!({ "p": project }),
        )
        .await;
    let trail = trail.data("auditEvents");
    assert_eq!(trail["totalCount"], expected.len() + 1);
    assert_eq!(trail["edges"][0]["node"]["action"], "project.delete");
    assert_eq!(trail["edges"][0]["node"]["targetId"], json!(project));
    assert_eq!(trail["edges"][0]["node"]["actor"]["username"], "delegate");
    Ok(())
}

#[tokio::test]
async fn members_page_through_direct_then_inherited_assignments() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let mut people = Vec::new();
    for name in ["ann", "ben", "cat", "dan"] {
        people.push(app.user(&admin, name).await);
    }
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    assign(&app, &owner, &study, &people[0], "GUEST").await;
    assign(&app, &owner, &study, &people[1], "VIEWER").await;
    assign(&app, &owner, &lab, &people[2], "VIEWER").await;
    assign(&app, &owner, &lab, &people[3], "FINDER").await;
    let query = "query($p: ID!, $after: String) { project(id: $p) { members(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { role inherited user { username } project { title } } } } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let response = app
            .gql(
                Some(&people[0].token),
                query,
                json!({ "p": study, "after": after }),
            )
            .await;
        let page = &response.data("project")["members"];
        assert_eq!(page["totalCount"], 6);
        for edge in page["edges"].as_array().expect("edges") {
            let node = &edge["node"];
            seen.push(format!(
                "{} {} {} {}",
                node["user"]["username"].as_str().expect("username"),
                node["role"].as_str().expect("role"),
                node["project"]["title"].as_str().expect("title"),
                node["inherited"]
            ));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        [
            "owner OWNER Study false",
            "ann GUEST Study false",
            "ben VIEWER Study false",
            "owner OWNER Lab true",
            "cat VIEWER Lab true",
            "dan FINDER Lab true",
        ]
    );
    Ok(())
}

/// Top (category) > Lab (category) > Study and Trial (projects), each with members of
/// its own: Study's chain holds seven assignments, Trial's six. Returns the owner of
/// them all, Lab and Study.
async fn member_chains(app: &TestApp) -> (TestUser, String, String) {
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let mut people = Vec::new();
    for name in ["ann", "ben", "cat", "dan", "eve"] {
        people.push(app.user(&admin, name).await);
    }
    let top = create(app, &owner, "Top", "CATEGORY", None).await;
    let lab = create(app, &owner, "Lab", "CATEGORY", Some(&top)).await;
    let study = create(app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let trial = create(app, &owner, "Trial", "PROJECT", Some(&lab)).await;
    assign(app, &owner, &study, &people[0], "GUEST").await;
    assign(app, &owner, &study, &people[1], "VIEWER").await;
    assign(app, &owner, &lab, &people[2], "VIEWER").await;
    assign(app, &owner, &top, &people[3], "FINDER").await;
    assign(app, &owner, &trial, &people[4], "CONTRIBUTOR").await;
    (owner, lab, study)
}

/// "username role title" of each edge of a members connection.
fn member_rows(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            format!(
                "{} {} {}",
                node["user"]["username"].as_str().expect("username"),
                node["role"].as_str().expect("role"),
                node["project"]["title"].as_str().expect("title"),
            )
        })
        .collect()
}

const STUDY_MEMBERS: [&str; 7] = [
    "owner OWNER Study",
    "ann GUEST Study",
    "ben VIEWER Study",
    "owner OWNER Lab",
    "cat VIEWER Lab",
    "owner OWNER Top",
    "dan FINDER Top",
];

#[tokio::test]
async fn members_page_alike_with_or_without_their_total_and_count_past_the_last_page() -> TestResult
{
    let app = TestApp::spawn().await;
    let (owner, _, study) = member_chains(&app).await;
    let uncounted = "query($p: ID!, $after: String) { project(id: $p) { members(first: 2, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { role user { username } project { title } } } } } }";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let response = app
            .gql(
                Some(&owner.token),
                uncounted,
                json!({ "p": study, "after": after }),
            )
            .await;
        let page = &response.data("project")["members"];
        seen.extend(member_rows(page));
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
    }
    assert_eq!(
        seen, STUDY_MEMBERS,
        "each assignment once, by depth then id"
    );

    let whole = app
        .gql(
            Some(&owner.token),
            "query($p: ID!) { project(id: $p) { members(first: 100) { totalCount edges { node { role user { username } project { title } } } } } }",
            json!({ "p": study }),
        )
        .await;
    let whole = &whole.data("project")["members"];
    assert_eq!(member_rows(whole), STUDY_MEMBERS);
    assert_eq!(whole["totalCount"], 7);

    // Past the last member the page is empty, yet it still knows the total.
    let past = app
        .gql(
            Some(&owner.token),
            "query($p: ID!, $after: String) { project(id: $p) { members(first: 2, after: $after) { totalCount edges { cursor } } } }",
            json!({ "p": study, "after": after }),
        )
        .await;
    let past = &past.data("project")["members"];
    assert_eq!(past["edges"], json!([]));
    assert_eq!(past["totalCount"], 7);
    Ok(())
}

#[tokio::test]
async fn aliases_with_and_without_total_count_each_get_their_own_page() -> TestResult {
    let app = TestApp::spawn().await;
    let (owner, lab, _) = member_chains(&app).await;
    // Both aliases ask for the same page of the same projects; only `a` counts. A page
    // fetched without its total and served to `a` would fail the request.
    let query = "query($lab: ID!) { project(id: $lab) { children(first: 10) { edges { node { title
        a: members(first: 2) { totalCount pageInfo { hasNextPage } edges { cursor node { role user { username } project { title } } } }
        b: members(first: 2) { pageInfo { hasNextPage } edges { cursor node { role user { username } project { title } } } }
        c: members(first: 2) { ...counted }
    } } } } }
    fragment counted on RoleAssignmentConnection { totalCount }";
    let response = app
        .gql(Some(&owner.token), query, json!({ "lab": lab }))
        .await;
    let children = response.data("project")["children"]["edges"]
        .as_array()
        .expect("children")
        .clone();
    let mut totals = Vec::new();
    for child in &children {
        let node = &child["node"];
        assert_eq!(node["a"]["edges"], node["b"]["edges"]);
        assert_eq!(node["a"]["pageInfo"], node["b"]["pageInfo"]);
        assert_eq!(node["a"]["totalCount"], node["c"]["totalCount"]);
        assert!(node["b"].get("totalCount").is_none());
        totals.push((node["title"].clone(), node["a"]["totalCount"].clone()));
    }
    assert_eq!(
        totals,
        [(json!("Study"), json!(7)), (json!("Trial"), json!(6))]
    );
    let study_page = &children[0]["node"]["a"];
    assert_eq!(member_rows(study_page), STUDY_MEMBERS[..2]);
    let trial_page = &children[1]["node"]["a"];
    assert_eq!(
        member_rows(trial_page),
        ["owner OWNER Trial", "eve CONTRIBUTOR Trial"]
    );
    Ok(())
}

#[tokio::test]
async fn lists_under_a_project_still_count_past_their_last_item() -> TestResult {
    let app = TestApp::spawn().await;
    let (owner, lab, study) = member_chains(&app).await;
    let pages = [
        (
            lab.as_str(),
            "children",
            "query($p: ID!, $first: Int, $after: String) { project(id: $p) { children(first: $first, after: $after) { totalCount pageInfo { endCursor } edges { cursor } } } }",
        ),
        (
            study.as_str(),
            "events",
            "query($p: ID!, $first: Int, $after: String) { project(id: $p) { events(first: $first, after: $after) { totalCount pageInfo { endCursor } edges { cursor } } } }",
        ),
    ];
    for (project, list, query) in pages {
        let whole = app
            .gql(
                Some(&owner.token),
                query,
                json!({ "p": project, "first": 100 }),
            )
            .await;
        let whole = &whole.data("project")[list];
        let total = whole["edges"].as_array().expect("edges").len();
        assert!(total > 1, "{list}: {total} items");
        assert_eq!(whole["totalCount"], total, "{list}");
        let past = app
            .gql(
                Some(&owner.token),
                query,
                json!({ "p": project, "first": 1, "after": whole["pageInfo"]["endCursor"] }),
            )
            .await;
        let past = &past.data("project")[list];
        assert_eq!(past["edges"], json!([]), "{list}");
        assert_eq!(past["totalCount"], total, "{list} past its last item");
    }
    Ok(())
}
