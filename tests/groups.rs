//! Groups over HTTP: creating them, managing members, the roles they hold and how
//! those reach their members (and stop reaching them), who may see a group, and
//! the audit trail they leave.

use std::time::Duration;

use chrono::SecondsFormat;
use serde_json::{Value, json};

use crate::{
    common::{Gql, TestApp, TestResult, TestUser},
    projects::{archive, assign, create, create_with},
    resources::restrict_to_network,
};

const CREATE_GROUP: &str = "mutation($n: String!, $d: String) { createGroup(name: $n, description: $d) { id name description myMembership createdAt } }";
const UPDATE_GROUP: &str = "mutation($id: ID!, $n: String, $d: String) { updateGroup(id: $id, name: $n, description: $d) { id name description } }";
const DELETE_GROUP: &str = "mutation($id: ID!) { deleteGroup(id: $id) }";
const ADD_MEMBER: &str = "mutation($g: ID!, $u: ID!, $r: GroupMemberRole) { addGroupMember(groupId: $g, userId: $u, role: $r) { role addedAt user { username } } }";
const UPDATE_MEMBER: &str = "mutation($g: ID!, $u: ID!, $r: GroupMemberRole!) { updateGroupMember(groupId: $g, userId: $u, role: $r) { role user { username } } }";
const REMOVE_MEMBER: &str =
    "mutation($g: ID!, $u: ID!) { removeGroupMember(groupId: $g, userId: $u) }";
const ASSIGN_GROUP: &str = "mutation($p: ID!, $g: ID!, $r: Role!, $e: DateTime) { assignGroupRole(projectId: $p, groupId: $g, role: $r, expiresAt: $e) { id role inherited expiresAt project { id title } group { id name } } }";
const UPDATE_GRANT: &str =
    "mutation($id: ID!, $r: Role!) { updateGroupRoleAssignment(id: $id, role: $r) { id role } }";
const REMOVE_GRANT: &str = "mutation($id: ID!) { removeGroupRoleAssignment(id: $id) }";
const GROUP: &str = "query($id: ID!) { group(id: $id) { id name myMembership members(first: 100) { totalCount edges { node { role user { username } } } } roleAssignments(first: 100) { totalCount edges { node { role project { title } group { name } } } } } }";
const GROUPS: &str =
    "query($s: String) { groups(search: $s, first: 100) { totalCount edges { node { name } } } }";
const GROUP_ASSIGNMENTS: &str = "query($p: ID!) { project(id: $p) { groupAssignments(first: 100) { totalCount edges { node { role inherited group { name } project { title } } } } } }";
const SOURCES: &str = "query($p: ID!) { project(id: $p) { myAccess { role inherited sources { kind role project { title } group { name } } } } }";
const CHECK: &str =
    "query($p: ID!, $perm: Permission!) { checkPermission(projectId: $p, permission: $perm) }";
const PROJECT_TITLES: &str = "{ projects(first: 100) { edges { node { title } } } }";
const EVENTS: &str =
    "query($p: ID!) { project(id: $p) { events(first: 100) { edges { node { action } } } } }";
const LEAVE: &str = "mutation($p: ID!) { leaveProject(projectId: $p) }";

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// Creates a group as `by` and returns its id.
async fn group(app: &TestApp, by: &TestUser, name: &str) -> String {
    let response = app
        .gql(Some(&by.token), CREATE_GROUP, json!({ "n": name }))
        .await;
    id_of(response.data("createGroup"))
}

async fn add_member(app: &TestApp, by: &TestUser, group: &str, user: &TestUser, role: &str) -> Gql {
    app.gql(
        Some(&by.token),
        ADD_MEMBER,
        json!({ "g": group, "u": user.id, "r": role }),
    )
    .await
}

async fn try_grant(app: &TestApp, by: &TestUser, project: &str, group: &str, role: &str) -> Gql {
    app.gql(
        Some(&by.token),
        ASSIGN_GROUP,
        json!({ "p": project, "g": group, "r": role }),
    )
    .await
}

/// Gives `group` `role` on `project` as `by`; returns the assignment's id.
async fn grant(app: &TestApp, by: &TestUser, project: &str, group: &str, role: &str) -> String {
    id_of(
        try_grant(app, by, project, group, role)
            .await
            .data("assignGroupRole"),
    )
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

async fn project_titles(app: &TestApp, user: &TestUser) -> Vec<String> {
    app.gql(Some(&user.token), PROJECT_TITLES, json!({}))
        .await
        .data("projects")["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["title"].as_str().expect("a title").to_owned())
        .collect()
}

/// (group name, role, inherited, held on) of a project's group grants.
async fn group_assignments(
    app: &TestApp,
    viewer: &TestUser,
    project: &str,
) -> Vec<(String, String, bool, String)> {
    let response = app
        .gql(
            Some(&viewer.token),
            GROUP_ASSIGNMENTS,
            json!({ "p": project }),
        )
        .await;
    response.data("project")["groupAssignments"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            (
                node["group"]["name"].as_str().expect("a name").to_owned(),
                node["role"].as_str().expect("a role").to_owned(),
                node["inherited"].as_bool().expect("inherited"),
                node["project"]["title"]
                    .as_str()
                    .expect("a title")
                    .to_owned(),
            )
        })
        .collect()
}

async fn events(app: &TestApp, viewer: &TestUser, project: &str) -> Vec<String> {
    app.gql(Some(&viewer.token), EVENTS, json!({ "p": project }))
        .await
        .data("project")["events"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            edge["node"]["action"]
                .as_str()
                .expect("an action")
                .to_owned()
        })
        .collect()
}

/// (username, role) of a group's members as `viewer` sees them.
async fn members(app: &TestApp, viewer: &TestUser, group: &str) -> Vec<(String, String)> {
    app.gql(Some(&viewer.token), GROUP, json!({ "id": group }))
        .await
        .data("group")["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| {
            let node = &edge["node"];
            (
                node["user"]["username"]
                    .as_str()
                    .expect("a username")
                    .to_owned(),
                node["role"].as_str().expect("a role").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn anyone_signed_in_creates_a_group_and_becomes_its_manager() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let created = app
        .gql(
            Some(&alice.token),
            CREATE_GROUP,
            json!({ "n": "  Lab  ", "d": "line one\nline two" }),
        )
        .await;
    let created = created.data("createGroup");
    assert_eq!(created["name"], "Lab");
    assert_eq!(created["description"], "line one\nline two");
    assert_eq!(created["myMembership"], "MANAGER");
    // Names are not unique: groups are known by id.
    let twin = group(&app, &alice, "Lab").await;
    assert_ne!(twin, id_of(created));
    assert_eq!(
        members(&app, &alice, &twin).await,
        [("alice".to_owned(), "MANAGER".to_owned())]
    );
    for name in ["", "   ", &"x".repeat(101), "bad\u{7}name", "two\nlines"] {
        app.gql(Some(&alice.token), CREATE_GROUP, json!({ "n": name }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    let hundred = app
        .gql(
            Some(&alice.token),
            CREATE_GROUP,
            json!({ "n": "é".repeat(100) }),
        )
        .await;
    hundred.ok();
    app.gql(None, CREATE_GROUP, json!({ "n": "Anonymous" }))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn managers_change_the_group_and_its_members_and_members_may_only_leave() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let manager = app.user(&admin, "manager").await;
    let member = app.user(&admin, "member").await;
    let other = app.user(&admin, "other").await;
    let stranger = app.user(&admin, "stranger").await;
    let lab = group(&app, &manager, "Lab").await;
    let added = add_member(&app, &manager, &lab, &member, "MEMBER").await;
    assert_eq!(added.data("addGroupMember")["role"], "MEMBER");
    // The role defaults to MEMBER.
    let default = app
        .gql(
            Some(&manager.token),
            "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { role } }",
            json!({ "g": lab, "u": other.id }),
        )
        .await;
    assert_eq!(default.data("addGroupMember")["role"], "MEMBER");
    add_member(&app, &manager, &lab, &member, "MANAGER")
        .await
        .expect_code("CONFLICT");
    // Members see the group but do not change it; strangers do not see it.
    add_member(&app, &member, &lab, &stranger, "MEMBER")
        .await
        .expect_code("FORBIDDEN");
    add_member(&app, &stranger, &lab, &stranger, "MEMBER")
        .await
        .expect_code("NOT_FOUND");
    app.gql(
        Some(&member.token),
        UPDATE_GROUP,
        json!({ "id": lab, "n": "Mine" }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql(
        Some(&member.token),
        REMOVE_MEMBER,
        json!({ "g": lab, "u": other.id }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql(Some(&member.token), DELETE_GROUP, json!({ "id": lab }))
        .await
        .expect_code("FORBIDDEN");
    let renamed = app
        .gql(
            Some(&manager.token),
            UPDATE_GROUP,
            json!({ "id": lab, "n": "Lab 2", "d": "about" }),
        )
        .await;
    assert_eq!(renamed.data("updateGroup")["name"], "Lab 2");
    let cleared = app
        .gql(
            Some(&manager.token),
            UPDATE_GROUP,
            json!({ "id": lab, "d": null }),
        )
        .await;
    assert_eq!(cleared.data("updateGroup")["description"], Value::Null);
    // Promote, demote, remove; a member leaves on their own.
    let promoted = app
        .gql(
            Some(&manager.token),
            UPDATE_MEMBER,
            json!({ "g": lab, "u": other.id, "r": "MANAGER" }),
        )
        .await;
    assert_eq!(promoted.data("updateGroupMember")["role"], "MANAGER");
    app.gql(
        Some(&other.token),
        UPDATE_MEMBER,
        json!({ "g": lab, "u": other.id, "r": "MEMBER" }),
    )
    .await
    .ok();
    let left = app
        .gql(
            Some(&member.token),
            REMOVE_MEMBER,
            json!({ "g": lab, "u": member.id }),
        )
        .await;
    assert_eq!(left.data("removeGroupMember"), &json!(member.id));
    app.gql(
        Some(&manager.token),
        REMOVE_MEMBER,
        json!({ "g": lab, "u": other.id }),
    )
    .await
    .ok();
    app.gql(
        Some(&manager.token),
        REMOVE_MEMBER,
        json!({ "g": lab, "u": other.id }),
    )
    .await
    .expect_code("NOT_FOUND");
    assert_eq!(
        members(&app, &manager, &lab).await,
        [("manager".to_owned(), "MANAGER".to_owned())]
    );
    // A former member no longer sees the group.
    app.gql(Some(&member.token), GROUP, json!({ "id": lab }))
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn the_last_manager_can_neither_leave_nor_be_demoted() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let manager = app.user(&admin, "manager").await;
    let member = app.user(&admin, "member").await;
    let lab = group(&app, &manager, "Lab").await;
    add_member(&app, &manager, &lab, &member, "MEMBER")
        .await
        .ok();
    app.gql(
        Some(&manager.token),
        REMOVE_MEMBER,
        json!({ "g": lab, "u": manager.id }),
    )
    .await
    .expect_code("CONFLICT");
    for by in [&manager, &admin] {
        app.gql(
            Some(&by.token),
            UPDATE_MEMBER,
            json!({ "g": lab, "u": manager.id, "r": "MEMBER" }),
        )
        .await
        .expect_code("CONFLICT");
    }
    app.gql(
        Some(&manager.token),
        UPDATE_MEMBER,
        json!({ "g": lab, "u": member.id, "r": "MANAGER" }),
    )
    .await
    .ok();
    app.gql(
        Some(&manager.token),
        REMOVE_MEMBER,
        json!({ "g": lab, "u": manager.id }),
    )
    .await
    .ok();
    assert_eq!(
        members(&app, &member, &lab).await,
        [("member".to_owned(), "MANAGER".to_owned())]
    );
    Ok(())
}

#[tokio::test]
async fn a_group_grant_reaches_every_member_in_the_project_and_below() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let outsider = app.user(&admin, "outsider").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    assert!(!can(&app, &member, &study, "FIND").await);
    let granted = try_grant(&app, &owner, &lab, &team, "GUEST").await;
    let granted = granted.data("assignGroupRole");
    assert_eq!(granted["role"], "GUEST");
    assert_eq!(granted["inherited"], false);
    assert_eq!(granted["project"]["title"], "Lab");
    assert_eq!(granted["group"]["name"], "Team");
    for permission in ["FIND", "VIEW", "READ"] {
        assert!(can(&app, &member, &study, permission).await, "{permission}");
    }
    assert!(!can(&app, &member, &study, "WRITE").await);
    assert!(!can(&app, &outsider, &study, "FIND").await);
    assert_eq!(project_titles(&app, &member).await, ["Lab", "Study"]);
    assert!(project_titles(&app, &outsider).await.is_empty());
    let sources = app
        .gql(Some(&member.token), SOURCES, json!({ "p": study }))
        .await;
    let access = &sources.data("project")["myAccess"];
    assert_eq!(access["role"], "GUEST");
    assert_eq!(access["inherited"], true);
    assert_eq!(
        access["sources"],
        json!([{ "kind": "GROUP", "role": "GUEST", "project": { "title": "Lab" }, "group": { "name": "Team" } }])
    );
    Ok(())
}

#[tokio::test]
async fn a_group_holds_contributor_guest_viewer_or_finder_on_a_category() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let category = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let team = group(&app, &owner, "Team").await;
    for by in [&owner, &admin] {
        for role in ["OWNER", "DELEGATE", "FINDER"] {
            try_grant(&app, by, &project, &team, role)
                .await
                .expect_code("BAD_USER_INPUT");
        }
    }
    let id = grant(&app, &owner, &project, &team, "CONTRIBUTOR").await;
    for role in ["OWNER", "DELEGATE", "FINDER"] {
        app.gql(
            Some(&owner.token),
            UPDATE_GRANT,
            json!({ "id": id, "r": role }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    for role in ["GUEST", "VIEWER"] {
        let changed = app
            .gql(
                Some(&owner.token),
                UPDATE_GRANT,
                json!({ "id": id, "r": role }),
            )
            .await;
        assert_eq!(changed.data("updateGroupRoleAssignment")["role"], role);
    }
    assert_eq!(
        try_grant(&app, &owner, &category, &team, "FINDER")
            .await
            .data("assignGroupRole")["role"],
        "FINDER"
    );
    try_grant(&app, &owner, &category, &team, "VIEWER")
        .await
        .expect_code("CONFLICT");
    Ok(())
}

#[tokio::test]
async fn granting_needs_manage_members_a_grantable_role_and_membership_of_the_group() -> TestResult
{
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let contributor = app.user(&admin, "contributor").await;
    let delegate = app.user(&admin, "delegate").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    assign(&app, &owner, &study, &contributor, "CONTRIBUTOR").await;
    assign(&app, &owner, &study, &delegate, "DELEGATE").await;
    let theirs = group(&app, &contributor, "Theirs").await;
    let ours = group(&app, &delegate, "Ours").await;
    // Without MANAGE_MEMBERS, being in the group is not enough.
    try_grant(&app, &contributor, &study, &theirs, "GUEST")
        .await
        .expect_code("FORBIDDEN");
    // The owner is not in `theirs` and cannot see it.
    try_grant(&app, &owner, &study, &theirs, "GUEST")
        .await
        .expect_code("NOT_FOUND");
    // A delegate grants up to CONTRIBUTOR to a group they belong to.
    grant(&app, &delegate, &study, &ours, "CONTRIBUTOR").await;
    try_grant(&app, &delegate, &study, &ours, "GUEST")
        .await
        .expect_code("CONFLICT");
    // Now the owner sees `ours` (it holds a grant where the owner holds a role),
    // but is not a member, so may not hand it more.
    try_grant(&app, &owner, &lab, &ours, "GUEST")
        .await
        .expect_code("FORBIDDEN");
    // A superuser may grant to any group; below the group's inherited role: CONFLICT.
    grant(&app, &admin, &lab, &theirs, "GUEST").await;
    let below = create(&app, &owner, "Below", "PROJECT", Some(&lab)).await;
    try_grant(&app, &admin, &below, &theirs, "VIEWER")
        .await
        .expect_code("CONFLICT");
    grant(&app, &admin, &below, &theirs, "CONTRIBUTOR").await;
    // Unknown groups and projects are NOT_FOUND.
    try_grant(
        &app,
        &owner,
        &study,
        &uuid::Uuid::nil().to_string(),
        "GUEST",
    )
    .await
    .expect_code("NOT_FOUND");
    try_grant(&app, &delegate, &lab, &ours, "GUEST")
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn the_highest_grant_wins_and_a_group_never_blocks_a_direct_role() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    grant(&app, &owner, &lab, &team, "CONTRIBUTOR").await;
    // A direct role below the group's inherited one is allowed: groups never block.
    assign(&app, &owner, &study, &member, "VIEWER").await;
    let access = app
        .gql(Some(&member.token), SOURCES, json!({ "p": study }))
        .await;
    let access = &access.data("project")["myAccess"];
    assert_eq!(access["role"], "CONTRIBUTOR");
    assert_eq!(access["inherited"], true);
    let kinds: Vec<_> = access["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|source| (source["kind"].clone(), source["role"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("GROUP"), json!("CONTRIBUTOR")),
            (json!("DIRECT"), json!("VIEWER"))
        ]
    );
    assert!(can(&app, &member, &study, "WRITE").await);
    // A direct DELEGATE wins and is the viewer's own.
    let other = create(&app, &owner, "Other", "PROJECT", Some(&lab)).await;
    assign(&app, &owner, &other, &member, "DELEGATE").await;
    let access = app
        .gql(Some(&member.token), SOURCES, json!({ "p": other }))
        .await;
    assert_eq!(access.data("project")["myAccess"]["role"], "DELEGATE");
    assert_eq!(access.data("project")["myAccess"]["inherited"], false);
    Ok(())
}

#[tokio::test]
async fn an_expired_group_grant_grants_nothing() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let study = create(&app, &owner, "Study", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    let past = app.clock.now() - chrono::Duration::seconds(1);
    app.gql(
        Some(&owner.token),
        ASSIGN_GROUP,
        json!({ "p": study, "g": team, "r": "GUEST", "e": past.to_rfc3339_opts(SecondsFormat::Millis, true) }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let soon = app.clock.now() + chrono::Duration::minutes(5);
    let granted = app
        .gql(
            Some(&owner.token),
            ASSIGN_GROUP,
            json!({ "p": study, "g": team, "r": "GUEST", "e": soon.to_rfc3339_opts(SecondsFormat::Millis, true) }),
        )
        .await;
    assert!(granted.data("assignGroupRole")["expiresAt"].is_string());
    assert!(can(&app, &member, &study, "READ").await);
    app.clock.advance(Duration::from_secs(6 * 60));
    assert!(!can(&app, &member, &study, "FIND").await);
    assert!(project_titles(&app, &member).await.is_empty());
    Ok(())
}

#[tokio::test]
async fn removing_a_member_a_grant_or_the_group_ends_that_access_at_once() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let study = create(&app, &owner, "Study", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    let id = grant(&app, &owner, &study, &team, "GUEST").await;
    assert!(can(&app, &member, &study, "READ").await);
    // The member's token stays the same; the next request decides afresh.
    app.gql(
        Some(&owner.token),
        REMOVE_MEMBER,
        json!({ "g": team, "u": member.id }),
    )
    .await
    .ok();
    assert!(!can(&app, &member, &study, "FIND").await);
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    assert!(can(&app, &member, &study, "READ").await);
    app.gql(Some(&owner.token), REMOVE_GRANT, json!({ "id": id }))
        .await
        .ok();
    assert!(!can(&app, &member, &study, "FIND").await);
    grant(&app, &owner, &study, &team, "GUEST").await;
    assert!(can(&app, &member, &study, "READ").await);
    let deleted = app
        .gql(Some(&owner.token), DELETE_GROUP, json!({ "id": team }))
        .await;
    assert_eq!(deleted.data("deleteGroup"), &json!(team));
    assert!(!can(&app, &member, &study, "FIND").await);
    assert!(group_assignments(&app, &owner, &study).await.is_empty());
    app.gql(Some(&admin.token), GROUP, json!({ "id": team }))
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn changing_a_grant_needs_manage_members_and_removing_it_also_suits_a_group_manager()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let manager = app.user(&admin, "manager").await;
    let member = app.user(&admin, "member").await;
    let stranger = app.user(&admin, "stranger").await;
    let study = create(&app, &owner, "Study", "PROJECT", None).await;
    let team = group(&app, &manager, "Team").await;
    add_member(&app, &manager, &team, &member, "MEMBER")
        .await
        .ok();
    add_member(&app, &manager, &team, &owner, "MEMBER")
        .await
        .ok();
    let id = grant(&app, &owner, &study, &team, "GUEST").await;
    // Group managers and members hold GUEST through the grant: not MANAGE_MEMBERS.
    for by in [&manager, &member] {
        app.gql(
            Some(&by.token),
            UPDATE_GRANT,
            json!({ "id": id, "r": "VIEWER" }),
        )
        .await
        .expect_code("FORBIDDEN");
    }
    app.gql(
        Some(&stranger.token),
        UPDATE_GRANT,
        json!({ "id": id, "r": "VIEWER" }),
    )
    .await
    .expect_code("NOT_FOUND");
    app.gql(Some(&member.token), REMOVE_GRANT, json!({ "id": id }))
        .await
        .expect_code("FORBIDDEN");
    app.gql(Some(&stranger.token), REMOVE_GRANT, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    let changed = app
        .gql(
            Some(&owner.token),
            UPDATE_GRANT,
            json!({ "id": id, "r": "CONTRIBUTOR" }),
        )
        .await;
    assert_eq!(
        changed.data("updateGroupRoleAssignment")["role"],
        "CONTRIBUTOR"
    );
    let removed = app
        .gql(Some(&manager.token), REMOVE_GRANT, json!({ "id": id }))
        .await;
    assert_eq!(removed.data("removeGroupRoleAssignment"), &json!(id));
    app.gql(Some(&owner.token), REMOVE_GRANT, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn a_group_is_visible_to_its_members_to_role_holders_where_it_holds_a_grant_and_superusers()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let public_viewer = app.user(&admin, "public").await;
    let stranger = app.user(&admin, "stranger").await;
    let lab = create_with(
        &app,
        &owner,
        json!({ "title": "Lab", "type": "CATEGORY", "publicAccess": "VIEWER" }),
    )
    .await;
    let lab = id_of(lab.data("createProject"));
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let team = group(&app, &member, "Team").await;
    add_member(&app, &member, &team, &owner, "MEMBER")
        .await
        .ok();
    grant(&app, &owner, &lab, &team, "GUEST").await;
    app.gql(
        Some(&member.token),
        REMOVE_MEMBER,
        json!({ "g": team, "u": owner.id }),
    )
    .await
    .ok();
    let study_owner_only = create(&app, &admin, "Elsewhere", "PROJECT", None).await;
    assign(&app, &admin, &study_owner_only, &stranger, "GUEST").await;
    // The owner holds OWNER under Lab, where the group holds a grant.
    for viewer in [&member, &owner, &admin] {
        let seen = app
            .gql(Some(&viewer.token), GROUP, json!({ "id": team }))
            .await;
        assert_eq!(seen.data("group")["name"], "Team", "{}", viewer.username);
    }
    // Public access is no role of one's own; a stranger has nothing there.
    for viewer in [&public_viewer, &stranger] {
        app.gql(Some(&viewer.token), GROUP, json!({ "id": team }))
            .await
            .expect_code("NOT_FOUND");
    }
    app.gql(None, GROUP, json!({ "id": team }))
        .await
        .expect_code("UNAUTHENTICATED");
    // A public viewer sees the grant on Study (VIEW) and the group's name, no more.
    let listed = group_assignments(&app, &public_viewer, &study).await;
    assert_eq!(
        listed,
        [(
            "Team".to_owned(),
            "GUEST".to_owned(),
            true,
            "Lab".to_owned()
        )]
    );
    let inside = app
        .gql(
            Some(&public_viewer.token),
            "query($p: ID!) { project(id: $p) { groupAssignments { edges { node { group { members { totalCount } } } } } } }",
            json!({ "p": study }),
        )
        .await;
    inside.expect_code("FORBIDDEN");
    Ok(())
}

#[tokio::test]
async fn groups_lists_the_viewers_groups_and_superusers_see_all() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    group(&app, &alice, "Beta team").await;
    let alpha = group(&app, &alice, "Alpha").await;
    group(&app, &bob, "Gamma team").await;
    add_member(&app, &alice, &alpha, &bob, "MEMBER").await.ok();
    let names = |response: &Gql| -> Vec<String> {
        response.data("groups")["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["name"].as_str().expect("a name").to_owned())
            .collect()
    };
    let mine = app.gql(Some(&alice.token), GROUPS, json!({})).await;
    assert_eq!(names(&mine), ["Alpha", "Beta team"]);
    assert_eq!(mine.data("groups")["totalCount"], 2);
    let bobs = app.gql(Some(&bob.token), GROUPS, json!({})).await;
    assert_eq!(names(&bobs), ["Alpha", "Gamma team"]);
    let all = app.gql(Some(&admin.token), GROUPS, json!({})).await;
    assert_eq!(names(&all), ["Alpha", "Beta team", "Gamma team"]);
    let teams = app
        .gql(Some(&admin.token), GROUPS, json!({ "s": "TEAM" }))
        .await;
    assert_eq!(names(&teams), ["Beta team", "Gamma team"]);
    let wild = app
        .gql(Some(&admin.token), GROUPS, json!({ "s": "%" }))
        .await;
    assert!(names(&wild).is_empty());
    // Pages follow one another by name.
    let first = app
        .gql(
            Some(&admin.token),
            "{ groups(first: 2) { pageInfo { endCursor hasNextPage } edges { node { name } } } }",
            json!({}),
        )
        .await;
    let cursor = first.data("groups")["pageInfo"]["endCursor"].clone();
    assert_eq!(first.data("groups")["pageInfo"]["hasNextPage"], true);
    let rest = app
        .gql(
            Some(&admin.token),
            "query($a: String) { groups(first: 2, after: $a) { totalCount edges { node { name } } } }",
            json!({ "a": cursor }),
        )
        .await;
    assert_eq!(names(&rest), ["Gamma team"]);
    assert_eq!(rest.data("groups")["totalCount"], 3);
    Ok(())
}

#[tokio::test]
async fn group_assignments_list_grants_here_and_above_leaving_out_ancestors_one_cannot_find()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let above = group(&app, &owner, "Above").await;
    let here = group(&app, &owner, "Here").await;
    grant(&app, &owner, &lab, &above, "VIEWER").await;
    grant(&app, &owner, &study, &here, "GUEST").await;
    assign(&app, &owner, &study, &guest, "GUEST").await;
    assert_eq!(
        group_assignments(&app, &owner, &study).await,
        [
            (
                "Here".to_owned(),
                "GUEST".to_owned(),
                false,
                "Study".to_owned()
            ),
            (
                "Above".to_owned(),
                "VIEWER".to_owned(),
                true,
                "Lab".to_owned()
            ),
        ]
    );
    // The guest cannot find Lab: its row is left out, and not counted.
    assert_eq!(
        group_assignments(&app, &guest, &study).await,
        [(
            "Here".to_owned(),
            "GUEST".to_owned(),
            false,
            "Study".to_owned()
        )]
    );
    let counted = app
        .gql(Some(&guest.token), GROUP_ASSIGNMENTS, json!({ "p": study }))
        .await;
    assert_eq!(counted.data("project")["groupAssignments"]["totalCount"], 1);
    // Users' own assignments stay in `members`, group grants out of it.
    let members = app
        .gql(
            Some(&owner.token),
            "query($p: ID!) { project(id: $p) { members { totalCount } } }",
            json!({ "p": study }),
        )
        .await;
    // The owner here and inherited from Lab, and the guest.
    assert_eq!(members.data("project")["members"]["totalCount"], 3);
    // Group.roleAssignments shows only projects the viewer may VIEW.
    let finder = app.user(&admin, "finder").await;
    add_member(&app, &owner, &here, &finder, "MEMBER")
        .await
        .ok();
    let secret = create(&app, &owner, "Secret", "CATEGORY", None).await;
    grant(&app, &owner, &secret, &here, "FINDER").await;
    let seen = app
        .gql(Some(&finder.token), GROUP, json!({ "id": here }))
        .await;
    let assignments = &seen.data("group")["roleAssignments"];
    assert_eq!(assignments["totalCount"], 1);
    assert_eq!(assignments["edges"][0]["node"]["project"]["title"], "Study");
    let seen = app
        .gql(Some(&owner.token), GROUP, json!({ "id": here }))
        .await;
    assert_eq!(seen.data("group")["roleAssignments"]["totalCount"], 2);
    Ok(())
}

#[tokio::test]
async fn leaving_a_project_held_only_through_a_group_is_not_found() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let study = create(&app, &owner, "Study", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    grant(&app, &owner, &study, &team, "GUEST").await;
    app.gql(Some(&member.token), LEAVE, json!({ "p": study }))
        .await
        .expect_code("NOT_FOUND");
    // With a direct role too, leaving gives up that one, and the group's remains.
    assign(&app, &owner, &study, &member, "VIEWER").await;
    app.gql(Some(&member.token), LEAVE, json!({ "p": study }))
        .await
        .ok();
    assert!(can(&app, &member, &study, "READ").await);
    Ok(())
}

#[tokio::test]
async fn membership_changes_appear_in_the_events_of_every_project_where_the_group_holds_a_grant()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let first = create(&app, &owner, "First", "PROJECT", None).await;
    let second = create(&app, &owner, "Second", "PROJECT", None).await;
    let untouched = create(&app, &owner, "Untouched", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    grant(&app, &owner, &first, &team, "GUEST").await;
    grant(&app, &owner, &second, &team, "VIEWER").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    app.gql(
        Some(&owner.token),
        UPDATE_MEMBER,
        json!({ "g": team, "u": member.id, "r": "MANAGER" }),
    )
    .await
    .ok();
    app.gql(
        Some(&member.token),
        REMOVE_MEMBER,
        json!({ "g": team, "u": member.id }),
    )
    .await
    .ok();
    for project in [&first, &second] {
        let actions = events(&app, &owner, project).await;
        assert_eq!(
            actions[..4],
            [
                "group.member.remove",
                "group.member.update",
                "group.member.add",
                "group.role.assign"
            ]
        );
    }
    assert!(
        !events(&app, &owner, &untouched)
            .await
            .iter()
            .any(|action| action.starts_with("group."))
    );
    app.gql(Some(&owner.token), DELETE_GROUP, json!({ "id": team }))
        .await
        .ok();
    assert_eq!(events(&app, &owner, &first).await[0], "group.role.remove");
    let trail = app
        .gql(
            Some(&admin.token),
            "{ auditEvents(first: 100) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        trail.data("auditEvents")["edges"][0]["node"]["action"],
        "group.delete"
    );
    Ok(())
}

#[tokio::test]
async fn group_grants_in_an_archived_project_are_read_only_like_any_other() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let study = create(&app, &owner, "Study", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    grant(&app, &owner, &study, &team, "CONTRIBUTOR").await;
    assert!(can(&app, &member, &study, "WRITE").await);
    archive(&app, &owner, &study).await;
    assert!(!can(&app, &member, &study, "WRITE").await);
    assert!(can(&app, &member, &study, "READ").await);
    Ok(())
}

#[tokio::test]
async fn a_groups_grants_behind_an_address_restriction_are_left_out_from_other_addresses()
-> TestResult {
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1/32"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let open = create(&app, &owner, "Open", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    grant(&app, &owner, &lab, &team, "GUEST").await;
    grant(&app, &owner, &open, &team, "GUEST").await;
    let (inside, outside) = ("203.0.113.9", "198.51.100.7");
    restrict_to_network(&app, &owner, &lab, inside, "203.0.113.0/24").await;
    let titles = |response: &Gql| -> Vec<String> {
        response.data("group")["roleAssignments"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| {
                edge["node"]["project"]["title"]
                    .as_str()
                    .expect("a title")
                    .to_owned()
            })
            .collect()
    };
    let from_inside = app
        .gql_via_proxy(Some(&member.token), inside, GROUP, json!({ "id": team }))
        .await;
    assert_eq!(titles(&from_inside), ["Lab", "Open"]);
    let from_outside = app
        .gql_via_proxy(Some(&member.token), outside, GROUP, json!({ "id": team }))
        .await;
    assert_eq!(titles(&from_outside), ["Open"]);
    let check = app
        .gql_via_proxy(
            Some(&member.token),
            outside,
            CHECK,
            json!({ "p": lab, "perm": "FIND" }),
        )
        .await;
    assert_eq!(check.data("checkPermission"), false);
    Ok(())
}

#[tokio::test]
async fn deleting_a_project_or_a_user_takes_their_group_rows_with_them() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let study = create(&app, &owner, "Study", "PROJECT", None).await;
    let team = group(&app, &owner, "Team").await;
    add_member(&app, &owner, &team, &member, "MEMBER")
        .await
        .ok();
    grant(&app, &owner, &study, &team, "GUEST").await;
    app.gql(
        Some(&owner.token),
        "mutation($id: ID!) { deleteProject(id: $id) }",
        json!({ "id": study }),
    )
    .await
    .ok();
    let seen = app
        .gql(Some(&owner.token), GROUP, json!({ "id": team }))
        .await;
    assert_eq!(seen.data("group")["roleAssignments"]["totalCount"], 0);
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { deleteUser(id: $id) { id } }",
        json!({ "id": member.id }),
    )
    .await
    .ok();
    assert_eq!(
        members(&app, &owner, &team).await,
        [("owner".to_owned(), "MANAGER".to_owned())]
    );
    Ok(())
}

#[tokio::test]
async fn a_groups_description_keeps_line_breaks_and_refuses_other_control_characters() -> TestResult
{
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let lab = app
        .gql(
            Some(&admin.token),
            CREATE_GROUP,
            json!({ "n": "Lab", "d": "one\r\ntwo" }),
        )
        .await;
    assert_eq!(lab.data("createGroup")["description"], "one\ntwo");
    let lab = id_of(lab.data("createGroup"));
    for description in ["tab\there", "bell\u{7}"] {
        app.gql(
            Some(&admin.token),
            UPDATE_GROUP,
            json!({ "id": lab, "d": description }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    app.gql(
        Some(&admin.token),
        UPDATE_GROUP,
        json!({ "id": lab, "n": "Lab\t2" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    Ok(())
}

#[tokio::test]
async fn a_role_behind_a_refusing_address_restriction_shows_no_group() -> TestResult {
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1/32"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let holder = app.user(&admin, "holder").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let team = group(&app, &owner, "Team").await;
    grant(&app, &owner, &lab, &team, "GUEST").await;
    assign(&app, &owner, &lab, &holder, "VIEWER").await;
    let (inside, outside) = ("203.0.113.9", "198.51.100.7");
    restrict_to_network(&app, &owner, &lab, inside, "203.0.113.0/24").await;
    let name = "query($id: ID!) { group(id: $id) { name } }";
    let from_inside = app
        .gql_via_proxy(Some(&holder.token), inside, name, json!({ "id": team }))
        .await;
    assert_eq!(from_inside.data("group")["name"], "Team");
    app.gql_via_proxy(Some(&holder.token), outside, name, json!({ "id": team }))
        .await
        .expect_code("NOT_FOUND");
    Ok(())
}
