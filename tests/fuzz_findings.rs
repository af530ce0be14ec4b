//! What `scripts/fuzz` and probing after it found, each kept as a regression test:
//! no input a client can send may end in an INTERNAL error.
//!
//! A NUL character is valid in a GraphQL string and in SQLite text, but PostgreSQL
//! text cannot hold it: there the statement fails, which used to answer INTERNAL.

use serde_json::json;

use crate::common::{Gql, TestApp, TestResult};

fn on_postgres() -> bool {
    std::env::var("ROSTER_TEST_BACKEND").as_deref() == Ok("postgres")
}

/// On PostgreSQL the answer must be BAD_USER_INPUT; on SQLite, which stores the
/// text, `sqlite_code` (None: success). Never INTERNAL on either.
fn expect_nul_refused_on_postgres(response: &Gql, sqlite_code: Option<&str>) {
    assert_ne!(response.code(), Some("INTERNAL"), "{}", response.body);
    if on_postgres() {
        response.expect_code("BAD_USER_INPUT");
        assert!(response.message().contains("NUL"), "{}", response.body);
    } else if let Some(code) = sqlite_code {
        response.expect_code(code);
    } else {
        response.ok();
    }
}

#[tokio::test]
async fn a_login_whose_username_holds_a_nul_character_is_not_an_internal_error() -> TestResult {
    let app = TestApp::spawn().await;
    app.superuser().await;
    let response = app
        .gql(
            None,
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
            json!({ "u": "ad\u{0}min", "p": "a long enough guess" }),
        )
        .await;
    expect_nul_refused_on_postgres(&response, Some("UNAUTHENTICATED"));
    Ok(())
}

#[tokio::test]
async fn a_user_list_cursor_that_decodes_to_nul_characters_is_not_an_internal_error() -> TestResult
{
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    // "AAAA" is the base64 of three NUL bytes: valid UTF-8, so it passes as a cursor.
    let response = app
        .gql(
            Some(&admin.token),
            "{ users(first: 5, after: \"AAAA\") { totalCount } }",
            json!({}),
        )
        .await;
    expect_nul_refused_on_postgres(&response, None);
    Ok(())
}

#[tokio::test]
async fn a_project_title_with_a_nul_character_is_not_an_internal_error_nor_half_written()
-> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let response = app
        .gql(
            Some(&admin.token),
            "mutation($title: String!) { createProject(input: {title: $title, type: PROJECT}) { id } }",
            json!({ "title": "a\u{0}b" }),
        )
        .await;
    // Titles refuse every control character, NUL included, on both backends.
    response.expect_code("BAD_USER_INPUT");
    let projects = app
        .gql(
            Some(&admin.token),
            "{ projects(first: 10) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        projects.data("projects")["totalCount"],
        json!(0),
        "{}",
        projects.body
    );
    Ok(())
}
