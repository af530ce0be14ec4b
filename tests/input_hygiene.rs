//! Control characters are refused in titles, names, messages and descriptions (a
//! title with a newline once forged a log line); free texts keep their line breaks.

use serde_json::{Value, json};

use crate::{
    common::{Gql, TestApp, TestResult, TestUser},
    projects::create,
};

async fn gql(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Gql {
    app.gql(Some(&user.token), query, variables).await
}

#[tokio::test]
async fn control_characters_are_refused_in_titles_names_messages_and_descriptions() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let project = create(&app, &owner, "Clean", "PROJECT", None).await;
    let create_project =
        "mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }";
    let update_project = "mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { description } }";
    let create_user = "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }";
    let update_user = "mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id } }";
    let create_resource =
        "mutation($input: CreateResourceInput!) { createResource(input: $input) { id } }";
    let invite = "mutation($input: InviteInput!) { invite(input: $input) { message } }";
    let api_token = "mutation($name: String!) { createApiToken(name: $name) { token } }";
    let refused = [
        (
            create_project,
            json!({ "input": { "title": "Forged\nINFO admin logged in", "type": "PROJECT" } }),
        ),
        (
            create_project,
            json!({ "input": { "title": "Tab\there", "type": "PROJECT" } }),
        ),
        (
            create_project,
            json!({ "input": { "title": "Bell", "type": "PROJECT", "description": "ring\u{7}" } }),
        ),
        (
            update_project,
            json!({ "id": project, "input": { "title": "Clean\r" } }),
        ),
        (
            update_project,
            json!({ "id": project, "input": { "description": "\u{1b}[2Jcleared" } }),
        ),
        (
            create_user,
            json!({ "input": { "username": "eve", "email": "eve@example.org", "password": "correct horse battery", "name": "Eve\nAdmin" } }),
        ),
        (
            update_user,
            json!({ "id": owner.id, "input": { "name": "Owner\u{0}" } }),
        ),
        (
            create_resource,
            json!({ "input": { "projectId": project, "kind": "dataset", "name": "raw\ndata" } }),
        ),
        (
            invite,
            json!({ "input": { "projectId": project, "email": "a@example.org", "role": "GUEST", "message": "hi\u{8}\u{8}" } }),
        ),
        (api_token, json!({ "name": "ci\nadmin" })),
    ];
    for (query, variables) in refused {
        let by = if query == create_user { &admin } else { &owner };
        let response = gql(&app, by, query, variables.clone()).await;
        assert_eq!(
            response.code(),
            Some("BAD_USER_INPUT"),
            "{variables}: {:?}",
            response.body
        );
    }
    // Line breaks stay in free texts, a browser's CRLF as LF.
    let described = gql(
        &app,
        &owner,
        update_project,
        json!({ "id": project, "input": { "description": "line one\r\nline two" } }),
    )
    .await;
    assert_eq!(
        described.data("updateProject")["description"],
        "line one\nline two"
    );
    let invited = gql(
        &app,
        &owner,
        invite,
        json!({ "input": { "projectId": project, "email": "b@example.org", "role": "GUEST", "message": "Hello,\nwelcome" } }),
    )
    .await;
    assert_eq!(invited.data("invite")["message"], "Hello,\nwelcome");
    Ok(())
}
