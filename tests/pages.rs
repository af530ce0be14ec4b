//! The page behind an invitation link, over HTTP as a browser without JavaScript
//! uses it: GET shows and changes nothing, a POST needs the CSRF value that belongs
//! to its cookie, and everything shown is escaped.

use reqwest::header;
use serde_json::json;

use crate::{
    common::{PASSWORD, TestApp, TestResult, TestUser},
    projects::create,
};

/// A page as the test client saw it.
struct Page {
    status: u16,
    headers: header::HeaderMap,
    body: String,
}

impl Page {
    async fn from(response: reqwest::Response) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("a page body"),
        }
    }

    /// The `name=value` of the CSRF cookie the page sets.
    fn cookie(&self) -> String {
        let set = self.headers[header::SET_COOKIE]
            .to_str()
            .expect("an ASCII cookie");
        assert!(
            set.contains("SameSite=Strict") && set.contains("HttpOnly"),
            "{set}"
        );
        set.split(';').next().expect("name=value").to_owned()
    }

    /// The CSRF value in the page's forms.
    fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in {}", self.body));
        let rest = &self.body[start + marker.len()..];
        rest[..rest.find('"').expect("a closing quote")].to_owned()
    }
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (byte as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn open(app: &TestApp, path: &str) -> Page {
    Page::from(
        app.client()
            .get(app.url(path))
            .send()
            .await
            .expect("GET the page"),
    )
    .await
}

async fn submit(app: &TestApp, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Page {
    let mut request = app
        .client()
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(fields));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    Page::from(request.send().await.expect("POST the form")).await
}

/// Invites `email` into a new project and returns the link's token from the outbox.
async fn invitation(app: &TestApp, owner: &TestUser, title: &str, email: &str) -> String {
    let project = create(app, owner, title, "PROJECT", None).await;
    app.gql(
        Some(&owner.token),
        "mutation($input: InviteInput!) { invite(input: $input) { id } }",
        json!({ "input": { "projectId": project, "email": email, "role": "CONTRIBUTOR",
                           "message": "Come <b>in</b> & stay" } }),
    )
    .await
    .ok();
    crate::email_verification::link_token(app, email, "/invitations/").await
}

/// The stored status of the invitation behind a link (`invitationByToken` answers
/// only while it is pending).
async fn status(app: &TestApp, token: &str) -> String {
    use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter};
    entity::invitation::Entity::find()
        .filter(entity::invitation::Column::TokenHash.eq(roster::auth::secret::digest(token)))
        .one(&app.state.db)
        .await
        .expect("the invitations")
        .expect("the link's invitation")
        .status
        .to_value()
}

#[tokio::test]
async fn opening_an_invitation_link_shows_it_escaped_and_consumes_nothing() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let token = invitation(&app, &owner, "<script>alert(1)</script>", "new@example.org").await;
    let path = format!("/invitations/{token}");
    for _ in 0..2 {
        let page = open(&app, &path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for (name, expected) in [
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
        ] {
            assert_eq!(page.headers[&name], expected);
        }
        let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str()?;
        assert!(policy.contains("default-src 'none'") && policy.contains("form-action 'self'"));
        for expected in [
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "CONTRIBUTOR",
            "User owner",
            "new@example.org",
            "Come &lt;b&gt;in&lt;/b&gt; &amp; stay",
            "Create account and accept",
            "Decline the invitation",
            r#"name="viewport""#,
        ] {
            assert!(
                page.body.contains(expected),
                "{expected} missing: {}",
                page.body
            );
        }
        assert!(!page.body.contains("<script>"), "{}", page.body);
        assert!(
            !page.body.contains("://"),
            "an external reference: {}",
            page.body
        );
        page.cookie();
    }
    assert_eq!(status(&app, &token).await, "PENDING");
    let css = app
        .client()
        .get(app.url("/assets/pages.css"))
        .send()
        .await?;
    assert_eq!(css.status(), 200);
    let unknown = open(&app, "/invitations/rsi_nothing").await;
    assert_eq!(unknown.status, 404);
    assert!(
        !unknown.body.contains("rsi_nothing"),
        "the page echoes the secret"
    );
    Ok(())
}

#[tokio::test]
async fn a_form_without_its_csrf_value_changes_nothing() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let token = invitation(&app, &owner, "Guarded", "new@example.org").await;
    let path = format!("/invitations/{token}");
    let page = open(&app, &path).await;
    let (cookie, csrf) = (page.cookie(), page.csrf());
    let signup = [("username", "newcomer"), ("password", PASSWORD)];

    let no_cookie = submit(
        &app,
        &path,
        None,
        &[
            &[("csrf", csrf.as_str()), ("action", "decline")][..],
            &signup,
        ]
        .concat(),
    )
    .await;
    assert_eq!(no_cookie.status, 403, "{}", no_cookie.body);
    let no_value = submit(&app, &path, Some(&cookie), &[("action", "decline")]).await;
    assert_eq!(no_value.status, 403);
    let other_cookie = open(&app, &path).await.cookie();
    let mismatched = submit(
        &app,
        &path,
        Some(&other_cookie),
        &[("csrf", &csrf), ("action", "decline")],
    )
    .await;
    assert_eq!(mismatched.status, 403);
    // A value made for another link does not fit this one.
    let other_token = invitation(&app, &owner, "Elsewhere", "new@example.org").await;
    let other_page = open(&app, &format!("/invitations/{other_token}")).await;
    let borrowed = submit(
        &app,
        &path,
        Some(&other_page.cookie()),
        &[("csrf", &other_page.csrf()), ("action", "decline")],
    )
    .await;
    assert_eq!(borrowed.status, 403);
    assert_eq!(status(&app, &token).await, "PENDING");

    let declined = submit(
        &app,
        &path,
        Some(&cookie),
        &[("csrf", &csrf), ("action", "decline")],
    )
    .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert!(declined.body.contains("You declined"), "{}", declined.body);
    assert!(
        !declined.body.contains("Decline the invitation"),
        "no forms once answered"
    );
    assert_eq!(status(&app, &token).await, "DECLINED");
    Ok(())
}

#[tokio::test]
async fn a_newcomer_signs_up_and_joins_through_the_page_under_the_public_path() -> TestResult {
    let app = TestApp::spawn_with(&["--public-url", "https://roster.example.org/people/"]).await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    let token = invitation(&app, &owner, "Genomes", "new@example.org").await;
    let path = format!("/people/invitations/{token}");
    let page = open(&app, &path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let set_cookie = page.headers[header::SET_COOKIE].to_str()?;
    assert!(
        set_cookie.contains("Secure") && set_cookie.contains("Path=/people"),
        "{set_cookie}"
    );
    assert!(
        page.body.contains(r#"href="/people/assets/pages.css""#),
        "{}",
        page.body
    );
    let (cookie, csrf) = (page.cookie(), page.csrf());

    let weak = submit(
        &app,
        &path,
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("action", "signup"),
            ("username", "newcomer"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(weak.status, 400, "{}", weak.body);
    assert!(
        weak.body.contains("Create account and accept"),
        "the form is shown again"
    );
    let joined = submit(
        &app,
        &path,
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("action", "signup"),
            ("username", "newcomer"),
            ("name", "New <Person>"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    assert!(joined.body.contains("Welcome, newcomer"), "{}", joined.body);
    assert_eq!(status(&app, &token).await, "ACCEPTED");
    let newcomer = app.login("newcomer", PASSWORD).await;
    let me = app
        .gql(Some(&newcomer.token), "{ me { name email } }", json!({}))
        .await;
    assert_eq!(me.data("me")["name"], "New <Person>");
    let again = submit(
        &app,
        &path,
        Some(&cookie),
        &[("csrf", &csrf), ("action", "decline")],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.body);
    Ok(())
}

#[tokio::test]
async fn an_invitee_with_an_account_signs_in_on_the_page_to_accept() -> TestResult {
    let app = TestApp::spawn().await;
    let admin = app.superuser().await;
    let owner = app.user(&admin, "owner").await;
    app.user(&admin, "bob").await;
    let token = invitation(&app, &owner, "Shared", "bob@example.org").await;
    let path = format!("/invitations/{token}");
    let page = open(&app, &path).await;
    assert!(page.body.contains("Sign in and accept"), "{}", page.body);
    assert!(!page.body.contains("Create account"), "{}", page.body);
    let (cookie, csrf) = (page.cookie(), page.csrf());

    let wrong = submit(
        &app,
        &path,
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("action", "signin"),
            ("username", "bob"),
            ("password", "not the password"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let someone_else = submit(
        &app,
        &path,
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("action", "signin"),
            ("username", "owner"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(someone_else.status, 403, "{}", someone_else.body);
    assert_eq!(status(&app, &token).await, "PENDING");
    let accepted = submit(
        &app,
        &path,
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("action", "signin"),
            ("username", "bob"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(status(&app, &token).await, "ACCEPTED");
    Ok(())
}
