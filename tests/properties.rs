//! Property tests of the access engine on random trees: the closure table follows the
//! parent links through random creates, moves and deletes, and the projects listed in
//! SQL are exactly those the rules of `access.rs` let each user find, row by row.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, Utc};
use entity::{group, group_member, group_role_assignment, project, role_assignment, user};
use rand::{Rng, SeedableRng, rngs::StdRng};
use roster::{auth::Viewer, domain::projects};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, FromQueryResult, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    common::{TestApp, TestResult, TestUser},
    projects::{create, update},
};

/// A random forest made through the API: `categories` categories first, then
/// projects, each under a random earlier category or at the top.
async fn random_forest(
    app: &TestApp,
    admin: &TestUser,
    rng: &mut StdRng,
    size: usize,
) -> Vec<(String, bool)> {
    let mut nodes: Vec<(String, bool)> = Vec::new();
    for index in 0..size {
        let is_category = index < size / 3;
        let categories: Vec<&String> = nodes.iter().filter(|n| n.1).map(|n| &n.0).collect();
        let parent = (!categories.is_empty() && rng.random_range(0..4) != 0)
            .then(|| categories[rng.random_range(0..categories.len())].clone());
        let kind = if is_category { "CATEGORY" } else { "PROJECT" };
        let id = create(
            app,
            admin,
            &format!("node {index}"),
            kind,
            parent.as_deref(),
        )
        .await;
        nodes.push((id, is_category));
    }
    nodes
}

#[derive(FromQueryResult, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct AncestorRow {
    project_id: Uuid,
    ancestor_id: Uuid,
    depth: i32,
}

/// Every (project, ancestor, depth) the parent links imply, the project itself at 0.
async fn implied_by_parents(app: &TestApp) -> Result<BTreeSet<(Uuid, Uuid, i32)>, sea_orm::DbErr> {
    let parents: HashMap<Uuid, Option<Uuid>> = project::Entity::find()
        .all(&app.state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.parent_id))
        .collect();
    let mut rows = BTreeSet::new();
    for id in parents.keys() {
        let (mut at, mut depth) = (Some(*id), 0);
        while let Some(node) = at {
            rows.insert((*id, node, depth));
            at = parents[&node];
            depth += 1;
        }
    }
    Ok(rows)
}

async fn stored_ancestors(app: &TestApp) -> Result<BTreeSet<(Uuid, Uuid, i32)>, sea_orm::DbErr> {
    let backend = app.state.db.get_database_backend();
    let rows = AncestorRow::find_by_statement(sea_orm::Statement::from_string(
        backend,
        "SELECT project_id, ancestor_id, depth FROM project_ancestors",
    ))
    .all(&app.state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.project_id, row.ancestor_id, row.depth))
        .collect())
}

#[tokio::test]
async fn the_ancestors_table_follows_random_creates_moves_and_deletes() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let mut rng = StdRng::seed_from_u64(20_261_130);
    let nodes = random_forest(&app, &admin, &mut rng, 30).await;
    assert_eq!(
        stored_ancestors(&app).await?,
        implied_by_parents(&app).await?
    );
    let categories: Vec<&String> = nodes.iter().filter(|n| n.1).map(|n| &n.0).collect();
    let mut moved = 0;
    for _ in 0..60 {
        let node = &nodes[rng.random_range(0..nodes.len())].0;
        let destination = if rng.random_range(0..5) == 0 {
            Value::Null
        } else {
            json!(categories[rng.random_range(0..categories.len())])
        };
        // Cycles and title clashes are refused; the table must hold either way.
        let response = update(&app, &admin, node, json!({ "parentId": destination })).await;
        if response.body.get("errors").is_none() {
            moved += 1;
        }
    }
    assert!(moved > 20, "only {moved} moves went through");
    assert_eq!(
        stored_ancestors(&app).await?,
        implied_by_parents(&app).await?
    );
    // Deleting leaves (projects) takes their rows along.
    for (id, is_category) in nodes.iter().take(20).skip(10) {
        if !is_category {
            app.gql(
                Some(&admin.token),
                "mutation($id: ID!) { deleteProject(id: $id) }",
                json!({ "id": id }),
            )
            .await
            .ok();
        }
    }
    assert_eq!(
        stored_ancestors(&app).await?,
        implied_by_parents(&app).await?
    );
    Ok(())
}

/// Random groups straight into the database: a few groups with random members
/// (managers or not), each holding random group roles on random projects, some
/// expired, some expiring later.
pub async fn random_groups(
    db: &DatabaseConnection,
    rng: &mut StdRng,
    users: &[user::Model],
    projects: &[Uuid],
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let roles = [
        role_assignment::Role::Contributor,
        role_assignment::Role::Guest,
        role_assignment::Role::Viewer,
        role_assignment::Role::Finder,
    ];
    for index in 0..4 {
        let team = group::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(format!("group {index}")),
            description: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        for member in users {
            if rng.random_range(0..3) != 0 {
                continue;
            }
            group_member::ActiveModel {
                group_id: Set(team.id),
                user_id: Set(member.id),
                role: Set(if rng.random_bool(0.3) {
                    group_member::MemberRole::Manager
                } else {
                    group_member::MemberRole::Member
                }),
                added_at: Set(now),
            }
            .insert(db)
            .await?;
        }
        for project_id in projects {
            if rng.random_range(0..5) != 0 {
                continue;
            }
            group_role_assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                project_id: Set(*project_id),
                group_id: Set(team.id),
                role: Set(roles[rng.random_range(0..roles.len())]),
                expires_at: Set(match rng.random_range(0..5) {
                    0 => Some(now - Duration::hours(1)),
                    1 => Some(now + Duration::days(3)),
                    _ => None,
                }),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// `count` users written straight into the database, `random0`…; the last one is
/// deactivated.
pub async fn random_users(app: &TestApp, count: usize) -> Result<Vec<user::Model>, sea_orm::DbErr> {
    let now = Utc::now();
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$WXlhbmdsaWtlc2FsdHlzYWx0eXNhbHQ";
    let mut users = Vec::with_capacity(count);
    for index in 0..count {
        let model = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            username: Set(format!("random{index}")),
            email: Set(format!("random{index}@example.org")),
            email_verified: Set(true),
            pending_email: Set(None),
            name: Set(String::new()),
            password_hash: Set(hash.to_owned()),
            is_superuser: Set(false),
            is_system: Set(false),
            is_active: Set(index + 1 != count),
            session_epoch: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&app.state.db)
        .await?;
        users.push(model);
    }
    Ok(users)
}

/// Random grants straight into the database: roles, expired or not, public access
/// and archives, for active and deactivated users, and groups holding roles.
async fn random_grants(
    app: &TestApp,
    rng: &mut StdRng,
) -> Result<Vec<user::Model>, sea_orm::DbErr> {
    let db = &app.state.db;
    let now = Utc::now();
    let users = random_users(app, 10).await?;
    let roles = [
        role_assignment::Role::Delegate,
        role_assignment::Role::Contributor,
        role_assignment::Role::Guest,
        role_assignment::Role::Viewer,
        role_assignment::Role::Finder,
    ];
    for node in project::Entity::find().all(db).await? {
        let mut active: project::ActiveModel = node.clone().into();
        active.public_access = Set(match rng.random_range(0..12) {
            0 => Some(role_assignment::Role::Guest),
            1 => Some(role_assignment::Role::Viewer),
            _ => None,
        });
        active.archived = Set(rng.random_range(0..8) == 0);
        active.update(db).await?;
        for member in &users {
            if rng.random_range(0..6) != 0 {
                continue;
            }
            role_assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                project_id: Set(node.id),
                user_id: Set(member.id),
                role: Set(roles[rng.random_range(0..roles.len())]),
                expires_at: Set(match rng.random_range(0..5) {
                    0 => Some(now - Duration::hours(1)),
                    1 => Some(now + Duration::days(3)),
                    _ => None,
                }),
                email_shared: Set(false),
                self_granted: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    let projects: Vec<Uuid> = project::Entity::find()
        .all(db)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    random_groups(db, rng, &users, &projects).await?;
    Ok(users)
}

/// Pages through the connection at `path` (its first key a field of `data`) that
/// `query` (taking `$after` beside `variables`) asks for, and returns every id; the
/// total must match what was listed.
pub async fn all_pages(
    app: &TestApp,
    token: &str,
    query: &str,
    path: &[&str],
    variables: Value,
) -> BTreeSet<Uuid> {
    let mut ids = BTreeSet::new();
    let mut after = Value::Null;
    loop {
        let mut page_variables = variables.clone();
        page_variables["after"] = after;
        let response = app.gql(Some(token), query, page_variables).await;
        let page = path[1..]
            .iter()
            .fold(response.data(path[0]), |value, key| &value[*key]);
        for edge in page["edges"].as_array().expect("edges") {
            let id = edge["node"]["id"]
                .as_str()
                .expect("id")
                .parse()
                .expect("uuid");
            assert!(ids.insert(id), "an item of {path:?} appeared twice");
        }
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"].as_u64(), Some(ids.len() as u64));
            return ids;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// Pages through `projects` and returns every id.
async fn listed_ids(app: &TestApp, token: &str) -> BTreeSet<Uuid> {
    let query = "query($after: String) { projects(first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }";
    all_pages(app, token, query, &["projects"], json!({})).await
}

#[tokio::test]
async fn projects_listed_in_sql_equal_the_access_rules_row_by_row() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let mut rng = StdRng::seed_from_u64(11);
    random_forest(&app, &admin, &mut rng, 36).await;
    let users = random_grants(&app, &mut rng).await?;
    let all: Vec<Uuid> = project::Entity::find()
        .all(&app.state.db)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    for member in users.iter().filter(|member| member.is_active) {
        let viewer = Viewer::signed_in(member.clone());
        let mut expected = BTreeSet::new();
        for id in &all {
            if projects::view(&app.state.db, &app.state, &viewer, *id)
                .await
                .is_ok()
            {
                expected.insert(*id);
            }
        }
        let token =
            app.state
                .jwt
                .issue(member.id, 0, Utc::now(), Utc::now() + Duration::minutes(10))?;
        assert_eq!(
            listed_ids(&app, &token).await,
            expected,
            "user {}",
            member.username
        );
    }
    let everything: BTreeSet<Uuid> = all.into_iter().collect();
    assert_eq!(listed_ids(&app, &admin.token).await, everything);
    Ok(())
}
