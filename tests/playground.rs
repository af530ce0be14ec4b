//! GraphiQL is served whole by Roster: the page names only its own origin, sends a
//! strict Content-Security-Policy, and every asset it loads is here, cached.

use reqwest::header;

use crate::common::{TestApp, TestResult};

async fn graphiql_page(app: &TestApp) -> reqwest::Response {
    app.client()
        .get(app.url("/graphql"))
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("GET /graphql")
}

/// The values of every `src="…"` and `href="…"` in a page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("a closing quote");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

#[tokio::test]
async fn graphiql_loads_nothing_from_outside_the_service() -> TestResult {
    let app = TestApp::spawn().await;
    let page = graphiql_page(&app).await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()?
        .to_owned();
    for directive in [
        "default-src 'self'",
        "script-src 'self';",
        "connect-src 'self'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive} missing from {policy}"
        );
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    let html = page.text().await?;
    assert!(
        !html.contains("://"),
        "the page names another origin: {html}"
    );
    assert!(!html.contains("<script>"), "an inline script: {html}");
    assert!(!html.contains("style="), "an inline style: {html}");
    let assets = references(&html);
    assert!(assets.len() >= 6, "{assets:?}");
    for asset in assets {
        assert!(asset.starts_with("/graphiql/"), "{asset}");
        let response = app.client().get(app.url(&asset)).send().await?;
        assert_eq!(response.status(), 200, "{asset}");
        let kind = response.headers()[header::CONTENT_TYPE].to_str()?;
        assert!(
            kind.starts_with("text/javascript") || kind.starts_with("text/css"),
            "{asset}: {kind}"
        );
        assert!(
            response.headers()[header::CACHE_CONTROL]
                .to_str()?
                .contains("max-age")
        );
        let etag = response.headers()[header::ETAG].clone();
        let again = app
            .client()
            .get(app.url(&asset))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await?;
        assert_eq!(again.status(), 304, "{asset} is revalidated without a body");
    }
    Ok(())
}

#[tokio::test]
async fn the_vendored_licences_are_served_and_unknown_assets_are_not_found() -> TestResult {
    let app = TestApp::spawn().await;
    for name in [
        "LICENSE.graphiql",
        "LICENSE.react",
        "LICENSE.react-dom",
        "LICENSE.graphql-ws",
    ] {
        let licence = app
            .client()
            .get(app.url(&format!("/graphiql/{name}")))
            .send()
            .await?;
        assert_eq!(licence.status(), 200, "{name}");
        assert!(licence.text().await?.contains("MIT"), "{name}");
    }
    let versions = app
        .client()
        .get(app.url("/graphiql/VERSIONS"))
        .send()
        .await?
        .text()
        .await?;
    assert!(versions.contains("graphiql@"), "{versions}");
    let missing = app
        .client()
        .get(app.url("/graphiql/../Cargo.toml"))
        .send()
        .await?;
    assert_eq!(missing.status(), 404);
    let missing = app
        .client()
        .get(app.url("/graphiql/nothing.js"))
        .send()
        .await?;
    assert_eq!(missing.status(), 404);
    Ok(())
}
