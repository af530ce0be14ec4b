//! Attacks from the security review, each tried over HTTP as an attacker would: they
//! must fail with the right code. A project object is never handed out without FIND,
//! an email never leaks through what a user does alone, and the request budget holds.

use serde_json::{Value, json};

use crate::{
    common::{TestApp, TestResult, TestUser},
    projects::{archive, assign, create, update},
};

/// Every string anywhere in a response, to check that a title appears nowhere.
fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(text) => text.contains(needle),
        Value::Array(items) => items.iter().any(|item| mentions(item, needle)),
        Value::Object(fields) => fields.values().any(|item| mentions(item, needle)),
        _ => false,
    }
}

/// Creates a resource in `project` as `by` and returns its id.
async fn resource(app: &TestApp, by: &TestUser, project: &str, level: &str) -> Value {
    let created = app
        .gql(
            Some(&by.token),
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }",
            json!({ "input": { "projectId": project, "kind": "dataset", "name": "data", "safetyLevel": level } }),
        )
        .await;
    created.data("createResource")["id"].clone()
}

/// `owner` invites `invitee` (by their address) into `project`; `invitee` accepts.
async fn join_by_invitation(app: &TestApp, owner: &TestUser, project: &str, invitee: &TestUser) {
    let invited = app
        .gql(
            Some(&owner.token),
            "mutation($input: InviteInput!) { invite(input: $input) { id } }",
            json!({ "input": { "projectId": project, "email": format!("{}@example.org", invitee.username), "role": "GUEST" } }),
        )
        .await;
    app.gql(
        Some(&invitee.token),
        "mutation($id: ID!) { acceptInvitation(id: $id) { id } }",
        json!({ "id": invited.data("invite")["id"] }),
    )
    .await
    .ok();
}

/// A category holding a project for `guest` and a secret sibling, with a DELEGATE
/// on the category whose assignment `guest` sees as inherited.
async fn category_with_a_secret_sibling(app: &TestApp) -> (TestUser, TestUser, String) {
    let admin = app.superuser().await;
    let delegate = app.user(&admin, "delegate").await;
    let guest = app.user(&admin, "guest").await;
    let lab = create(app, &admin, "Lab", "CATEGORY", None).await;
    let open = create(app, &admin, "Open study", "PROJECT", Some(&lab)).await;
    create(app, &admin, "Secret study", "PROJECT", Some(&lab)).await;
    assign(app, &admin, &lab, &delegate, "DELEGATE").await;
    assign(app, &admin, &open, &guest, "GUEST").await;
    (admin, guest, open)
}

#[tokio::test]
async fn a_guest_cannot_list_hidden_siblings_through_an_inherited_assignment() -> TestResult {
    let app = TestApp::spawn().await;
    let (_, guest, open) = category_with_a_secret_sibling(&app).await;
    let query = "query($id: ID!) { project(id: $id) { members { edges { node { inherited \
                 project { title parent { title } children { edges { node { title } } } } } } } } }";
    let response = app
        .gql(Some(&guest.token), query, json!({ "id": open }))
        .await;
    assert!(
        !mentions(&response.body, "Secret study"),
        "{}",
        response.body
    );
    response.expect_code("FORBIDDEN");
    // The listing itself still works: the guest sees the category's name only.
    let listed = app
        .gql(
            Some(&guest.token),
            "query($id: ID!) { project(id: $id) { members { totalCount edges { node { inherited project { title } } } } } }",
            json!({ "id": open }),
        )
        .await;
    let members = &listed.data("project")["members"];
    // The admin's own two, the DELEGATE's and the guest's.
    assert_eq!(members["totalCount"], 4);
    assert!(mentions(members, "Lab"));
    Ok(())
}

#[tokio::test]
async fn an_invitation_shows_its_project_by_name_only() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let invitee = app.user(&admin, "invitee").await;
    let lab = create(&app, &admin, "Lab", "CATEGORY", None).await;
    create(&app, &admin, "Secret study", "PROJECT", Some(&lab)).await;
    app.gql(
        Some(&admin.token),
        "mutation($input: InviteInput!) { invite(input: $input) { id } }",
        json!({ "input": { "projectId": lab, "email": "invitee@example.org", "role": "GUEST" } }),
    )
    .await
    .ok();
    let query = "{ myInvitations { project { id title fullTitle children { totalCount edges { node { title } } } } } }";
    let response = app.gql(Some(&invitee.token), query, json!({})).await;
    assert!(!mentions(&response.body, "Secret study"));
    response.expect_code("FORBIDDEN");
    let named = app
        .gql(
            Some(&invitee.token),
            "{ myInvitations { project { id title description } } }",
            json!({}),
        )
        .await;
    named.expect_code("FORBIDDEN");
    let titles = app
        .gql(
            Some(&invitee.token),
            "{ myInvitations { project { title myAccess { role } } } }",
            json!({}),
        )
        .await;
    assert_eq!(titles.data("myInvitations")[0]["project"]["title"], "Lab");
    assert_eq!(
        titles.data("myInvitations")[0]["project"]["myAccess"],
        Value::Null
    );
    Ok(())
}

#[tokio::test]
async fn a_public_resource_in_a_category_does_not_open_the_category() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let reader = app.user(&admin, "reader").await;
    let lab = create(&app, &admin, "Lab", "CATEGORY", None).await;
    create(&app, &admin, "Secret study", "PROJECT", Some(&lab)).await;
    let id = resource(&app, &admin, &lab, "PUBLIC").await;
    let query = "query($id: ID!) { resource(id: $id) { name project { title children { edges { node { title } } } } } }";
    for token in [Some(reader.token.as_str()), None] {
        let response = app.gql(token, query, json!({ "id": id })).await;
        assert!(!mentions(&response.body, "Secret study"));
        response.expect_code("FORBIDDEN");
    }
    let named = app
        .gql(
            Some(&reader.token),
            "query($id: ID!) { resource(id: $id) { project { title } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(named.data("resource")["project"]["title"], "Lab");
    Ok(())
}

#[tokio::test]
async fn access_sources_and_parents_hand_out_only_findable_projects() -> TestResult {
    let app = TestApp::spawn().await;
    let (_, guest, open) = category_with_a_secret_sibling(&app).await;
    let query = "query($id: ID!) { project(id: $id) { parent { title } myAccess { sources { kind project { title children { totalCount } } } } } }";
    let response = app
        .gql(Some(&guest.token), query, json!({ "id": open }))
        .await;
    let project = response.data("project");
    assert_eq!(project["parent"], Value::Null);
    assert_eq!(project["myAccess"]["sources"][0]["kind"], "DIRECT");
    assert_eq!(
        project["myAccess"]["sources"][0]["project"]["title"],
        "Open study"
    );
    Ok(())
}

#[tokio::test]
async fn a_delegate_cannot_move_a_project_out_of_an_archived_category() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let delegate = app.user(&admin, "delegate").await;
    let lab = create(&app, &admin, "Lab", "CATEGORY", None).await;
    let study = create(&app, &admin, "Study", "PROJECT", Some(&lab)).await;
    assign(&app, &admin, &study, &delegate, "DELEGATE").await;
    archive(&app, &admin, &lab).await;
    update(&app, &delegate, &study, json!({ "parentId": null }))
        .await
        .expect_code("FORBIDDEN");
    let other = create(&app, &delegate, "Mine", "CATEGORY", None).await;
    update(&app, &delegate, &study, json!({ "parentId": other }))
        .await
        .expect_code("FORBIDDEN");
    let still = app
        .gql(
            Some(&admin.token),
            "query($id: ID!) { project(id: $id) { fullTitle } }",
            json!({ "id": study }),
        )
        .await;
    assert_eq!(still.data("project")["fullTitle"], "Lab / Study");
    // Whoever may update the category itself may still move what it holds.
    let moved = update(&app, &admin, &study, json!({ "parentId": null })).await;
    assert_eq!(moved.data("updateProject")["fullTitle"], "Study");
    Ok(())
}

#[tokio::test]
async fn acls_are_frozen_in_an_archived_project() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let reader = app.user(&admin, "reader").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    let id = resource(&app, &owner, &project, "INTERNAL").await;
    archive(&app, &owner, &project).await;
    let set_acl = "mutation($input: SetAclInput!) { setAcl(input: $input) { safetyLevel } }";
    let input = json!({ "input": { "resourceId": id, "safetyLevel": "PUBLIC",
                                   "sharedWith": [{ "userId": reader.id, "access": "READ_WRITE" }] } });
    for by in [&owner, &admin] {
        app.gql(Some(&by.token), set_acl, input.clone())
            .await
            .expect_code("FORBIDDEN");
    }
    let acl = app
        .gql(
            Some(&owner.token),
            "query($id: ID!) { resource(id: $id) { safetyLevel sharedWith { access } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(acl.data("resource")["safetyLevel"], "INTERNAL");
    assert_eq!(acl.data("resource")["sharedWith"], json!([]));
    Ok(())
}

#[tokio::test]
async fn thousands_of_aliases_are_refused_before_anything_runs() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let aliases: String = (0..3000)
        .map(|n| format!("a{n}: readableResources(first: 0) {{ totalCount }} "))
        .collect();
    let refused = app
        .gql(Some(&admin.token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    refused.expect_code("BAD_USER_INPUT");
    assert_eq!(refused.body["data"], Value::Null);
    // Spreading one fragment many times counts every spread.
    let fields: String = (0..60).map(|n| format!("f{n}: id ")).collect();
    let spreads: String = (0..20).map(|n| format!("m{n}: me {{ ...F }} ")).collect();
    let query = format!("{{ {spreads} }} fragment F on User {{ {fields} }}");
    app.gql(Some(&admin.token), &query, json!({}))
        .await
        .expect_code("BAD_USER_INPUT");
    // An ordinary dashboard stays well inside the budget.
    app.gql(
        Some(&admin.token),
        "{ projects(first: 100) { totalCount edges { node { id title owner { username } parent { id } \
         myAccess { role permissions } members(first: 20) { totalCount edges { node { role user { username } } } } } } } }",
        json!({}),
    )
    .await
    .ok();
    Ok(())
}

/// What `viewer` reads of `target`'s email.
async fn email_of(app: &TestApp, viewer: &TestUser, target: &TestUser) -> Value {
    app.gql(
        Some(&viewer.token),
        "query($id: ID!) { user(id: $id) { email } }",
        json!({ "id": target.id }),
    )
    .await
    .data("user")["email"]
        .clone()
}

#[tokio::test]
async fn assigning_someone_to_ones_own_project_reveals_nothing_of_theirs() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let attacker = app.user(&admin, "attacker").await;
    let victim = app.user(&admin, "victim").await;
    let project = create(&app, &attacker, "Bait", "PROJECT", None).await;
    assign(&app, &attacker, &project, &victim, "DELEGATE").await;
    assert_eq!(email_of(&app, &attacker, &victim).await, Value::Null);
    let members = app
        .gql(
            Some(&attacker.token),
            "query($id: ID!) { project(id: $id) { members { edges { node { user { username email } } } } } }",
            json!({ "id": project }),
        )
        .await;
    assert!(!mentions(&members.body, "victim@example.org"));
    // Handing over the ownership does not reveal it either.
    app.gql(
        Some(&attacker.token),
        "mutation($p: ID!, $u: ID!) { transferOwnership(projectId: $p, newOwnerId: $u, oldOwnerRole: DELEGATE) { id } }",
        json!({ "p": project, "u": victim.id }),
    )
    .await
    .ok();
    let owner_email = app
        .gql(
            Some(&attacker.token),
            "query($id: ID!) { project(id: $id) { owner { email } myAccess { ownerEmail } } }",
            json!({ "id": project }),
        )
        .await;
    assert!(!mentions(&owner_email.body, "victim@example.org"));
    // The victim, who did nothing, sees the attacker's: the attacker joined by their own act.
    assert_eq!(
        email_of(&app, &victim, &attacker).await,
        "attacker@example.org"
    );
    Ok(())
}

#[tokio::test]
async fn joining_by_invitation_or_by_a_superuser_shows_the_email_to_members() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let joiner = app.user(&admin, "joiner").await;
    let placed = app.user(&admin, "placed").await;
    let stranger = app.user(&admin, "stranger").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    join_by_invitation(&app, &owner, &project, &joiner).await;
    assign(&app, &admin, &project, &placed, "VIEWER").await;
    assert_eq!(email_of(&app, &owner, &joiner).await, "joiner@example.org");
    assert_eq!(email_of(&app, &placed, &joiner).await, "joiner@example.org");
    assert_eq!(email_of(&app, &owner, &placed).await, "placed@example.org");
    assert_eq!(email_of(&app, &stranger, &joiner).await, Value::Null);
    Ok(())
}

#[tokio::test]
async fn the_audit_trail_backfills_how_each_member_joined() -> TestResult {
    use entity::role_assignment;
    use sea_orm::{ConnectionTrait, EntityTrait};

    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let joiner = app.user(&admin, "joiner").await;
    let placed = app.user(&admin, "placed").await;
    let assigned = app.user(&admin, "assigned").await;
    let project = create(&app, &owner, "Study", "PROJECT", None).await;
    create(&app, &admin, "Admin's own", "PROJECT", None).await;
    app.gql(
        Some(&admin.token),
        "mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }",
        json!({ "input": { "title": "Given", "type": "PROJECT", "ownerId": owner.id } }),
    )
    .await
    .ok();
    join_by_invitation(&app, &owner, &project, &joiner).await;
    assign(&app, &admin, &project, &placed, "VIEWER").await;
    assign(&app, &owner, &project, &assigned, "VIEWER").await;

    let db = &app.state.db;
    let flags = |rows: Vec<role_assignment::Model>| {
        let mut flags: Vec<_> = rows
            .into_iter()
            .map(|row| (row.id, row.email_shared, row.self_granted))
            .collect();
        flags.sort();
        flags
    };
    let written = flags(role_assignment::Entity::find().all(db).await?);
    assert_eq!(written.iter().filter(|row| row.1).count(), 5);
    db.execute_unprepared("UPDATE role_assignments SET email_shared = FALSE, self_granted = FALSE")
        .await?;
    migration::backfill_membership(db).await?;
    assert_eq!(
        flags(role_assignment::Entity::find().all(db).await?),
        written
    );
    Ok(())
}

#[tokio::test]
async fn creating_a_project_does_not_open_a_restricted_user_list() -> TestResult {
    let app = TestApp::spawn_with(&["--restrict-user-list", "true"]).await;
    let admin = app.superuser().await;
    let loner = app.user(&admin, "loner").await;
    create(&app, &loner, "Mine", "CATEGORY", None).await;
    app.gql(Some(&loner.token), "{ users { totalCount } }", json!({}))
        .await
        .expect_code("FORBIDDEN");
    Ok(())
}

#[tokio::test]
async fn a_bad_cursor_in_a_nested_list_is_the_clients_error() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let lab = create(&app, &admin, "Lab", "CATEGORY", None).await;
    for field in ["members", "children", "events", "invitations", "resources"] {
        let query = format!(
            "query($id: ID!) {{ project(id: $id) {{ {field}(after: \"not a cursor\") {{ totalCount }} }} }}"
        );
        app.gql(Some(&admin.token), &query, json!({ "id": lab }))
            .await
            .expect_code("BAD_USER_INPUT");
    }
    Ok(())
}
