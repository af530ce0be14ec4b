//! Statement budgets: the SQL statements a request costs, read from `/metrics`, must
//! not grow with the length of the lists it returns, and a permission check must not
//! grow with the depth of the category tree.

use serde_json::{Value, json};

use crate::common::{TestApp, TestUser};

/// The app's `roster_db_statements_total`.
async fn statements(app: &TestApp) -> u64 {
    let text = app
        .client()
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix("roster_db_statements_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no roster_db_statements_total in:\n{text}"))
}

/// The statement counter once the service's own background work has settled: on
/// PostgreSQL the event listener loads what earlier mutations announced, and on a
/// busy machine it may still be at it when the measured request starts.
async fn settled_statements(app: &TestApp) -> u64 {
    let mut last = statements(app).await;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = statements(app).await;
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

/// How many statements one successful request takes.
async fn cost(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> u64 {
    let before = settled_statements(app).await;
    app.gql(Some(&user.token), query, variables).await.ok();
    statements(app).await - before
}

/// Runs `calls` as the aliased fields of one mutation (they run in order) and
/// returns each one's result.
async fn mutate_all(app: &TestApp, user: &TestUser, calls: &[String]) -> Vec<Value> {
    let fields: String = calls
        .iter()
        .enumerate()
        .map(|(index, call)| format!("m{index}: {call}\n"))
        .collect();
    let response = app
        .gql(
            Some(&user.token),
            &format!("mutation {{\n{fields}}}"),
            json!({}),
        )
        .await;
    let data = response.ok();
    (0..calls.len())
        .map(|index| data[format!("m{index}")].clone())
        .collect()
}

/// Creates `count` projects under `parent` (or at the top level) and returns their ids.
async fn create_projects(
    app: &TestApp,
    admin: &TestUser,
    parent: Option<&str>,
    kind: &str,
    count: usize,
) -> Vec<String> {
    let parent = parent.map_or(String::new(), |id| format!(r#", parentId: "{id}""#));
    let calls: Vec<String> = (0..count)
        .map(|index| {
            format!(r#"createProject(input: {{title: "{kind} {index}", type: {kind}{parent}}}) {{ id }}"#)
        })
        .collect();
    mutate_all(app, admin, &calls)
        .await
        .iter()
        .map(|project| project["id"].as_str().expect("project id").to_owned())
        .collect()
}

async fn assign(app: &TestApp, admin: &TestUser, projects: &[String], user: &TestUser, role: &str) {
    let calls: Vec<String> = projects
        .iter()
        .map(|project| {
            format!(
                r#"assignRole(projectId: "{project}", userId: "{}", role: {role}) {{ id }}"#,
                user.id
            )
        })
        .collect();
    mutate_all(app, admin, &calls).await;
}

async fn invite(app: &TestApp, admin: &TestUser, projects: &[String], email: &str) {
    let calls: Vec<String> = projects
        .iter()
        .map(|project| {
            format!(
                r#"invite(input: {{projectId: "{project}", email: "{email}", role: GUEST}}) {{ id }}"#
            )
        })
        .collect();
    mutate_all(app, admin, &calls).await;
}

async fn create_resources(app: &TestApp, admin: &TestUser, projects: &[String]) {
    let calls: Vec<String> = projects
        .iter()
        .map(|project| {
            format!(
                r#"createResource(input: {{projectId: "{project}", kind: "dataset", name: "data"}}) {{ id }}"#
            )
        })
        .collect();
    mutate_all(app, admin, &calls).await;
}

/// A category holding 100 projects, each with a direct member, a pending invitation
/// and a resource, and 100 categories holding a project each; `lead` is a DELEGATE
/// of the top category, so of everything below it.
struct World {
    app: TestApp,
    lead: TestUser,
    few_invitations: TestUser,
    many_invitations: TestUser,
}

const MANY: usize = 100;
const FEW: usize = 10;

impl World {
    async fn build() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.superuser().await;
        let lead = app.user(&admin, "lead").await;
        let member = app.user(&admin, "member").await;
        let few_invitations = app.user(&admin, "few").await;
        let many_invitations = app.user(&admin, "many").await;
        let category = create_projects(&app, &admin, None, "CATEGORY", 1).await;
        assign(&app, &admin, &category, &lead, "DELEGATE").await;
        let projects = create_projects(&app, &admin, Some(&category[0]), "PROJECT", MANY).await;
        assign(&app, &admin, &projects, &member, "CONTRIBUTOR").await;
        invite(&app, &admin, &projects, "many@example.org").await;
        invite(&app, &admin, &projects[..FEW], "few@example.org").await;
        create_resources(&app, &admin, &projects).await;
        let subcategories =
            create_projects(&app, &admin, Some(&category[0]), "CATEGORY", MANY).await;
        let calls: Vec<String> = subcategories
            .iter()
            .map(|parent| {
                format!(r#"createProject(input: {{title: "inner", type: PROJECT, parentId: "{parent}"}}) {{ id }}"#)
            })
            .collect();
        mutate_all(&app, &admin, &calls).await;
        Self {
            app,
            lead,
            few_invitations,
            many_invitations,
        }
    }

    /// The statements of `query` with `$first` at 10 and at 100; asserts both pages
    /// really were that long, so the comparison means something.
    async fn cost_at_both_lengths(&self, query: &str, list: &str) -> (u64, u64) {
        let mut costs = Vec::new();
        for first in [FEW, MANY] {
            let response = self
                .app
                .gql(Some(&self.lead.token), query, json!({ "first": first }))
                .await;
            let edges = response.data(list)["edges"].as_array().map_or(0, Vec::len);
            assert_eq!(edges, first, "{list}(first: {first}) returned {edges} rows");
            costs.push(cost(&self.app, &self.lead, query, json!({ "first": first })).await);
        }
        (costs[0], costs[1])
    }
}

fn assert_flat(what: &str, (few, many): (u64, u64), at_most: u64) {
    assert_eq!(
        few, many,
        "{what}: {few} statements for {FEW} rows but {many} for {MANY}"
    );
    assert!(
        many <= at_most,
        "{what}: {many} statements, the budget is {at_most}"
    );
}

#[tokio::test]
async fn lists_cost_the_same_statements_however_long() {
    let world = World::build().await;

    let dashboard =
        "query($first: Int) { projects(type: PROJECT, first: $first) { totalCount edges { node {
        id title fullTitle owner { username } parent { id title }
        myAccess { role permissions sources { kind role } }
        members(first: 20) { totalCount edges { node { role inherited user { username email } } } }
    } } } }";
    assert_flat(
        "projects with owner, parent, myAccess and members",
        world.cost_at_both_lengths(dashboard, "projects").await,
        6,
    );

    let invitations = "query($first: Int) { projects(type: PROJECT, first: $first) { edges { node {
        invitations(first: 5) { totalCount edges { node { email status issuer { username } } } }
    } } } }";
    assert_flat(
        "Project.invitations",
        world.cost_at_both_lengths(invitations, "projects").await,
        8,
    );

    let events = "query($first: Int) { projects(type: PROJECT, first: $first) { edges { node {
        events(first: 5) { totalCount edges { node { action actor { username } } } }
    } } } }";
    assert_flat(
        "Project.events",
        world.cost_at_both_lengths(events, "projects").await,
        8,
    );

    let resources =
        "query($first: Int) { readableResources(first: $first) { totalCount edges { node {
        id name kind safetyLevel myAccess owner { username } project { title myAccess { role } }
        sharedWith { access user { username } }
    } } } }";
    assert_flat(
        "readableResources",
        world
            .cost_at_both_lengths(resources, "readableResources")
            .await,
        8,
    );

    let children = "query($first: Int) { projects(type: CATEGORY, first: $first) { edges { node {
        title children(first: 5) { totalCount edges { node { title myAccess { role } } } }
    } } } }";
    assert_flat(
        "Project.children",
        world.cost_at_both_lengths(children, "projects").await,
        8,
    );

    let mine = "{ myInvitations { id role project { title } issuer { username } } }";
    let mut listed = Vec::new();
    let mut costs = Vec::new();
    for user in [&world.few_invitations, &world.many_invitations] {
        let response = world.app.gql(Some(&user.token), mine, json!({})).await;
        listed.push(
            response
                .data("myInvitations")
                .as_array()
                .map_or(0, Vec::len),
        );
        costs.push(cost(&world.app, user, mine, json!({})).await);
    }
    assert_eq!(listed, [FEW, MANY]);
    assert_flat("myInvitations", (costs[0], costs[1]), 8);
}

#[tokio::test]
async fn a_permission_check_costs_one_statement_at_any_depth() {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let reader = app.user(&admin, "reader").await;
    let top_level = create_projects(&app, &admin, None, "PROJECT", 1).await;
    assign(&app, &admin, &top_level, &reader, "VIEWER").await;
    // Five nested categories, the reader's role granted at the top, and a project in
    // the innermost one: six levels.
    let mut parent: Option<String> = None;
    let mut categories = Vec::new();
    for _ in 0..5 {
        let id = create_projects(&app, &admin, parent.as_deref(), "CATEGORY", 1).await;
        parent = Some(id[0].clone());
        categories.push(id[0].clone());
    }
    assign(&app, &admin, &categories[..1], &reader, "VIEWER").await;
    let deep = create_projects(&app, &admin, parent.as_deref(), "PROJECT", 1).await;

    let check = "query($id: ID!) { project(id: $id) { myAccess { role } } }";
    let mut costs = Vec::new();
    for project in [&top_level[0], &deep[0]] {
        let response = app
            .gql(Some(&reader.token), check, json!({ "id": project }))
            .await;
        assert_eq!(response.data("project")["myAccess"]["role"], "VIEWER");
        costs.push(cost(&app, &reader, check, json!({ "id": project })).await);
    }
    // The viewer's row rides along with the chain: one statement, at any depth.
    assert_eq!(costs, [1, 1], "statements at depth 1 and at depth 6");
}

#[tokio::test]
async fn checks_and_the_dashboard_cost_the_same_whether_grants_come_from_users_or_groups() {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let direct = app.user(&admin, "direct").await;
    let grouped = app.user(&admin, "grouped").await;
    let category = create_projects(&app, &admin, None, "CATEGORY", 1).await;
    let projects = create_projects(&app, &admin, Some(&category[0]), "PROJECT", MANY).await;
    assign(&app, &admin, &projects, &direct, "CONTRIBUTOR").await;
    let team = mutate_all(
        &app,
        &admin,
        &[r#"createGroup(name: "Team") { id }"#.to_owned()],
    )
    .await;
    let team = team[0]["id"].as_str().expect("group id").to_owned();
    let grouped_id = &grouped.id;
    let mut calls = vec![
        format!(r#"addGroupMember(groupId: "{team}", userId: "{grouped_id}") {{ role }}"#),
        format!(
            r#"assignGroupRole(projectId: "{}", groupId: "{team}", role: GUEST) {{ id }}"#,
            category[0]
        ),
    ];
    calls.extend(projects.iter().map(|project| {
        format!(r#"assignGroupRole(projectId: "{project}", groupId: "{team}", role: CONTRIBUTOR) {{ id }}"#)
    }));
    for chunk in calls.chunks(25) {
        mutate_all(&app, &admin, chunk).await;
    }

    let dashboard =
        "query($first: Int) { projects(type: PROJECT, first: $first) { totalCount edges { node {
        id title fullTitle owner { username } parent { id title }
        myAccess { role permissions sources { kind role } }
        members(first: 3) { totalCount edges { node { role user { username } } } }
        groupAssignments(first: 3) { totalCount edges { node { role group { name } } } }
    } } } }";
    let check = "query($id: ID!) { project(id: $id) { myAccess { role } } }";
    let mut dashboards = Vec::new();
    let mut checks = Vec::new();
    for user in [&direct, &grouped] {
        for first in [FEW, MANY] {
            let response = app
                .gql(Some(&user.token), dashboard, json!({ "first": first }))
                .await;
            let edges = response.data("projects")["edges"]
                .as_array()
                .map_or(0, Vec::len);
            assert_eq!(edges, first, "{}: {edges} rows", user.username);
            dashboards.push(cost(&app, user, dashboard, json!({ "first": first })).await);
        }
        let response = app
            .gql(Some(&user.token), check, json!({ "id": projects[0] }))
            .await;
        assert_eq!(response.data("project")["myAccess"]["role"], "CONTRIBUTOR");
        checks.push(cost(&app, user, check, json!({ "id": projects[0] })).await);
    }
    assert!(
        dashboards.iter().all(|cost| *cost == dashboards[0]),
        "dashboard statements (direct few, many; grouped few, many): {dashboards:?}"
    );
    assert!(dashboards[0] <= 9, "the dashboard took {dashboards:?}");
    assert_eq!(checks[0], checks[1], "checks (direct, grouped): {checks:?}");
    assert!(checks[1] <= 2, "a permission check took {checks:?}");
}

#[tokio::test]
async fn group_lists_cost_the_same_statements_however_long() {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let member = app.user(&admin, "member").await;
    let projects = create_projects(&app, &admin, None, "PROJECT", MANY).await;
    let creates: Vec<String> = (0..MANY)
        .map(|index| format!(r#"createGroup(name: "Group {index:03}") {{ id }}"#))
        .collect();
    let mut groups = Vec::new();
    for chunk in creates.chunks(25) {
        for created in mutate_all(&app, &admin, chunk).await {
            groups.push(created["id"].as_str().expect("group id").to_owned());
        }
    }
    let member_id = &member.id;
    let calls: Vec<String> = groups
        .iter()
        .zip(&projects)
        .flat_map(|(group, project)| {
            [
                format!(r#"addGroupMember(groupId: "{group}", userId: "{member_id}") {{ role }}"#),
                format!(
                    r#"assignGroupRole(projectId: "{project}", groupId: "{group}", role: GUEST) {{ id }}"#
                ),
            ]
        })
        .collect();
    for chunk in calls.chunks(25) {
        mutate_all(&app, &admin, chunk).await;
    }
    let query = "query($first: Int) { groups(first: $first) { totalCount edges { node {
        name myMembership
        members(first: 5) { totalCount edges { node { role user { username } } } }
        roleAssignments(first: 5) { totalCount edges { node { role project { title myAccess { role } } group { name } } } }
    } } } }";
    let mut costs = Vec::new();
    for first in [FEW, MANY] {
        let response = app
            .gql(Some(&member.token), query, json!({ "first": first }))
            .await;
        let edges = response.data("groups")["edges"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(edges, first, "groups(first: {first}) returned {edges} rows");
        costs.push(cost(&app, &member, query, json!({ "first": first })).await);
    }
    // 9: one of them reads the address restrictions, which decide whether a role
    // held behind one shows a group from the client's address.
    assert_flat(
        "groups with members and roleAssignments",
        (costs[0], costs[1]),
        9,
    );
}

/// Every PostgreSQL session of the service plans with its settings (fast plans on
/// the bench depend on them); SQLite has no such settings.
#[tokio::test]
async fn postgres_sessions_carry_the_planner_settings() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::spawn().await;
    if app.state.db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    for (name, expected) in roster::app::POSTGRES_SESSION_SETTINGS {
        let row = app
            .state
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT current_setting('{name}') AS value"),
            ))
            .await
            .expect("reading a setting")
            .expect("one row");
        let value: String = row.try_get("", "value").expect("a text value");
        assert_eq!(value, expected, "{name}");
    }
}

#[tokio::test]
async fn members_of_many_projects_cost_one_statement_per_page_shape() {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let member = app.user(&admin, "member").await;
    let category = create_projects(&app, &admin, None, "CATEGORY", 1).await;
    assign(&app, &admin, &category, &member, "VIEWER").await;
    let projects = create_projects(&app, &admin, Some(&category[0]), "PROJECT", FEW).await;
    assign(&app, &admin, &projects, &member, "CONTRIBUTOR").await;
    let list = |members: &str| {
        format!(
            "{{ projects(type: PROJECT, first: {FEW}) {{ edges {{ node {{ id {members} }} }} }} }}"
        )
    };
    let base = cost(&app, &admin, &list(""), json!({})).await;
    let edges = "edges { node { role inherited } }";
    // Each project's chain: the admin's ownership and the member's role, on the project
    // and on the category.
    for (what, members, statements) in [
        (
            "without totalCount",
            format!("a: members(first: 2) {{ {edges} }}"),
            1,
        ),
        (
            "with totalCount",
            format!("a: members(first: 2) {{ totalCount {edges} }}"),
            1,
        ),
        (
            "with and without totalCount",
            format!(
                "a: members(first: 2) {{ totalCount {edges} }} b: members(first: 2) {{ {edges} }}"
            ),
            2,
        ),
    ] {
        let query = list(&members);
        let response = app.gql(Some(&admin.token), &query, json!({})).await;
        let nodes = response.data("projects")["edges"]
            .as_array()
            .expect("projects")
            .clone();
        assert_eq!(nodes.len(), FEW, "{what}");
        for node in &nodes {
            let page = &node["node"]["a"];
            assert_eq!(page["edges"].as_array().map_or(0, Vec::len), 2, "{what}");
            if members.contains("totalCount") {
                assert_eq!(page["totalCount"], 4, "{what}");
            }
        }
        let spent = cost(&app, &admin, &query, json!({})).await - base;
        assert_eq!(spent, statements, "members {what}: {spent} statements");
    }
}
