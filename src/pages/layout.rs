//! The frame every page shares: the document, its headers, the stylesheet, forms
//! with their CSRF field, and how a domain error reads on a page.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{DOCTYPE, Markup, html};

use crate::error::AppError;

/// Where the stylesheet is served, relative to the public path.
pub const STYLESHEET: &str = "assets/pages.css";
pub const CSS: &str = include_str!("../../static/pages/pages.css");

/// Only this origin's stylesheet; no script at all; forms post back here only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
    form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A whole page: `base` is the public path, `cookie` the CSRF cookie to set, if any.
pub fn page(
    status: StatusCode,
    base: &str,
    title: &str,
    cookie: Option<HeaderValue>,
    body: Markup,
) -> Response {
    let document = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · Roster" }
                link rel="stylesheet" href={ (base) "/" (STYLESHEET) };
            }
            body {
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    let mut response = (status, document).into_response();
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // The page shows one person's invitation: no shared cache may keep it.
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Some(cookie) = cookie {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A form that posts back to the page, with its CSRF value and the `action` it asks
/// for; `fields` come before the button.
pub fn form(csrf: &str, action: &str, button: &str, fields: Markup) -> Markup {
    html! {
        form method="post" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="action" value=(action);
            (fields)
            button type="submit" { (button) }
        }
    }
}

/// A labelled input.
pub fn field(label: &str, name: &str, kind: &str, autocomplete: &str, required: bool) -> Markup {
    html! {
        label {
            (label)
            input type=(kind) name=(name) autocomplete=(autocomplete) required[required];
        }
    }
}

/// A notice above the page's content; `error` picks the colour.
pub fn notice(text: &str, error: bool) -> Markup {
    html! {
        p class=(if error { "notice error" } else { "notice" }) role="status" { (text) }
    }
}

/// The HTTP status a domain error gets on a page. Its message is safe to show
/// (internal errors read "internal error" and are logged by the caller).
pub fn failure_status(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::BadUserInput(_) => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Expired(_) => StatusCode::GONE,
        AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "internal error on a page");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
