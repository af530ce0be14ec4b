//! The permission matrix of DESIGN.md, table-driven: every role × every permission,
//! held directly or inherited from a category, in an archived project or not, read
//! back through `checkPermission` and `myAccess.permissions`. Then the grants outside
//! the table: superusers, no role at all, public access, deactivated accounts.

use serde_json::{Value, json};

use crate::{
    common::{TestApp, TestResult, TestUser},
    projects::{archive, assign, create_with},
};

const PERMISSIONS: [&str; 11] = [
    "FIND",
    "VIEW",
    "READ",
    "WRITE",
    "EXECUTE",
    "MANAGE_MEMBERS",
    "MANAGE_SETTINGS",
    "UPDATE_PROJECT",
    "ARCHIVE",
    "DELETE",
    "TRANSFER_OWNERSHIP",
];

const ROLES: [&str; 6] = [
    "OWNER",
    "DELEGATE",
    "CONTRIBUTOR",
    "GUEST",
    "VIEWER",
    "FINDER",
];

/// DESIGN.md, "The permission matrix", copied as it is written there (not derived
/// from the code): for each permission, whether OWNER, DELEGATE, CONTRIBUTOR, GUEST,
/// VIEWER, FINDER hold it in a project that is not archived.
const MATRIX: [(&str, [bool; 6]); 11] = [
    ("FIND", [true, true, true, true, true, true]),
    ("VIEW", [true, true, true, true, true, false]),
    ("READ", [true, true, true, true, false, false]),
    ("WRITE", [true, true, true, false, false, false]),
    ("EXECUTE", [true, true, true, false, false, false]),
    ("MANAGE_MEMBERS", [true, true, false, false, false, false]),
    ("MANAGE_SETTINGS", [true, true, false, false, false, false]),
    ("UPDATE_PROJECT", [true, true, false, false, false, false]),
    ("ARCHIVE", [true, true, false, false, false, false]),
    ("DELETE", [true, false, false, false, false, false]),
    (
        "TRANSFER_OWNERSHIP",
        [true, false, false, false, false, false],
    ),
];

/// Denied in an archived project, whatever the role.
const CHANGES_CONTENT: [&str; 2] = ["WRITE", "EXECUTE"];

/// The permissions `role` holds per the table, in the table's order.
fn expected(role: Option<&str>, archived: bool) -> Vec<&'static str> {
    let Some(role) = role else {
        return Vec::new();
    };
    let column = ROLES
        .iter()
        .position(|r| *r == role)
        .expect("a role of the table");
    MATRIX
        .iter()
        .filter(|(permission, held)| {
            held[column] && !(archived && CHANGES_CONTENT.contains(permission))
        })
        .map(|(permission, _)| *permission)
        .collect()
}

/// Every permission for superusers, less those an archived project denies everyone.
fn everything(archived: bool) -> Vec<&'static str> {
    PERMISSIONS
        .into_iter()
        .filter(|permission| !(archived && CHANGES_CONTENT.contains(permission)))
        .collect()
}

/// One query asking `checkPermission` for every permission (aliased by its name)
/// and, optionally, `myAccess` on the project.
fn access_query(user_argument: bool, with_my_access: bool) -> String {
    let user = if user_argument { ", userId: $u" } else { "" };
    let checks: Vec<String> = PERMISSIONS
        .iter()
        .map(|p| format!("{p}: checkPermission(projectId: $p{user}, permission: {p})"))
        .collect();
    let my_access = if with_my_access {
        "project(id: $p) { myAccess { role inherited permissions sources { kind } } }"
    } else {
        ""
    };
    let variables = if user_argument {
        "$p: ID!, $u: ID"
    } else {
        "$p: ID!"
    };
    format!("query({variables}) {{ {} {my_access} }}", checks.join(" "))
}

/// The permissions `checkPermission` granted, in the table's order.
fn granted(data: &Value) -> Vec<&'static str> {
    PERMISSIONS
        .into_iter()
        .filter(|p| {
            data[*p]
                .as_bool()
                .unwrap_or_else(|| panic!("checkPermission({p}) answered {}", data[*p]))
        })
        .collect()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A project of the fixture and what the subject should hold there.
struct Case {
    label: String,
    project: String,
    role: &'static str,
    inherited: bool,
    archived: bool,
}

/// Creates a project (or category) as the superuser, owned by `owner`; returns its id.
async fn create_owned(
    app: &TestApp,
    admin: &TestUser,
    title: &str,
    kind: &str,
    parent: Option<&str>,
    owner: &TestUser,
) -> String {
    create_with(
        app,
        admin,
        json!({ "title": title, "type": kind, "parentId": parent, "ownerId": owner.id }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("project id")
        .to_owned()
}

/// For each role, held directly and inherited, archived and not: a project where
/// `subject` holds it. FINDER is held directly on a category, the only place it can be.
async fn matrix_fixture(
    app: &TestApp,
    admin: &TestUser,
    subject: &TestUser,
    other: &TestUser,
) -> Vec<Case> {
    let mut cases = Vec::new();
    for role in ROLES {
        for inherited in [false, true] {
            for archived in [false, true] {
                let label = format!(
                    "{role} {} {}",
                    if inherited { "inherited" } else { "direct" },
                    if archived { "archived" } else { "active" }
                );
                let owner = if role == "OWNER" { subject } else { other };
                let holder_kind = if inherited || role == "FINDER" {
                    "CATEGORY"
                } else {
                    "PROJECT"
                };
                let holder = create_owned(app, admin, &label, holder_kind, None, owner).await;
                if role != "OWNER" {
                    assign(app, admin, &holder, subject, role).await;
                }
                let project = if inherited {
                    create_owned(app, admin, "Child", "PROJECT", Some(&holder), other).await
                } else {
                    holder
                };
                if archived {
                    archive(app, admin, &project).await;
                }
                cases.push(Case {
                    label,
                    project,
                    role,
                    inherited,
                    archived,
                });
            }
        }
    }
    cases
}

#[tokio::test]
async fn every_role_holds_exactly_the_permissions_of_the_matrix() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let subject = app.user(&admin, "subject").await;
    let other = app.user(&admin, "other").await;
    let cases = matrix_fixture(&app, &admin, &subject, &other).await;
    assert_eq!(cases.len(), 24);
    let query = access_query(false, true);
    for case in &cases {
        let response = app
            .gql(Some(&subject.token), &query, json!({ "p": case.project }))
            .await;
        let data = response.ok();
        let want = expected(Some(case.role), case.archived);
        assert_eq!(granted(data), want, "checkPermission, {}", case.label);
        let my_access = &data["project"]["myAccess"];
        assert_eq!(
            strings(&my_access["permissions"]),
            want,
            "myAccess.permissions, {}",
            case.label
        );
        assert_eq!(
            my_access["role"], case.role,
            "myAccess.role, {}",
            case.label
        );
        assert_eq!(
            my_access["inherited"], case.inherited,
            "myAccess.inherited, {}",
            case.label
        );
        let kind = if case.inherited {
            "INHERITED"
        } else {
            "DIRECT"
        };
        assert_eq!(
            my_access["sources"][0]["kind"], kind,
            "myAccess.sources, {}",
            case.label
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_superuser_holds_everything_but_changes_in_an_archived_project() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let subject = app.user(&admin, "subject").await;
    let other = app.user(&admin, "other").await;
    let cases = matrix_fixture(&app, &admin, &subject, &other).await;
    let query = access_query(false, true);
    for case in &cases {
        let response = app
            .gql(Some(&admin.token), &query, json!({ "p": case.project }))
            .await;
        let data = response.ok();
        assert_eq!(
            granted(data),
            everything(case.archived),
            "checkPermission, {}",
            case.label
        );
        let my_access = &data["project"]["myAccess"];
        assert_eq!(
            strings(&my_access["permissions"]),
            everything(case.archived),
            "myAccess.permissions, {}",
            case.label
        );
        assert_eq!(my_access["role"], "OWNER", "{}", case.label);
        assert_eq!(
            my_access["sources"],
            json!([{ "kind": "SUPERUSER" }]),
            "{}",
            case.label
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_user_without_a_role_holds_nothing_and_cannot_find_the_project() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let subject = app.user(&admin, "subject").await;
    let other = app.user(&admin, "other").await;
    let stranger = app.user(&admin, "stranger").await;
    let cases = matrix_fixture(&app, &admin, &subject, &other).await;
    let query = access_query(false, false);
    for case in &cases {
        for token in [Some(stranger.token.as_str()), None] {
            let response = app.gql(token, &query, json!({ "p": case.project })).await;
            assert!(
                granted(response.ok()).is_empty(),
                "{} for {}",
                case.label,
                if token.is_some() {
                    "a stranger"
                } else {
                    "anonymous"
                }
            );
            let project = app
                .gql(
                    token,
                    "query($p: ID!) { project(id: $p) { id } }",
                    json!({ "p": case.project }),
                )
                .await;
            project.expect_code("NOT_FOUND");
            assert_eq!(project.body["data"]["project"], Value::Null);
        }
    }
    Ok(())
}

#[tokio::test]
async fn public_access_grants_its_role_to_every_signed_in_user_and_nobody_else() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let stranger = app.user(&admin, "stranger").await;
    let query = access_query(false, true);
    for role in ["GUEST", "VIEWER"] {
        let project = create_with(
            &app,
            &owner,
            json!({ "title": format!("Public {role}"), "type": "PROJECT", "publicAccess": role }),
        )
        .await
        .data("createProject")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let category = create_with(
            &app,
            &owner,
            json!({ "title": format!("Open {role}"), "type": "CATEGORY", "publicAccess": role }),
        )
        .await
        .data("createProject")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let below = create_with(
            &app,
            &owner,
            json!({ "title": "Below", "type": "PROJECT", "parentId": category }),
        )
        .await
        .data("createProject")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        for (where_, id, holder) in [
            ("on the project", &project, &project),
            ("on an ancestor", &below, &category),
        ] {
            let response = app
                .gql(Some(&stranger.token), &query, json!({ "p": id }))
                .await;
            let data = response.ok();
            assert_eq!(
                granted(data),
                expected(Some(role), false),
                "{role} {where_}"
            );
            let my_access = &data["project"]["myAccess"];
            assert_eq!(my_access["role"], role, "{role} {where_}");
            assert_eq!(my_access["inherited"], true, "{role} {where_}");
            assert_eq!(
                my_access["sources"],
                json!([{ "kind": "PUBLIC" }]),
                "{role} {where_}"
            );
            let holder_of = app
                .gql(
                    Some(&stranger.token),
                    "query($p: ID!) { project(id: $p) { myAccess { sources { project { id } } } } }",
                    json!({ "p": id }),
                )
                .await;
            assert_eq!(
                holder_of.data("project")["myAccess"]["sources"][0]["project"]["id"],
                json!(holder)
            );

            let anonymous = app.gql(None, &query, json!({ "p": id })).await;
            anonymous.expect_code("NOT_FOUND");
            assert!(
                granted(&anonymous.body["data"]).is_empty(),
                "anonymous, {role} {where_}"
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_deactivated_user_holds_nothing_whatever_their_roles() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let dormant = app.user(&admin, "dormant").await;
    let category = create_with(
        &app,
        &owner,
        json!({ "title": "Lab", "type": "CATEGORY", "publicAccess": "VIEWER" }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let project = create_with(
        &app,
        &owner,
        json!({ "title": "Study", "type": "PROJECT", "parentId": category }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assign(&app, &owner, &category, &dormant, "CONTRIBUTOR").await;
    assign(&app, &owner, &project, &dormant, "DELEGATE").await;

    let query = access_query(true, false);
    for id in [&category, &project] {
        let before = app
            .gql(
                Some(&admin.token),
                &query,
                json!({ "p": id, "u": dormant.id }),
            )
            .await;
        assert!(!granted(before.ok()).is_empty());
    }
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { updateUser(id: $id, input: { isActive: false }) { isActive } }",
        json!({ "id": dormant.id }),
    )
    .await
    .ok();
    for id in [&category, &project] {
        // Asked by a superuser and by the owner, who manages the project's members.
        for asker in [&admin, &owner] {
            let after = app
                .gql(
                    Some(&asker.token),
                    &query,
                    json!({ "p": id, "u": dormant.id }),
                )
                .await;
            assert!(granted(after.ok()).is_empty());
        }
    }
    // Their own session ended with the deactivation.
    app.gql(
        Some(&dormant.token),
        "query($p: ID!) { project(id: $p) { id } }",
        json!({ "p": project }),
    )
    .await
    .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn asking_about_someone_elses_permission_needs_manage_members() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let contributor = app.user(&admin, "contributor").await;
    let project = create_with(&app, &owner, json!({ "title": "Study", "type": "PROJECT" }))
        .await
        .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;
    let query = access_query(true, false);
    let contributes = expected(Some("CONTRIBUTOR"), false);
    for asker in [&admin, &owner, &delegate] {
        let response = app
            .gql(
                Some(&asker.token),
                &query,
                json!({ "p": project, "u": contributor.id }),
            )
            .await;
        assert_eq!(granted(response.ok()), contributes);
    }
    app.gql(
        Some(&contributor.token),
        &query,
        json!({ "p": project, "u": delegate.id }),
    )
    .await
    .expect_code("FORBIDDEN");
    // Asking about oneself by id is asking about oneself.
    let own = app
        .gql(
            Some(&contributor.token),
            &query,
            json!({ "p": project, "u": contributor.id }),
        )
        .await;
    assert_eq!(granted(own.ok()), contributes);
    Ok(())
}

/// A group's grant of the fixture: held directly or inherited, archived or not,
/// lapsed or in force.
struct GroupCase {
    label: String,
    project: String,
    role: &'static str,
    expired: bool,
    archived: bool,
}

/// For each role a group may hold, held directly and inherited, archived and not,
/// expired and not: a project where `subject` holds it through `group`.
async fn group_fixture(app: &TestApp, admin: &TestUser, group: &str) -> Vec<GroupCase> {
    let soon = (app.clock.now() + chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut cases = Vec::new();
    for role in ["CONTRIBUTOR", "GUEST", "VIEWER", "FINDER"] {
        for (inherited, archived, expired) in [
            (false, false, false),
            (false, true, false),
            (true, false, false),
            (true, true, false),
            (false, false, true),
            (true, false, true),
        ] {
            let label =
                format!("group {role} inherited={inherited} archived={archived} expired={expired}");
            let kind = if inherited || role == "FINDER" {
                "CATEGORY"
            } else {
                "PROJECT"
            };
            let holder = create_owned(app, admin, &label, kind, None, admin).await;
            let expires_at = if expired { json!(soon) } else { Value::Null };
            app.gql(
                Some(&admin.token),
                "mutation($p: ID!, $g: ID!, $r: Role!, $e: DateTime) { assignGroupRole(projectId: $p, groupId: $g, role: $r, expiresAt: $e) { id } }",
                json!({ "p": holder, "g": group, "r": role, "e": expires_at }),
            )
            .await
            .ok();
            let project = if inherited {
                create_owned(app, admin, "Child", "PROJECT", Some(&holder), admin).await
            } else {
                holder
            };
            if archived {
                archive(app, admin, &project).await;
            }
            cases.push(GroupCase {
                label,
                project,
                role,
                expired,
                archived,
            });
        }
    }
    cases
}

#[tokio::test]
async fn every_group_role_holds_exactly_the_permissions_of_the_matrix_for_every_member()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let subject = app.user(&admin, "subject").await;
    let outsider = app.user(&admin, "outsider").await;
    let group = app
        .gql(
            Some(&admin.token),
            "mutation { createGroup(name: \"Team\") { id } }",
            json!({}),
        )
        .await
        .data("createGroup")["id"]
        .as_str()
        .expect("group id")
        .to_owned();
    app.gql(
        Some(&admin.token),
        "mutation($g: ID!, $u: ID!) { addGroupMember(groupId: $g, userId: $u) { role } }",
        json!({ "g": group, "u": subject.id }),
    )
    .await
    .ok();
    let cases = group_fixture(&app, &admin, &group).await;
    app.clock.advance(std::time::Duration::from_secs(120));
    let query = access_query(false, true);
    for case in &cases {
        let response = app
            .gql(Some(&subject.token), &query, json!({ "p": case.project }))
            .await;
        if case.expired {
            assert!(granted(&response.body["data"]).is_empty(), "{}", case.label);
            response.expect_code("NOT_FOUND");
            continue;
        }
        let data = response.ok();
        let want = expected(Some(case.role), case.archived);
        assert_eq!(granted(data), want, "checkPermission, {}", case.label);
        let my_access = &data["project"]["myAccess"];
        assert_eq!(strings(&my_access["permissions"]), want, "{}", case.label);
        assert_eq!(my_access["role"], case.role, "{}", case.label);
        assert_eq!(my_access["inherited"], true, "{}", case.label);
        assert_eq!(
            my_access["sources"],
            json!([{ "kind": "GROUP" }]),
            "{}",
            case.label
        );
        let outside = app
            .gql(Some(&outsider.token), &query, json!({ "p": case.project }))
            .await;
        assert!(
            granted(&outside.body["data"]).is_empty(),
            "outsider, {}",
            case.label
        );
        outside.expect_code("NOT_FOUND");
    }
    Ok(())
}
