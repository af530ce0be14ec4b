//! Projects, categories and roles over HTTP: the flows of fractal-server's sharing
//! and SODAR's projectroles.

use serde_json::{Value, json};

use crate::common::{TestApp, TestResult, TestUser};

const CREATE: &str = "mutation($input: CreateProjectInput!) { createProject(input: $input) { id title fullTitle type } }";
const ASSIGN: &str = "mutation($p: ID!, $u: ID!, $r: Role!, $e: DateTime) { assignRole(projectId: $p, userId: $u, role: $r, expiresAt: $e) { id role inherited expiresAt user { username } project { id } } }";
const MY_ACCESS: &str = "query($id: ID!) { project(id: $id) { myAccess { role isOwner inherited permissions ownerEmail sources { kind role project { title } expiresAt } } } }";

/// Creates a project or category as `user` and returns its id.
pub async fn create(
    app: &TestApp,
    user: &TestUser,
    title: &str,
    kind: &str,
    parent: Option<&str>,
) -> String {
    let response = app
        .gql(
            Some(&user.token),
            CREATE,
            json!({ "input": { "title": title, "type": kind, "parentId": parent } }),
        )
        .await;
    response.data("createProject")["id"]
        .as_str()
        .expect("project id")
        .to_owned()
}

pub async fn assign(
    app: &TestApp,
    by: &TestUser,
    project: &str,
    user: &TestUser,
    role: &str,
) -> Value {
    app.gql(
        Some(&by.token),
        ASSIGN,
        json!({ "p": project, "u": user.id, "r": role }),
    )
    .await
    .data("assignRole")
    .clone()
}

#[tokio::test]
async fn the_fractal_sharing_flow_works_end_to_end() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let project = create(&app, &owner, "Fractal", "PROJECT", None).await;

    // The owner adds a guest with read rights; the guest reads its access.
    let assignment = assign(&app, &owner, &project, &guest, "GUEST").await;
    assert_eq!(assignment["role"], "GUEST");
    assert_eq!(assignment["inherited"], false);
    let access = app
        .gql(Some(&guest.token), MY_ACCESS, json!({ "id": project }))
        .await;
    let access = &access.data("project")["myAccess"];
    assert_eq!(access["role"], "GUEST");
    assert_eq!(access["isOwner"], false);
    assert_eq!(access["ownerEmail"], "owner@example.org");
    assert_eq!(access["permissions"], json!(["FIND", "VIEW", "READ"]));
    assert_eq!(access["sources"][0]["kind"], "DIRECT");

    // The owner changes it to read-write-execute (CONTRIBUTOR).
    let id = assignment["id"].as_str().expect("assignment id");
    let updated = app
        .gql(
            Some(&owner.token),
            "mutation($id: ID!) { updateRoleAssignment(id: $id, role: CONTRIBUTOR) { role } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(updated.data("updateRoleAssignment")["role"], "CONTRIBUTOR");
    let members = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { project(id: $id) { owner { username } members { totalCount edges { node { role user { username email } } } } } }",
            json!({ "id": project }),
        )
        .await;
    let project_data = members.data("project");
    assert_eq!(project_data["owner"]["username"], "owner");
    assert_eq!(project_data["members"]["totalCount"], 2);
    // Sharing a project shows the email.
    assert_eq!(
        project_data["members"]["edges"][1]["node"]["user"]["email"],
        "guest@example.org"
    );

    // The guest leaves; the owner cannot.
    let leave = "mutation($id: ID!) { leaveProject(projectId: $id) }";
    app.gql(Some(&owner.token), leave, json!({ "id": project }))
        .await
        .expect_code("CONFLICT");
    let left = app
        .gql(Some(&guest.token), leave, json!({ "id": project }))
        .await;
    assert_eq!(left.data("leaveProject"), &json!(project));
    let gone = app
        .gql(Some(&guest.token), MY_ACCESS, json!({ "id": project }))
        .await;
    gone.expect_code("NOT_FOUND");
    assert_eq!(gone.body["data"]["project"], Value::Null);
    Ok(())
}

#[tokio::test]
async fn roles_on_a_category_are_inherited_by_everything_below_it() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let viewer = app.user(&admin, "viewer").await;
    let category = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let sub = create(&app, &owner, "Sub", "CATEGORY", Some(&category)).await;
    let project = create(&app, &owner, "Study", "PROJECT", Some(&sub)).await;
    assign(&app, &owner, &category, &viewer, "VIEWER").await;

    let response = app
        .gql(
            Some(&viewer.token),
            "query($id: ID!) { project(id: $id) { fullTitle parent { title parent { title } } myAccess { role inherited sources { kind project { title } } } members { totalCount edges { node { inherited role project { title } } } } } }",
            json!({ "id": project }),
        )
        .await;
    let data = response.data("project");
    assert_eq!(data["fullTitle"], "Lab / Sub / Study");
    assert_eq!(data["parent"]["parent"]["title"], "Lab");
    assert_eq!(data["myAccess"]["role"], "VIEWER");
    assert_eq!(data["myAccess"]["inherited"], true);
    assert_eq!(data["myAccess"]["sources"][0]["kind"], "INHERITED");
    assert_eq!(data["myAccess"]["sources"][0]["project"]["title"], "Lab");
    // The owner's direct role, the owner's inherited roles from Sub and Lab, and the viewer's.
    assert_eq!(data["members"]["totalCount"], 4);

    let listed = app
        .gql(
            Some(&viewer.token),
            "{ projects { totalCount edges { node { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data("projects")["totalCount"], 3);

    // A direct role below the inherited one is refused.
    app.gql(
        Some(&owner.token),
        ASSIGN,
        json!({ "p": project, "u": viewer.id, "r": "FINDER" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let below = app
        .gql(
            Some(&admin.token),
            ASSIGN,
            json!({ "p": sub, "u": viewer.id, "r": "FINDER" }),
        )
        .await;
    below.expect_code("CONFLICT");
    Ok(())
}
