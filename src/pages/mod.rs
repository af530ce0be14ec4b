//! The pages behind the links in Roster's emails, served under the path of
//! `ROSTER_PUBLIC_URL`: plain HTML rendered on the server (maud escapes every
//! value), forms that work without JavaScript, one embedded stylesheet, and no
//! other asset. A GET only renders (mail scanners open links); only a form's POST,
//! with its CSRF value, uses the secret in the link.
//!
//! A new page (e.g. `/verify-email/{token}` or `/reset-password/{token}`) is a module
//! with a `show` (GET) and a `submit` (POST) handler built from `layout::page`,
//! `layout::form`, `Pages::csrf` and `layout::failure`, a route in `router` below,
//! and its first path segment in `SECRET_ROUTES` so the request log hides its token.

mod csrf;
mod invitation;
mod layout;

use std::{borrow::Cow, sync::Arc};

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
    routing::get,
};
use rand::RngCore;

use crate::state::AppState;

/// First path segments (under the public path) whose next segment is a secret.
const SECRET_ROUTES: &[&str] = &["invitations", "verify-email", "reset-password"];

/// What every page handler shares.
pub(crate) struct Pages {
    state: AppState,
    csrf: csrf::Csrf,
    /// The public URL's path without its trailing slash, e.g. "" or "/roster".
    base: String,
}

/// The path of `ROSTER_PUBLIC_URL` (`https://host/roster/` → `/roster`).
fn base_path(public_url: &str) -> String {
    let after_scheme = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("", |slash| &after_scheme[slash..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/').to_owned()
}

/// The routes of the pages, for the service's router.
pub fn router<S: Clone + Send + Sync + 'static>(state: AppState) -> Router<S> {
    let config = state.config.clone();
    let base = base_path(&config.public_url);
    let secret = match &config.jwt_secret {
        Some(secret) => secret.as_bytes().to_vec(),
        // Like the tokens: without a configured secret, forms die with the process.
        None => {
            let mut secret = vec![0u8; 64];
            rand::rng().fill_bytes(&mut secret);
            secret
        }
    };
    let cookie_path = if base.is_empty() {
        "/".to_owned()
    } else {
        base.clone()
    };
    let secure = config.public_url.starts_with("https://");
    let pages = Arc::new(Pages {
        csrf: csrf::Csrf::new(&secret, &cookie_path, secure),
        state,
        base: base.clone(),
    });
    Router::new()
        .route(
            &format!("{base}/invitations/{{token}}"),
            get(invitation::show).post(invitation::submit),
        )
        .route(&format!("{base}/{}", layout::STYLESHEET), get(stylesheet))
        .with_state(pages)
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        layout::CSS,
    )
}

/// The path as the request log shows it: the segment after a secret route (the
/// link's token) is replaced by `{token}`.
pub fn redact_path(path: &str) -> Cow<'_, str> {
    let segments: Vec<&str> = path.split('/').collect();
    let secret_at = |index: usize| index > 0 && SECRET_ROUTES.contains(&segments[index - 1]);
    if !(1..segments.len()).any(secret_at) {
        return Cow::Borrowed(path);
    }
    let redacted: Vec<&str> = segments
        .iter()
        .enumerate()
        .map(|(index, segment)| if secret_at(index) { "{token}" } else { segment })
        .collect();
    Cow::Owned(redacted.join("/"))
}

#[cfg(test)]
mod tests {
    use super::{base_path, redact_path};

    #[test]
    fn the_request_log_never_shows_a_link_secret() {
        assert_eq!(redact_path("/invitations/rsi_abc"), "/invitations/{token}");
        assert_eq!(
            redact_path("/roster/reset-password/x/"),
            "/roster/reset-password/{token}/"
        );
        assert_eq!(redact_path("/graphql"), "/graphql");
        assert_eq!(redact_path("/invitations"), "/invitations");
    }

    #[test]
    fn pages_live_under_the_public_url_path() {
        assert_eq!(base_path("http://127.0.0.1:8080"), "");
        assert_eq!(base_path("https://example.org/"), "");
        assert_eq!(base_path("https://example.org/roster/"), "/roster");
        assert_eq!(base_path("https://example.org/a/b?x=1"), "/a/b");
    }
}
