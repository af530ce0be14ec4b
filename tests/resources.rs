//! Resources and ACLs over HTTP: who may do what with each safety level, shares,
//! cascade, all-or-nothing batches, and `readableResources` checked against the
//! access rules applied row by row on a random dataset.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use entity::{project, resource, resource_share, role_assignment, user};
use rand::{Rng, SeedableRng, rngs::StdRng};
use roster::{
    access::Permission,
    auth::Viewer,
    domain::{projects as project_views, resources},
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    common::{Gql, TestApp, TestResult, TestUser},
    projects::{assign, create},
    properties::all_pages,
};

const CREATE: &str = "mutation($input: CreateResourceInput!) { createResource(input: $input) { id kind name safetyLevel myAccess owner { username } project { id } parent { id } } }";
const SET_ACL: &str = "mutation($input: SetAclInput!) { setAcl(input: $input) { resource { id } safetyLevel sharedWith { user { username } access } } }";
const MY_ACCESS: &str = "query($id: ID!) { resource(id: $id) { myAccess } }";

async fn create_resource(
    app: &TestApp,
    by: &TestUser,
    project: &str,
    name: &str,
    level: &str,
    parent: Option<&str>,
) -> String {
    let response = app
        .gql(
            Some(&by.token),
            CREATE,
            json!({ "input": { "projectId": project, "parentId": parent, "kind": "dataset", "name": name, "safetyLevel": level } }),
        )
        .await;
    response.data("createResource")["id"]
        .as_str()
        .expect("resource id")
        .to_owned()
}

async fn my_access(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let response = app.gql(token, MY_ACCESS, json!({ "id": id })).await;
    match response.code() {
        Some("NOT_FOUND") => Value::Null,
        _ => response.data("resource")["myAccess"].clone(),
    }
}

struct Team {
    app: TestApp,
    admin: TestUser,
    owner: TestUser,
    delegate: TestUser,
    contributor: TestUser,
    guest: TestUser,
    viewer: TestUser,
    outsider: TestUser,
    project: String,
}

async fn team() -> Team {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let delegate = app.user(&admin, "delegate").await;
    let contributor = app.user(&admin, "contributor").await;
    let guest = app.user(&admin, "guest").await;
    let viewer = app.user(&admin, "viewer").await;
    let outsider = app.user(&admin, "outsider").await;
    let project = create(&app, &owner, "Data", "PROJECT", None).await;
    for (member, role) in [
        (&delegate, "DELEGATE"),
        (&contributor, "CONTRIBUTOR"),
        (&guest, "GUEST"),
        (&viewer, "VIEWER"),
    ] {
        assign(&app, &owner, &project, member, role).await;
    }
    Team {
        app,
        admin,
        owner,
        delegate,
        contributor,
        guest,
        viewer,
        outsider,
        project,
    }
}

#[tokio::test]
async fn each_safety_level_grants_what_the_design_says() -> TestResult {
    let t = team().await;
    let public =
        create_resource(&t.app, &t.contributor, &t.project, "public", "PUBLIC", None).await;
    let internal = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "internal",
        "INTERNAL",
        None,
    )
    .await;
    let private = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "private",
        "PRIVATE",
        None,
    )
    .await;
    let private_of_guest = create_resource(
        &t.app,
        &t.delegate,
        &t.project,
        "delegate's",
        "PRIVATE",
        None,
    )
    .await;
    let rw = json!("READ_WRITE");
    let r = json!("READ");
    let none = Value::Null;
    let who: [(&str, Option<&str>); 8] = [
        ("admin", Some(&t.admin.token)),
        ("owner", Some(&t.owner.token)),
        ("delegate", Some(&t.delegate.token)),
        ("contributor", Some(&t.contributor.token)),
        ("guest", Some(&t.guest.token)),
        ("viewer", Some(&t.viewer.token)),
        ("outsider", Some(&t.outsider.token)),
        ("anonymous", None),
    ];
    let expected = [
        (&public, [&rw, &rw, &rw, &rw, &r, &r, &r, &r]),
        (&internal, [&rw, &rw, &rw, &rw, &r, &none, &none, &none]),
        (&private, [&rw, &rw, &rw, &rw, &none, &none, &none, &none]),
        (
            &private_of_guest,
            [&rw, &rw, &rw, &none, &none, &none, &none, &none],
        ),
    ];
    for (resource, row) in expected {
        for ((name, token), want) in who.iter().zip(row) {
            assert_eq!(
                &my_access(&t.app, *token, resource).await,
                want,
                "{name} on {resource}"
            );
        }
    }

    // Shares reach non-members and people the level leaves out.
    let shared = json!({ "input": { "resourceId": private, "safetyLevel": "PRIVATE", "sharedWith": [
        { "userId": t.outsider.id, "access": "READ" }, { "userId": t.guest.id, "access": "READ_WRITE" } ] } });
    let acl = t.app.gql(Some(&t.contributor.token), SET_ACL, shared).await;
    assert_eq!(
        acl.data("setAcl")[0]["sharedWith"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        my_access(&t.app, Some(&t.outsider.token), &private).await,
        r
    );
    assert_eq!(my_access(&t.app, Some(&t.guest.token), &private).await, rw);

    // An archived project makes READ_WRITE read only.
    t.app
        .gql(
            Some(&t.owner.token),
            "mutation($id: ID!) { archiveProject(id: $id) { archived } }",
            json!({ "id": t.project }),
        )
        .await
        .ok();
    assert_eq!(
        my_access(&t.app, Some(&t.contributor.token), &internal).await,
        r
    );
    assert_eq!(my_access(&t.app, Some(&t.guest.token), &private).await, r);
    assert_eq!(my_access(&t.app, Some(&t.admin.token), &private).await, r);
    let check =
        "query($r: ID!, $p: Permission!) { checkPermission(resourceId: $r, permission: $p) }";
    let write = t
        .app
        .gql(
            Some(&t.contributor.token),
            check,
            json!({ "r": internal, "p": "WRITE" }),
        )
        .await;
    assert_eq!(write.data("checkPermission"), false);
    let read = t
        .app
        .gql(
            Some(&t.contributor.token),
            check,
            json!({ "r": internal, "p": "READ" }),
        )
        .await;
    assert_eq!(read.data("checkPermission"), true);
    Ok(())
}

#[tokio::test]
async fn resources_are_created_nested_and_deleted_by_the_rules() -> TestResult {
    let t = team().await;
    let other_project = create(&t.app, &t.owner, "Other", "PROJECT", None).await;
    let app = &t.app;
    let create_as = |user: &TestUser, input: Value| {
        let token = user.token.clone();
        async move {
            app.gql(Some(&token), CREATE, json!({ "input": input }))
                .await
        }
    };
    create_as(
        &t.guest,
        json!({ "projectId": t.project, "kind": "dataset", "name": "x" }),
    )
    .await
    .expect_code("FORBIDDEN");
    create_as(
        &t.outsider,
        json!({ "projectId": t.project, "kind": "dataset", "name": "x" }),
    )
    .await
    .expect_code("NOT_FOUND");
    create_as(
        &t.contributor,
        json!({ "projectId": t.project, "kind": "", "name": "x" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let root = create_as(
        &t.contributor,
        json!({ "projectId": t.project, "kind": "dataset", "name": "Root" }),
    )
    .await;
    let root = root.data("createResource");
    assert_eq!(root["safetyLevel"], "INTERNAL");
    assert_eq!(root["owner"]["username"], "contributor");
    let root_id = root["id"].as_str().expect("id").to_owned();
    create_as(
        &t.contributor,
        json!({ "projectId": t.project, "kind": "dataset", "name": "root" }),
    )
    .await
    .expect_code("CONFLICT");
    create_as(
        &t.owner,
        json!({ "projectId": other_project, "parentId": root_id, "kind": "dataset", "name": "x" }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let child = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "child",
        "INTERNAL",
        Some(&root_id),
    )
    .await;
    let grandchild = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "grandchild",
        "INTERNAL",
        Some(&child),
    )
    .await;
    let listed = t
        .app
        .gql(
            Some(&t.guest.token),
            "query($id: ID!) { resource(id: $id) { children { totalCount edges { node { name parent { name } } } } } }",
            json!({ "id": root_id }),
        )
        .await;
    assert_eq!(listed.data("resource")["children"]["totalCount"], 1);
    assert_eq!(
        listed.data("resource")["children"]["edges"][0]["node"]["parent"]["name"],
        "Root"
    );

    let delete = "mutation($id: ID!) { deleteResource(id: $id) }";
    t.app
        .gql(Some(&t.guest.token), delete, json!({ "id": root_id }))
        .await
        .expect_code("FORBIDDEN");
    let deleted = t
        .app
        .gql(Some(&t.owner.token), delete, json!({ "id": root_id }))
        .await;
    assert_eq!(deleted.data("deleteResource"), &json!(root_id));
    assert_eq!(
        my_access(&t.app, Some(&t.owner.token), &grandchild).await,
        Value::Null
    );

    // Someone who owns resources cannot be deleted.
    create_resource(&t.app, &t.contributor, &t.project, "kept", "INTERNAL", None).await;
    t.app
        .gql(
            Some(&t.admin.token),
            "mutation($id: ID!) { deleteUser(id: $id) { id } }",
            json!({ "id": t.contributor.id }),
        )
        .await
        .expect_code("CONFLICT");
    Ok(())
}

#[tokio::test]
async fn only_those_who_may_change_an_acl_see_or_change_it() -> TestResult {
    let t = team().await;
    let id = create_resource(&t.app, &t.contributor, &t.project, "doc", "INTERNAL", None).await;
    let shared_with = "query($id: ID!) { resource(id: $id) { sharedWith { access } } }";
    t.app
        .gql(Some(&t.guest.token), shared_with, json!({ "id": id }))
        .await
        .expect_code("FORBIDDEN");
    t.app
        .gql(Some(&t.contributor.token), shared_with, json!({ "id": id }))
        .await
        .ok();
    t.app
        .gql(Some(&t.delegate.token), shared_with, json!({ "id": id }))
        .await
        .ok();
    let acl = "query($id: ID!) { acl(resourceId: $id) { safetyLevel sharedWith { access } resource { name } } }";
    t.app
        .gql(Some(&t.guest.token), acl, json!({ "id": id }))
        .await
        .expect_code("FORBIDDEN");
    t.app
        .gql(Some(&t.outsider.token), acl, json!({ "id": id }))
        .await
        .expect_code("NOT_FOUND");
    let read = t
        .app
        .gql(Some(&t.owner.token), acl, json!({ "id": id }))
        .await;
    assert_eq!(read.data("acl")["safetyLevel"], "INTERNAL");

    let app = &t.app;
    let set = |by: &TestUser, input: Value| {
        let token = by.token.clone();
        async move {
            app.gql(Some(&token), SET_ACL, json!({ "input": input }))
                .await
        }
    };
    set(
        &t.guest,
        json!({ "resourceId": id, "safetyLevel": "PUBLIC", "sharedWith": [] }),
    )
    .await
    .expect_code("FORBIDDEN");
    set(&t.owner, json!({ "resourceId": id, "safetyLevel": "PRIVATE", "sharedWith": [{ "userId": Uuid::now_v7(), "access": "READ" }] }))
        .await
        .expect_code("BAD_USER_INPUT");
    set(&t.owner, json!({ "resourceId": id, "safetyLevel": "PRIVATE", "sharedWith": [
        { "userId": t.guest.id, "access": "READ" }, { "userId": t.guest.id, "access": "READ_WRITE" } ] }))
        .await
        .expect_code("BAD_USER_INPUT");
    let changed = set(&t.delegate, json!({ "resourceId": id, "safetyLevel": "PRIVATE", "sharedWith": [{ "userId": t.viewer.id, "access": "READ" }] })).await;
    assert_eq!(changed.data("setAcl")[0]["safetyLevel"], "PRIVATE");
    assert_eq!(
        my_access(&t.app, Some(&t.guest.token), &id).await,
        Value::Null
    );
    assert_eq!(
        my_access(&t.app, Some(&t.viewer.token), &id).await,
        json!("READ")
    );

    let events = t
        .app
        .gql(
            Some(&t.admin.token),
            "{ auditEvents(first: 50) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = events.data("auditEvents")["edges"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|edge| edge["node"]["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"resource.create") && actions.contains(&"acl.set"),
        "{actions:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_cascade_sets_the_acl_of_a_whole_tree_in_one_go() -> TestResult {
    let t = team().await;
    let level1 = create_resource(&t.app, &t.contributor, &t.project, "l1", "INTERNAL", None).await;
    let level2 = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "l2",
        "PUBLIC",
        Some(&level1),
    )
    .await;
    let level3 = create_resource(
        &t.app,
        &t.delegate,
        &t.project,
        "l3",
        "INTERNAL",
        Some(&level2),
    )
    .await;
    let level4 = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "l4",
        "PRIVATE",
        Some(&level3),
    )
    .await;
    let input = json!({ "input": { "resourceId": level1, "safetyLevel": "PRIVATE", "cascade": true,
        "sharedWith": [{ "userId": t.outsider.id, "access": "READ" }] } });
    // The contributor owns l1 but not l3, so the cascade is refused as a whole.
    t.app
        .gql(Some(&t.contributor.token), SET_ACL, input.clone())
        .await
        .expect_code("FORBIDDEN");
    assert_eq!(
        my_access(&t.app, Some(&t.outsider.token), &level2).await,
        json!("READ")
    );
    let applied = t.app.gql(Some(&t.owner.token), SET_ACL, input).await;
    let acls = applied.data("setAcl").as_array().expect("acls").clone();
    let ids: BTreeSet<&str> = acls
        .iter()
        .filter_map(|acl| acl["resource"]["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([
            level1.as_str(),
            level2.as_str(),
            level3.as_str(),
            level4.as_str()
        ])
    );
    for acl in &acls {
        assert_eq!(acl["safetyLevel"], "PRIVATE");
        assert_eq!(acl["sharedWith"][0]["user"]["username"], "outsider");
    }
    for id in [&level1, &level2, &level3, &level4] {
        assert_eq!(
            my_access(&t.app, Some(&t.guest.token), id).await,
            Value::Null
        );
        assert_eq!(
            my_access(&t.app, Some(&t.outsider.token), id).await,
            json!("READ")
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_batch_of_acls_applies_all_or_nothing() -> TestResult {
    let t = team().await;
    let first = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "first",
        "INTERNAL",
        None,
    )
    .await;
    let second = create_resource(
        &t.app,
        &t.contributor,
        &t.project,
        "second",
        "INTERNAL",
        None,
    )
    .await;
    let batch = "mutation($inputs: [SetAclInput!]!) { setAcls(inputs: $inputs) { resource { id } safetyLevel } }";
    let item = |id: &str| json!({ "resourceId": id, "safetyLevel": "PUBLIC", "sharedWith": [] });
    let failed = t
        .app
        .gql(
            Some(&t.contributor.token),
            batch,
            json!({ "inputs": [item(&first), item(&Uuid::now_v7().to_string()), item(&second)] }),
        )
        .await;
    failed.expect_code("NOT_FOUND");
    assert!(failed.message().contains("item 1"), "{}", failed.message());
    assert_eq!(
        my_access(&t.app, Some(&t.outsider.token), &first).await,
        Value::Null,
        "nothing changed"
    );
    let unauthorized = t
        .app
        .gql(
            Some(&t.guest.token),
            batch,
            json!({ "inputs": [item(&first)] }),
        )
        .await;
    unauthorized.expect_code("FORBIDDEN");
    let applied = t
        .app
        .gql(
            Some(&t.contributor.token),
            batch,
            json!({ "inputs": [item(&first), item(&second)] }),
        )
        .await;
    assert_eq!(applied.data("setAcls").as_array().map(Vec::len), Some(2));
    assert_eq!(
        my_access(&t.app, Some(&t.outsider.token), &second).await,
        json!("READ")
    );
    Ok(())
}

#[tokio::test]
async fn resource_permissions_of_others_are_for_managers_and_superusers() -> TestResult {
    let t = team().await;
    let id = create_resource(&t.app, &t.contributor, &t.project, "doc", "INTERNAL", None).await;
    let check = "query($u: ID, $r: ID!, $p: Permission!) { checkPermission(userId: $u, resourceId: $r, permission: $p) }";
    let app = &t.app;
    let ask = |by: &TestUser, user: &TestUser, permission: &str| {
        let token = by.token.clone();
        let variables = json!({ "u": user.id, "r": id, "p": permission });
        async move { app.gql(Some(&token), check, variables).await }
    };
    assert_eq!(
        ask(&t.delegate, &t.guest, "READ")
            .await
            .data("checkPermission"),
        true
    );
    assert_eq!(
        ask(&t.delegate, &t.guest, "WRITE")
            .await
            .data("checkPermission"),
        false
    );
    assert_eq!(
        ask(&t.admin, &t.contributor, "WRITE")
            .await
            .data("checkPermission"),
        true
    );
    assert_eq!(
        ask(&t.admin, &t.outsider, "READ")
            .await
            .data("checkPermission"),
        false
    );
    ask(&t.contributor, &t.guest, "READ")
        .await
        .expect_code("FORBIDDEN");
    ask(&t.outsider, &t.guest, "READ")
        .await
        .expect_code("NOT_FOUND");
    let project_resources = t
        .app
        .gql(
            Some(&t.viewer.token),
            "query($id: ID!) { project(id: $id) { resources { totalCount } } }",
            json!({ "id": t.project }),
        )
        .await;
    project_resources.expect_code("FORBIDDEN");
    let listed = t
        .app
        .gql(
            Some(&t.guest.token),
            "query($id: ID!) { project(id: $id) { resources(kind: \"dataset\") { totalCount } none: resources(kind: \"model\") { totalCount } } }",
            json!({ "id": t.project }),
        )
        .await;
    assert_eq!(listed.data("project")["resources"]["totalCount"], 1);
    assert_eq!(listed.data("project")["none"]["totalCount"], 0);
    Ok(())
}

/// Turns on `roster.ip_restrict` for `project` with `network` as its only allowed
/// network, as `owner` asking from `from` (an address inside it).
pub async fn restrict_to_network(
    app: &TestApp,
    owner: &TestUser,
    project: &str,
    from: &str,
    network: &str,
) {
    let set = "mutation($id: ID!, $name: String!, $value: JSON!) { setProjectSetting(projectId: $id, namespace: \"roster\", name: $name, value: $value) { value } }";
    for (name, value) in [
        ("ip_allow_list", json!([network])),
        ("ip_restrict", json!(true)),
    ] {
        app.gql_via_proxy(
            Some(&owner.token),
            from,
            set,
            json!({ "id": project, "name": name, "value": value }),
        )
        .await
        .ok();
    }
}

/// Pages through `readableResources` (another user's: `user_id`; of one kind:
/// `kind`) and returns every id.
async fn readable_ids(
    app: &TestApp,
    token: &str,
    user_id: Option<Uuid>,
    kind: Option<&str>,
) -> BTreeSet<Uuid> {
    let query = "query($u: ID, $kind: String, $after: String) { readableResources(userId: $u, kind: $kind, first: 9, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }";
    let variables = json!({ "u": user_id, "kind": kind });
    all_pages(app, token, query, &["readableResources"], variables).await
}

/// The projects whose resources `member` may list (READ there, by `projects::view`),
/// and every resource `Project.resources` lists in them, each paged to its end.
async fn listed_by_project(
    app: &TestApp,
    member: &user::Model,
    token: &str,
) -> Result<(BTreeSet<Uuid>, BTreeSet<Uuid>), sea_orm::DbErr> {
    let query = "query($id: ID!, $after: String) { project(id: $id) { resources(first: 9, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }";
    let viewer = Viewer::signed_in(member.clone());
    let (mut read, mut listed) = (BTreeSet::new(), BTreeSet::new());
    for node in project::Entity::find().all(&app.state.db).await? {
        let Ok(view) = project_views::view(&app.state.db, &app.state, &viewer, node.id).await
        else {
            continue;
        };
        if view.access.allows(Permission::Read) {
            let path = &["project", "resources"];
            listed.extend(all_pages(app, token, query, path, json!({ "id": node.id })).await);
            read.insert(node.id);
        }
    }
    Ok((read, listed))
}

#[tokio::test]
async fn readable_resources_in_sql_equal_the_access_rules_row_by_row() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let db = &app.state.db;
    let mut rng = StdRng::seed_from_u64(20_261_123);
    let now = Utc::now();
    let users = crate::properties::random_users(&app, 12).await?;
    // A forest of categories three deep with projects under them.
    let mut nodes: Vec<project::Model> = Vec::new();
    for index in 0..30 {
        let parent = (index > 2).then(|| {
            let categories: Vec<&project::Model> = nodes
                .iter()
                .filter(|node| node.project_type == project::ProjectType::Category)
                .collect();
            categories[rng.random_range(0..categories.len())].id
        });
        let is_category = index < 8;
        let public_access = match rng.random_range(0..10) {
            0 => Some(role_assignment::Role::Guest),
            1 => Some(role_assignment::Role::Viewer),
            _ => None,
        };
        let node = project::ActiveModel {
            id: Set(Uuid::now_v7()),
            title: Set(format!("node {index}")),
            title_key: Set(format!("node {index}")),
            project_type: Set(if is_category {
                project::ProjectType::Category
            } else {
                project::ProjectType::Project
            }),
            parent_id: Set(parent),
            description: Set(None),
            readme: Set(None),
            public_access: Set(public_access),
            archived: Set(rng.random_range(0..8) == 0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        nodes.push(node);
    }
    // Rows written around the service: link the tree as its migrations would.
    migration::rebuild_project_ancestors(db).await?;
    let roles = [
        role_assignment::Role::Owner,
        role_assignment::Role::Delegate,
        role_assignment::Role::Contributor,
        role_assignment::Role::Guest,
        role_assignment::Role::Viewer,
        role_assignment::Role::Finder,
    ];
    for node in &nodes {
        for member in &users {
            if rng.random_range(0..5) != 0 {
                continue;
            }
            let expires_at = match rng.random_range(0..6) {
                0 => Some(now - chrono::Duration::hours(1)),
                1 => Some(now + chrono::Duration::days(3)),
                _ => None,
            };
            role_assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                project_id: Set(node.id),
                user_id: Set(member.id),
                role: Set(roles[rng.random_range(1..roles.len())]),
                expires_at: Set(expires_at),
                email_shared: Set(false),
                self_granted: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    let node_ids: Vec<Uuid> = nodes.iter().map(|node| node.id).collect();
    crate::properties::random_groups(db, &mut rng, &users, &node_ids).await?;
    let levels = [
        resource::SafetyLevel::Public,
        resource::SafetyLevel::Internal,
        resource::SafetyLevel::Private,
    ];
    let mut all_resources = Vec::new();
    for index in 0..250 {
        let node = &nodes[rng.random_range(0..nodes.len())];
        let model = resource::ActiveModel {
            id: Set(Uuid::now_v7()),
            project_id: Set(node.id),
            parent_id: Set(None),
            kind: Set(if index % 3 == 0 {
                "model".into()
            } else {
                "dataset".into()
            }),
            name: Set(format!("resource {index}")),
            name_key: Set(format!("resource {index}")),
            owner_id: Set(users[rng.random_range(0..users.len())].id),
            safety_level: Set(levels[rng.random_range(0..levels.len())]),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        if rng.random_range(0..3) == 0 {
            resource_share::ActiveModel {
                resource_id: Set(model.id),
                user_id: Set(users[rng.random_range(0..users.len())].id),
                access: Set(if rng.random_bool(0.5) {
                    resource_share::ShareAccess::Read
                } else {
                    resource_share::ShareAccess::ReadWrite
                }),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
        all_resources.push(model);
    }

    let kind_of: HashMap<Uuid, String> = all_resources
        .iter()
        .map(|r| (r.id, r.kind.clone()))
        .collect();
    let project_of: HashMap<Uuid, Uuid> =
        all_resources.iter().map(|r| (r.id, r.project_id)).collect();
    for member in &users {
        let viewer = Viewer::signed_in(member.clone());
        let mut expected = BTreeSet::new();
        for id in kind_of.keys() {
            if resources::view(db, &app.state, &viewer, *id).await.is_ok() {
                expected.insert(*id);
            }
        }
        let token = app.state.jwt.issue(
            member.id,
            0,
            Utc::now(),
            Utc::now() + chrono::Duration::minutes(10),
        )?;
        if member.is_active {
            assert_eq!(
                readable_ids(&app, &token, None, None).await,
                expected,
                "user {}",
                member.username
            );
            let models = expected.iter().filter(|id| kind_of[*id] == "model");
            assert_eq!(
                readable_ids(&app, &token, None, Some("model")).await,
                models.copied().collect(),
                "user {}, models",
                member.username
            );
            // Project.resources places the rule as a row condition, project by project.
            let (read, listed) = listed_by_project(&app, member, &token).await?;
            let in_projects_read = expected.iter().filter(|id| read.contains(&project_of[*id]));
            assert_eq!(
                listed,
                in_projects_read.copied().collect(),
                "user {}, by project",
                member.username
            );
        }
        assert_eq!(
            readable_ids(&app, &admin.token, Some(member.id), None).await,
            expected,
            "user {} as seen by a superuser",
            member.username
        );
    }
    let everything: BTreeSet<Uuid> = kind_of.keys().copied().collect();
    assert_eq!(
        readable_ids(&app, &admin.token, None, None).await,
        everything
    );
    let anonymous = app
        .gql(
            None,
            "{ readableResources(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    let public = resource::Entity::find()
        .all(db)
        .await?
        .iter()
        .filter(|r| r.safety_level == resource::SafetyLevel::Public)
        .count();
    assert_eq!(anonymous.data("readableResources")["totalCount"], public);
    let plain = &users[0];
    let token = app.state.jwt.issue(
        plain.id,
        0,
        Utc::now(),
        Utc::now() + chrono::Duration::minutes(10),
    )?;
    app.gql(
        Some(&token),
        "query($u: ID) { readableResources(userId: $u) { totalCount } }",
        json!({ "u": users[1].id }),
    )
    .await
    .expect_code("FORBIDDEN");
    Ok(())
}

#[tokio::test]
async fn an_address_restriction_closes_every_resource_below_it_even_public_ones() -> TestResult {
    let app = TestApp::spawn_with(&["--trusted-proxies", "127.0.0.1/32"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let bob = app.user(&admin, "bob").await;
    let lab = create(&app, &owner, "Lab", "CATEGORY", None).await;
    let study = create(&app, &owner, "Study", "PROJECT", Some(&lab)).await;
    let open = create(&app, &owner, "Open", "PROJECT", None).await;
    assign(&app, &owner, &lab, &bob, "CONTRIBUTOR").await;
    let public = create_resource(&app, &owner, &study, "public", "PUBLIC", None).await;
    let internal = create_resource(&app, &owner, &study, "internal", "INTERNAL", None).await;
    let elsewhere = create_resource(&app, &owner, &open, "elsewhere", "PUBLIC", None).await;
    // Carol holds no role: a share is her only way in.
    let carol = app.user(&admin, "carol").await;
    let private = create_resource(&app, &owner, &study, "private", "PRIVATE", None).await;
    let shared = json!({ "input": { "resourceId": private, "safetyLevel": "PRIVATE", "sharedWith": [
        { "userId": carol.id, "access": "READ" } ] } });
    app.gql(Some(&owner.token), SET_ACL, shared).await.ok();
    let (inside, outside) = ("203.0.113.9", "198.51.100.7");
    restrict_to_network(&app, &owner, &lab, inside, "203.0.113.0/24").await;
    let readable = "{ readableResources(first: 100) { totalCount edges { node { name } } } }";
    let names = |response: &Gql| -> BTreeSet<String> {
        response.data("readableResources")["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|edge| edge["node"]["name"].as_str().map(str::to_owned))
            .collect()
    };
    let access = "query($id: ID!) { resource(id: $id) { myAccess } }";

    let from_inside = app
        .gql_via_proxy(Some(&bob.token), inside, readable, json!({}))
        .await;
    assert_eq!(
        names(&from_inside),
        BTreeSet::from(["public".into(), "internal".into(), "elsewhere".into()])
    );
    let from_outside = app
        .gql_via_proxy(Some(&bob.token), outside, readable, json!({}))
        .await;
    assert_eq!(names(&from_outside), BTreeSet::from(["elsewhere".into()]));
    for (address, expected) in [
        (inside, vec!["elsewhere", "private", "public"]),
        (outside, vec!["elsewhere"]),
    ] {
        let carols = app
            .gql_via_proxy(Some(&carol.token), address, readable, json!({}))
            .await;
        let expected: BTreeSet<String> = expected.into_iter().map(str::to_owned).collect();
        assert_eq!(names(&carols), expected, "carol from {address}");
    }
    for id in [&public, &internal] {
        app.gql_via_proxy(Some(&bob.token), outside, access, json!({ "id": id }))
            .await
            .expect_code("NOT_FOUND");
        app.gql_via_proxy(None, outside, access, json!({ "id": id }))
            .await
            .expect_code("NOT_FOUND");
    }
    let anonymous_inside = app
        .gql_via_proxy(None, inside, access, json!({ "id": public }))
        .await;
    assert_eq!(anonymous_inside.data("resource")["myAccess"], "READ");
    let anonymous_outside = app.gql_via_proxy(None, outside, readable, json!({})).await;
    assert_eq!(
        names(&anonymous_outside),
        BTreeSet::from(["elsewhere".into()])
    );
    let check = "query($r: ID!) { checkPermission(resourceId: $r, permission: READ) }";
    let checked = app
        .gql_via_proxy(Some(&bob.token), outside, check, json!({ "r": internal }))
        .await;
    assert_eq!(checked.data("checkPermission"), false);
    // Superusers are never locked out, so someone can always lift a restriction.
    let superuser = app
        .gql_via_proxy(Some(&admin.token), outside, readable, json!({}))
        .await;
    assert_eq!(names(&superuser).len(), 4);
    let unrestricted = app
        .gql_via_proxy(
            Some(&bob.token),
            outside,
            access,
            json!({ "id": elsewhere }),
        )
        .await;
    assert_eq!(unrestricted.data("resource")["myAccess"], "READ");
    Ok(())
}
