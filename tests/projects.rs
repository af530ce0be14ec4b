//! Projects, categories and roles over HTTP: the flows of fractal-server's sharing
//! and SODAR's projectroles.

use serde_json::{Value, json};

use crate::common::{Gql, TestApp, TestResult, TestUser};

const CREATE: &str = "mutation($input: CreateProjectInput!) { createProject(input: $input) { id title fullTitle type } }";
const ASSIGN: &str = "mutation($p: ID!, $u: ID!, $r: Role!, $e: DateTime) { assignRole(projectId: $p, userId: $u, role: $r, expiresAt: $e) { id role inherited expiresAt user { username } project { id } } }";
const MY_ACCESS: &str = "query($id: ID!) { project(id: $id) { myAccess { role isOwner inherited permissions ownerEmail sources { kind role project { title } expiresAt } } } }";

/// Sends `createProject` with the given input as `user`.
pub async fn create_with(app: &TestApp, user: &TestUser, input: Value) -> Gql {
    app.gql(Some(&user.token), CREATE, json!({ "input": input }))
        .await
}

/// Creates a project or category as `user` and returns its id.
pub async fn create(
    app: &TestApp,
    user: &TestUser,
    title: &str,
    kind: &str,
    parent: Option<&str>,
) -> String {
    let response = create_with(
        app,
        user,
        json!({ "title": title, "type": kind, "parentId": parent }),
    )
    .await;
    response.data("createProject")["id"]
        .as_str()
        .expect("project id")
        .to_owned()
}

/// Archives a project as `by`, which must succeed.
pub async fn archive(app: &TestApp, by: &TestUser, project: &str) {
    app.gql(
        Some(&by.token),
        "mutation($id: ID!) { archiveProject(id: $id) { archived } }",
        json!({ "id": project }),
    )
    .await
    .ok();
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
    // Assigning someone does not reveal their email: only their own act would.
    assert_eq!(
        project_data["members"]["edges"][1]["node"]["user"]["email"],
        Value::Null
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

const PROJECT: &str =
    "query($id: ID!) { project(id: $id) { id title type fullTitle parent { id } } }";
const UPDATE: &str = "mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { id title fullTitle description readme publicAccess parent { id } } }";
const DELETE: &str = "mutation($id: ID!) { deleteProject(id: $id) }";
const PROJECTS: &str = "query($type: ProjectType, $parent: ID, $search: String, $archived: Boolean, $first: Int, $after: String) { projects(type: $type, parentId: $parent, search: $search, includeArchived: $archived, first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id title } } } }";

/// Sends `updateProject` as `by`.
pub async fn update(app: &TestApp, by: &TestUser, id: &str, input: Value) -> Gql {
    app.gql(Some(&by.token), UPDATE, json!({ "id": id, "input": input }))
        .await
}

/// The titles `projects` lists for `viewer` with the given variables, in order.
async fn listed(app: &TestApp, viewer: &TestUser, variables: Value) -> Vec<String> {
    let response = app.gql(Some(&viewer.token), PROJECTS, variables).await;
    titles(&response.data("projects")["edges"])
}

fn titles(edges: &Value) -> Vec<String> {
    edges
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn a_finder_sees_only_the_identity_of_a_project_below_its_category() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let finder = app.user(&admin, "finder").await;
    let category = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let project = create_with(
        &app,
        &owner,
        json!({ "title": "Study", "type": "PROJECT", "parentId": category, "description": "secret", "readme": "# secret" }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assign(&app, &owner, &category, &finder, "FINDER").await;

    let open = app
        .gql(
            Some(&finder.token),
            "query($id: ID!) { project(id: $id) { id title type fullTitle parent { id title } myAccess { role inherited permissions } } }",
            json!({ "id": project }),
        )
        .await;
    let data = open.data("project");
    assert_eq!(data["id"], json!(project));
    assert_eq!(data["title"], "Study");
    assert_eq!(data["type"], "PROJECT");
    assert_eq!(data["fullTitle"], "Lab / Study");
    assert_eq!(data["parent"]["id"], json!(category));
    assert_eq!(data["myAccess"]["role"], "FINDER");
    assert_eq!(data["myAccess"]["inherited"], true);
    assert_eq!(data["myAccess"]["permissions"], json!(["FIND"]));

    for field in [
        "description",
        "readme",
        "publicAccess",
        "archived",
        "createdAt",
        "updatedAt",
        "owner { id }",
        "members { totalCount }",
        "events { totalCount }",
    ] {
        let query = format!("query($id: ID!) {{ project(id: $id) {{ id {field} }} }}");
        let closed = app
            .gql(Some(&finder.token), &query, json!({ "id": project }))
            .await;
        closed.expect_code("FORBIDDEN");
        assert_eq!(
            closed.body["errors"][0]["path"][1],
            field.split(' ').next().expect("name")
        );
    }
    Ok(())
}

#[tokio::test]
async fn events_need_manage_members() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let contributor = app.user(&admin, "contributor").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;
    let query = "query($id: ID!) { project(id: $id) { events { totalCount } } }";
    for allowed in [&owner, &delegate, &admin] {
        let response = app
            .gql(Some(&allowed.token), query, json!({ "id": project }))
            .await;
        assert_eq!(response.data("project")["events"]["totalCount"], 3);
    }
    app.gql(Some(&contributor.token), query, json!({ "id": project }))
        .await
        .expect_code("FORBIDDEN");
    // Members are open to VIEW, so to the contributor.
    let members = app
        .gql(
            Some(&contributor.token),
            "query($id: ID!) { project(id: $id) { owner { username } members { totalCount } } }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(members.data("project")["members"]["totalCount"], 3);
    Ok(())
}

#[tokio::test]
async fn a_project_the_viewer_cannot_find_is_not_found_never_forbidden() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let member = app.user(&admin, "member").await;
    let stranger = app.user(&admin, "stranger").await;
    let project = create(&app, &owner, "Hidden", "PROJECT", None).await;
    let assignment = assign(&app, &owner, &project, &member, "GUEST").await;
    let assignment_id = assignment["id"].as_str().expect("assignment id");
    let unknown = uuid::Uuid::now_v7().to_string();

    for id in [project.as_str(), unknown.as_str()] {
        let read = app
            .gql(Some(&stranger.token), PROJECT, json!({ "id": id }))
            .await;
        read.expect_code("NOT_FOUND");
        assert_eq!(read.body["data"]["project"], Value::Null);
        let operations = [
            (
                "updateProject",
                "mutation($id: ID!) { updateProject(id: $id, input: { title: \"Mine\" }) { id } }",
                json!({ "id": id }),
            ),
            (
                "archiveProject",
                "mutation($id: ID!) { archiveProject(id: $id) { id } }",
                json!({ "id": id }),
            ),
            (
                "unarchiveProject",
                "mutation($id: ID!) { unarchiveProject(id: $id) { id } }",
                json!({ "id": id }),
            ),
            ("deleteProject", DELETE, json!({ "id": id })),
            (
                "assignRole",
                ASSIGN,
                json!({ "p": id, "u": stranger.id, "r": "GUEST" }),
            ),
            (
                "transferOwnership",
                "mutation($id: ID!, $u: ID!) { transferOwnership(projectId: $id, newOwnerId: $u) { id } }",
                json!({ "id": id, "u": member.id }),
            ),
            (
                "leaveProject",
                "mutation($id: ID!) { leaveProject(projectId: $id) }",
                json!({ "id": id }),
            ),
            (
                "createProject",
                CREATE,
                json!({ "input": { "title": "Inside", "type": "PROJECT", "parentId": id } }),
            ),
            (
                "checkPermission",
                "query($id: ID!, $u: ID!) { checkPermission(projectId: $id, userId: $u, permission: READ) }",
                json!({ "id": id, "u": member.id }),
            ),
        ];
        for (name, query, variables) in operations {
            let response = app.gql(Some(&stranger.token), query, variables).await;
            assert_eq!(
                response.code(),
                Some("NOT_FOUND"),
                "{name} on {id}: {}",
                response.body
            );
        }
    }
    for query in [
        "mutation($id: ID!) { updateRoleAssignment(id: $id, role: VIEWER) { id } }",
        "mutation($id: ID!) { removeRoleAssignment(id: $id) }",
    ] {
        app.gql(Some(&stranger.token), query, json!({ "id": assignment_id }))
            .await
            .expect_code("NOT_FOUND");
    }
    // Their own checkPermission simply answers false.
    let own = app
        .gql(
            Some(&stranger.token),
            "query($id: ID!) { checkPermission(projectId: $id, permission: FIND) }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(own.data("checkPermission"), false);
    // Nothing changed.
    let read = app
        .gql(Some(&owner.token), PROJECT, json!({ "id": project }))
        .await;
    assert_eq!(read.data("project")["title"], "Hidden");
    Ok(())
}

#[tokio::test]
async fn titles_are_1_to_255_characters() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    for title in ["".to_owned(), "   ".to_owned(), "x".repeat(256)] {
        create_with(&app, &owner, json!({ "title": title, "type": "PROJECT" }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    let longest = "é".repeat(255);
    let created = create_with(&app, &owner, json!({ "title": longest, "type": "PROJECT" })).await;
    assert_eq!(created.data("createProject")["title"], json!(longest));
    let one = create(&app, &owner, "x", "PROJECT", None).await;
    for title in ["", "  ", &"y".repeat(256)] {
        update(&app, &owner, &one, json!({ "title": title }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    // Surrounding spaces are trimmed.
    let renamed = update(&app, &owner, &one, json!({ "title": "  Trimmed " })).await;
    assert_eq!(renamed.data("updateProject")["title"], "Trimmed");
    Ok(())
}

#[tokio::test]
async fn titles_are_unique_among_siblings_whatever_their_case() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let other = app.user(&admin, "other").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let annex = create(&app, &owner, "Annex", "CATEGORY", None).await;
    create(&app, &owner, "Alpha", "PROJECT", Some(&lab)).await;
    create_with(
        &app,
        &owner,
        json!({ "title": "ALPHA", "type": "CATEGORY", "parentId": lab }),
    )
    .await
    .expect_code("CONFLICT");
    // The same title under another parent, or at the top level, is another sibling set.
    let elsewhere = create(&app, &owner, "alpha", "PROJECT", Some(&annex)).await;
    create(&app, &owner, "Alpha", "PROJECT", None).await;
    // Top-level titles collide too, whoever owns them.
    create_with(&app, &other, json!({ "title": "lab", "type": "PROJECT" }))
        .await
        .expect_code("CONFLICT");
    // Renaming or moving onto a sibling's title conflicts as well.
    let beta = create(&app, &owner, "Beta", "PROJECT", Some(&lab)).await;
    update(&app, &owner, &beta, json!({ "title": "aLpHa" }))
        .await
        .expect_code("CONFLICT");
    update(&app, &owner, &elsewhere, json!({ "parentId": lab }))
        .await
        .expect_code("CONFLICT");
    // Changing only the case of one's own title is fine.
    let recased = update(&app, &owner, &beta, json!({ "title": "BETA" })).await;
    assert_eq!(recased.data("updateProject")["title"], "BETA");
    Ok(())
}

#[tokio::test]
async fn only_a_category_holds_projects_and_categories() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    for kind in ["PROJECT", "CATEGORY"] {
        create_with(
            &app,
            &owner,
            json!({ "title": "Inside", "type": kind, "parentId": project }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    let loose = create(&app, &owner, "Loose", "PROJECT", None).await;
    update(&app, &owner, &loose, json!({ "parentId": project }))
        .await
        .expect_code("BAD_USER_INPUT");
    // A project has no children; a category lists its own.
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    create(&app, &owner, "B", "PROJECT", Some(&lab)).await;
    create(&app, &owner, "A", "CATEGORY", Some(&lab)).await;
    let query = "query($id: ID!) { project(id: $id) { children { totalCount edges { node { title type } } } } }";
    let children = app
        .gql(Some(&owner.token), query, json!({ "id": lab }))
        .await;
    let children = &children.data("project")["children"];
    assert_eq!(children["totalCount"], 2);
    assert_eq!(titles(&children["edges"]), ["A", "B"]);
    let none = app
        .gql(Some(&owner.token), query, json!({ "id": project }))
        .await;
    assert_eq!(none.data("project")["children"]["totalCount"], 0);
    assert_eq!(none.data("project")["children"]["edges"], json!([]));
    Ok(())
}

#[tokio::test]
async fn creating_in_a_category_needs_write_there() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let guest = app.user(&admin, "guest").await;
    let contributor = app.user(&admin, "contributor").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    assign(&app, &owner, &lab, &guest, "GUEST").await;
    assign(&app, &owner, &lab, &contributor, "CONTRIBUTOR").await;
    create_with(
        &app,
        &guest,
        json!({ "title": "Mine", "type": "PROJECT", "parentId": lab }),
    )
    .await
    .expect_code("FORBIDDEN");
    let mine = create(&app, &contributor, "Mine", "PROJECT", Some(&lab)).await;
    // The creator becomes the one direct owner.
    let access = app
        .gql(Some(&contributor.token), MY_ACCESS, json!({ "id": mine }))
        .await;
    let access = &access.data("project")["myAccess"];
    assert_eq!(access["role"], "OWNER");
    assert_eq!(access["isOwner"], true);
    assert_eq!(access["inherited"], false);
    // An archived category is read-only, even for its owner.
    archive(&app, &owner, &lab).await;
    create_with(
        &app,
        &owner,
        json!({ "title": "Late", "type": "PROJECT", "parentId": lab }),
    )
    .await
    .expect_code("FORBIDDEN");
    Ok(())
}

#[tokio::test]
async fn restricted_top_level_creation_is_for_superusers() -> TestResult {
    let app = TestApp::spawn_with(&["--restrict-top-level-projects", "true"]).await;
    let admin = app.superuser().await;
    let user = app.user(&admin, "user").await;
    create_with(&app, &user, json!({ "title": "Top", "type": "CATEGORY" }))
        .await
        .expect_code("FORBIDDEN");
    let lab = create_with(
        &app,
        &admin,
        json!({ "title": "Lab", "type": "CATEGORY", "ownerId": user.id }),
    )
    .await
    .data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Below the top level the usual rules apply; moving up to it is refused too.
    let study = create(&app, &user, "Study", "PROJECT", Some(&lab)).await;
    update(&app, &user, &study, json!({ "parentId": null }))
        .await
        .expect_code("FORBIDDEN");
    let moved = update(&app, &admin, &study, json!({ "parentId": null })).await;
    assert_eq!(moved.data("updateProject")["parent"], Value::Null);
    Ok(())
}

#[tokio::test]
async fn only_superusers_create_a_project_for_someone_else() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let alice = app.user(&admin, "alice").await;
    let bob = app.user(&admin, "bob").await;
    create_with(
        &app,
        &alice,
        json!({ "title": "For Bob", "type": "PROJECT", "ownerId": bob.id }),
    )
    .await
    .expect_code("FORBIDDEN");
    // Naming oneself is no choice at all.
    create_with(
        &app,
        &alice,
        json!({ "title": "Mine", "type": "PROJECT", "ownerId": alice.id }),
    )
    .await
    .ok();
    let created = app
        .gql(
            Some(&admin.token),
            "mutation($input: CreateProjectInput!) { createProject(input: $input) { owner { username } members { totalCount } myAccess { role sources { kind } } } }",
            json!({ "input": { "title": "For Bob", "type": "PROJECT", "ownerId": bob.id } }),
        )
        .await;
    let created = created.data("createProject");
    assert_eq!(created["owner"]["username"], "bob");
    assert_eq!(created["members"]["totalCount"], 1);
    assert_eq!(
        created["myAccess"]["sources"],
        json!([{ "kind": "SUPERUSER" }])
    );
    Ok(())
}

#[tokio::test]
async fn the_full_title_follows_the_path_from_the_top() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let a = create(&app, &owner, "A", "CATEGORY", None).await;
    let b = create(&app, &owner, "B", "CATEGORY", Some(&a)).await;
    let c = create_with(
        &app,
        &owner,
        json!({ "title": "C", "type": "PROJECT", "parentId": b }),
    )
    .await;
    assert_eq!(c.data("createProject")["fullTitle"], "A / B / C");
    let c = c.data("createProject")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    update(&app, &owner, &a, json!({ "title": "Root" }))
        .await
        .ok();
    let read = app
        .gql(Some(&owner.token), PROJECT, json!({ "id": c }))
        .await;
    assert_eq!(read.data("project")["fullTitle"], "Root / B / C");
    assert_eq!(read.data("project")["parent"]["id"], json!(b));
    Ok(())
}

#[tokio::test]
async fn moving_checks_both_ends_and_refuses_cycles() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let mover = app.user(&admin, "mover").await;
    let source = create(&app, &owner, "Source", "CATEGORY", None).await;
    let guest_in = create(&app, &owner, "Guest in", "CATEGORY", None).await;
    let writer_in = create(&app, &owner, "Writer in", "CATEGORY", None).await;
    assign(&app, &owner, &guest_in, &mover, "GUEST").await;
    assign(&app, &owner, &writer_in, &mover, "CONTRIBUTOR").await;
    let own = create(&app, &mover, "Own", "PROJECT", None).await;
    let theirs = create(&app, &owner, "Theirs", "PROJECT", Some(&source)).await;
    assign(&app, &owner, &theirs, &mover, "CONTRIBUTOR").await;

    // The destination needs WRITE.
    update(&app, &mover, &own, json!({ "parentId": guest_in }))
        .await
        .expect_code("FORBIDDEN");
    // The project needs UPDATE_PROJECT.
    update(&app, &mover, &theirs, json!({ "parentId": writer_in }))
        .await
        .expect_code("FORBIDDEN");
    // Both ends allowed.
    let moved = update(&app, &mover, &own, json!({ "parentId": writer_in })).await;
    let moved = moved.data("updateProject");
    assert_eq!(moved["parent"]["id"], json!(writer_in));
    assert_eq!(moved["fullTitle"], "Writer in / Own");
    // Moving out of a category needs UPDATE_PROJECT there too; null moves to the top.
    update(&app, &mover, &own, json!({ "parentId": null }))
        .await
        .expect_code("FORBIDDEN");
    let top = update(&app, &owner, &own, json!({ "parentId": null })).await;
    // The owner of "Writer in" moved it out of their own reach: they see its name only.
    top.expect_code("FORBIDDEN");
    assert_eq!(top.body["data"]["updateProject"]["parent"], Value::Null);
    assert_eq!(top.body["data"]["updateProject"]["fullTitle"], "Own");
    // A destination one cannot find is not found.
    let hidden = create(&app, &owner, "Hidden", "CATEGORY", None).await;
    update(&app, &mover, &own, json!({ "parentId": hidden }))
        .await
        .expect_code("NOT_FOUND");

    // No cycles: not into itself, not below itself.
    let inner = create(&app, &owner, "Inner", "CATEGORY", Some(&source)).await;
    let deepest = create(&app, &owner, "Deepest", "CATEGORY", Some(&inner)).await;
    for destination in [&source, &inner, &deepest] {
        update(&app, &owner, &source, json!({ "parentId": destination }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    // Moving a category takes what it holds along.
    let moved = update(&app, &owner, &inner, json!({ "parentId": writer_in })).await;
    moved.ok();
    let read = app
        .gql(Some(&owner.token), PROJECT, json!({ "id": deepest }))
        .await;
    assert_eq!(
        read.data("project")["fullTitle"],
        "Writer in / Inner / Deepest"
    );
    Ok(())
}

#[tokio::test]
async fn description_and_readme_are_cleared_by_null_and_kept_when_left_out() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let set = update(
        &app,
        &owner,
        &project,
        json!({ "description": "About", "readme": "# Hi" }),
    )
    .await;
    assert_eq!(set.data("updateProject")["description"], "About");
    assert_eq!(set.data("updateProject")["readme"], "# Hi");
    let kept = update(&app, &owner, &project, json!({ "title": "Renamed" })).await;
    assert_eq!(kept.data("updateProject")["description"], "About");
    assert_eq!(kept.data("updateProject")["readme"], "# Hi");
    let cleared = update(
        &app,
        &owner,
        &project,
        json!({ "description": null, "readme": null }),
    )
    .await;
    assert_eq!(cleared.data("updateProject")["description"], Value::Null);
    assert_eq!(cleared.data("updateProject")["readme"], Value::Null);
    assert_eq!(cleared.data("updateProject")["title"], "Renamed");
    Ok(())
}

#[tokio::test]
async fn public_access_is_guest_viewer_or_none() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    for role in ["OWNER", "DELEGATE", "CONTRIBUTOR", "FINDER"] {
        create_with(
            &app,
            &owner,
            json!({ "title": "Open", "type": "PROJECT", "publicAccess": role }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
    let project = create(&app, &owner, "Open", "PROJECT", None).await;
    for role in ["OWNER", "DELEGATE", "CONTRIBUTOR", "FINDER"] {
        update(&app, &owner, &project, json!({ "publicAccess": role }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    for role in ["GUEST", "VIEWER"] {
        let set = update(&app, &owner, &project, json!({ "publicAccess": role })).await;
        assert_eq!(set.data("updateProject")["publicAccess"], role);
    }
    let kept = update(&app, &owner, &project, json!({ "title": "Still open" })).await;
    assert_eq!(kept.data("updateProject")["publicAccess"], "VIEWER");
    let cleared = update(&app, &owner, &project, json!({ "clearPublicAccess": true })).await;
    assert_eq!(cleared.data("updateProject")["publicAccess"], Value::Null);
    Ok(())
}

#[tokio::test]
async fn updating_needs_update_project() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let contributor = app.user(&admin, "contributor").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;
    update(&app, &contributor, &project, json!({ "title": "Mine" }))
        .await
        .expect_code("FORBIDDEN");
    let renamed = update(&app, &delegate, &project, json!({ "title": "Ours" })).await;
    assert_eq!(renamed.data("updateProject")["title"], "Ours");
    Ok(())
}

#[tokio::test]
async fn archiving_needs_archive_and_makes_the_project_read_only() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let contributor = app.user(&admin, "contributor").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    assign(&app, &owner, &project, &delegate, "DELEGATE").await;
    assign(&app, &owner, &project, &contributor, "CONTRIBUTOR").await;
    let archive_query = "mutation($id: ID!) { archiveProject(id: $id) { archived } }";
    let unarchive_query = "mutation($id: ID!) { unarchiveProject(id: $id) { archived } }";
    let write = "query($id: ID!) { checkPermission(projectId: $id, permission: WRITE) }";

    app.gql(
        Some(&contributor.token),
        archive_query,
        json!({ "id": project }),
    )
    .await
    .expect_code("FORBIDDEN");
    let archived = app
        .gql(
            Some(&delegate.token),
            archive_query,
            json!({ "id": project }),
        )
        .await;
    assert_eq!(archived.data("archiveProject")["archived"], true);
    let can_write = app
        .gql(Some(&contributor.token), write, json!({ "id": project }))
        .await;
    assert_eq!(can_write.data("checkPermission"), false);
    // Archived projects still list, unless asked not to.
    assert_eq!(listed(&app, &contributor, json!({})).await, ["Study"]);
    assert!(
        listed(&app, &contributor, json!({ "archived": false }))
            .await
            .is_empty()
    );

    app.gql(
        Some(&contributor.token),
        unarchive_query,
        json!({ "id": project }),
    )
    .await
    .expect_code("FORBIDDEN");
    let unarchived = app
        .gql(
            Some(&owner.token),
            unarchive_query,
            json!({ "id": project }),
        )
        .await;
    assert_eq!(unarchived.data("unarchiveProject")["archived"], false);
    let can_write = app
        .gql(Some(&contributor.token), write, json!({ "id": project }))
        .await;
    assert_eq!(can_write.data("checkPermission"), true);
    Ok(())
}

#[tokio::test]
async fn deleting_needs_delete_and_an_empty_category() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let member = app.user(&admin, "member").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    assign(&app, &owner, &study, &delegate, "DELEGATE").await;
    assign(&app, &owner, &study, &member, "GUEST").await;

    app.gql(Some(&delegate.token), DELETE, json!({ "id": study }))
        .await
        .expect_code("FORBIDDEN");
    app.gql(Some(&owner.token), DELETE, json!({ "id": lab }))
        .await
        .expect_code("CONFLICT");
    let deleted = app
        .gql(Some(&owner.token), DELETE, json!({ "id": study }))
        .await;
    assert_eq!(deleted.data("deleteProject"), &json!(study));
    app.gql(Some(&owner.token), PROJECT, json!({ "id": study }))
        .await
        .expect_code("NOT_FOUND");
    // Its assignments went with it: the members find nothing and share nothing.
    assert!(listed(&app, &member, json!({})).await.is_empty());
    let email = app
        .gql(
            Some(&member.token),
            "query($id: ID!) { user(id: $id) { email } }",
            json!({ "id": delegate.id }),
        )
        .await;
    assert_eq!(email.data("user")["email"], Value::Null);
    // Now empty, the category goes too, and its owner owns nothing left.
    let deleted = app
        .gql(Some(&owner.token), DELETE, json!({ "id": lab }))
        .await;
    assert_eq!(deleted.data("deleteProject"), &json!(lab));
    app.gql(
        Some(&admin.token),
        "mutation($id: ID!) { deleteUser(id: $id) { id } }",
        json!({ "id": owner.id }),
    )
    .await
    .ok();
    Ok(())
}

#[tokio::test]
async fn projects_lists_exactly_what_the_viewer_may_find() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let viewer = app.user(&admin, "viewer").await;
    let stranger = app.user(&admin, "stranger").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let sub = create(&app, &owner, "Sub", "CATEGORY", Some(&lab)).await;
    create(&app, &owner, "Study", "PROJECT", Some(&sub)).await;
    create(&app, &owner, "Sibling", "PROJECT", Some(&lab)).await;
    let direct = create(&app, &owner, "Direct", "PROJECT", None).await;
    create(&app, &owner, "Private", "PROJECT", None).await;
    create_with(
        &app,
        &owner,
        json!({ "title": "Public", "type": "PROJECT", "publicAccess": "VIEWER" }),
    )
    .await
    .ok();
    assign(&app, &owner, &sub, &viewer, "VIEWER").await;
    assign(&app, &owner, &direct, &viewer, "GUEST").await;

    // Direct, inherited from an ancestor and public; not the parent, not a sibling.
    assert_eq!(
        listed(&app, &viewer, json!({})).await,
        ["Direct", "Public", "Study", "Sub"]
    );
    assert_eq!(listed(&app, &stranger, json!({})).await, ["Public"]);
    let everything = [
        "Direct", "Lab", "Private", "Public", "Sibling", "Study", "Sub",
    ];
    assert_eq!(listed(&app, &owner, json!({})).await, everything);
    assert_eq!(listed(&app, &admin, json!({})).await, everything);
    // Anonymous callers are told to sign in.
    app.gql(None, PROJECTS, json!({}))
        .await
        .expect_code("UNAUTHENTICATED");
    Ok(())
}

#[tokio::test]
async fn projects_are_filtered_by_type_parent_search_and_archived() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    create(&app, &owner, "Alpha", "PROJECT", Some(&lab)).await;
    create(&app, &owner, "100% done", "PROJECT", Some(&lab)).await;
    create(&app, &owner, "a_b", "PROJECT", None).await;
    create(&app, &owner, "axb", "PROJECT", None).await;
    create(&app, &owner, "Archive", "CATEGORY", Some(&lab)).await;
    let old = create(&app, &owner, "Old alpha", "PROJECT", None).await;
    archive(&app, &owner, &old).await;

    let cases = [
        (json!({ "type": "CATEGORY" }), vec!["Archive", "Lab"]),
        (
            json!({ "parent": lab }),
            vec!["100% done", "Alpha", "Archive"],
        ),
        (
            json!({ "parent": lab, "type": "PROJECT" }),
            vec!["100% done", "Alpha"],
        ),
        (json!({ "search": "ALP" }), vec!["Alpha", "Old alpha"]),
        (json!({ "search": "alp", "archived": false }), vec!["Alpha"]),
        (json!({ "search": "%" }), vec!["100% done"]),
        (json!({ "search": "_" }), vec!["a_b"]),
        (json!({ "search": "a_b" }), vec!["a_b"]),
        (
            json!({ "archived": false, "type": "PROJECT" }),
            vec!["100% done", "a_b", "Alpha", "axb"],
        ),
        (json!({ "search": "nothing like it" }), vec![]),
    ];
    for (variables, want) in cases {
        assert_eq!(
            listed(&app, &owner, variables.clone()).await,
            want,
            "{variables}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn projects_page_through_every_project_once_with_stable_cursors() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    // Five categories, each holding a project with the same title (equal sort keys,
    // told apart by id), and fifteen more projects: 25 in all.
    for i in 0..5 {
        let category = create(&app, &owner, &format!("Category {i}"), "CATEGORY", None).await;
        create(&app, &owner, "Same", "PROJECT", Some(&category)).await;
    }
    for i in 0..15 {
        create(&app, &owner, &format!("Project {i:02}"), "PROJECT", None).await;
    }
    for viewer in [&owner, &admin] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = Vec::new();
        loop {
            let response = app
                .gql(
                    Some(&viewer.token),
                    PROJECTS,
                    json!({ "first": 10, "after": after }),
                )
                .await;
            let page = response.data("projects");
            assert_eq!(page["totalCount"], 25);
            assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
            let edges = page["edges"].as_array().expect("edges");
            pages.push(edges.len());
            seen.extend(
                edges
                    .iter()
                    .map(|edge| edge["node"]["id"].as_str().expect("id").to_owned()),
            );
            let has_next = page["pageInfo"]["hasNextPage"]
                .as_bool()
                .expect("hasNextPage");
            if !has_next {
                break;
            }
            after = Some(
                page["pageInfo"]["endCursor"]
                    .as_str()
                    .expect("cursor")
                    .to_owned(),
            );
        }
        assert_eq!(pages, [10, 10, 5]);
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), 25, "no duplicates");
        // The same order as one page of everything.
        let all = app
            .gql(Some(&viewer.token), PROJECTS, json!({ "first": 100 }))
            .await;
        let all: Vec<String> = all.data("projects")["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| edge["node"]["id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(seen, all);
    }
    // A cursor this list never gave out is refused.
    app.gql(
        Some(&owner.token),
        PROJECTS,
        json!({ "first": 10, "after": "garbage" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    Ok(())
}
