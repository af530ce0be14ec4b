//! `/reset-password/{token}`: the page a password reset email links to. GET shows
//! the form for a new password, typed twice, and nothing about the account; the
//! form's POST sets it with `domain::password_reset::reset`, whose rules (the
//! password rule, the link's life, the guess limit) apply. The password is never
//! written back into a page.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::Response,
};
use maud::html;
use serde::Deserialize;

use super::{
    Outcome, Pages,
    layout::{self, form, new_password_field},
};
use crate::{
    app::client_address, auth::password::MIN_LENGTH, domain::password_reset, error::AppError,
};

const TITLE: &str = "Choose a new password";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Submitted {
    csrf: String,
    password: String,
    /// The same password again, against typing mistakes nobody would see.
    confirmation: String,
}

/// GET: the empty form; changes nothing.
pub(super) async fn show(
    State(pages): State<Arc<Pages>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    ask(&pages, &headers, uri.path(), None)
}

/// POST: sets the password, once the CSRF value checks out and both fields agree.
pub(super) async fn submit(
    State(pages): State<Arc<Pages>>,
    Path(token): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    Form(submitted): Form<Submitted>,
) -> Response {
    if let Some(refused) = pages.forged(&headers, uri.path(), &submitted.csrf) {
        return ask(&pages, &headers, uri.path(), Some(refused));
    }
    if submitted.password != submitted.confirmation {
        let differ = (
            StatusCode::BAD_REQUEST,
            "The two passwords differ; nothing was changed. Type the same new password twice."
                .to_owned(),
        );
        return ask(&pages, &headers, uri.path(), Some(differ));
    }
    let client = client_address(peer, &headers, &pages.state.config.trusted_proxies);
    match password_reset::reset(&pages.state, &token, &submitted.password, client).await {
        Ok(_) => {
            let done = "Your new password is set, and your account was signed out everywhere. \
                Sign in with the new password wherever you use Roster.";
            pages.ending("Password changed", (StatusCode::OK, done.to_owned()))
        }
        Err(error) => {
            let outcome = (layout::failure_status(&error), explain(&error));
            if matches!(error, AppError::NotFound(_) | AppError::Expired(_)) {
                pages.ending(TITLE, outcome)
            } else {
                ask(&pages, &headers, uri.path(), Some(outcome))
            }
        }
    }
}

/// The form, under the outcome of the last try if any.
fn ask(pages: &Pages, headers: &HeaderMap, path: &str, outcome: Option<Outcome>) -> Response {
    pages.form_page(headers, path, TITLE, outcome, |csrf| {
        html! {
            p { "Choose the new password of your Roster account. Saving it signs the account out everywhere." }
            (form(csrf, "reset", "Save the new password", html! {
                (new_password_field("New password", "password"))
                (new_password_field("The same password again", "confirmation"))
                p class="hint" { "At least " (MIN_LENGTH) " characters, several of them different." }
            }))
            p class="hint" { "If you did not ask for this, close this page: your password stays as it is." }
        }
    })
}

/// What a failed reset means for whoever holds the link.
fn explain(error: &AppError) -> String {
    match error {
        AppError::NotFound(_) => "This link is unknown or was used already. Ask for a new one \
            where you sign in; only the newest link works."
            .into(),
        AppError::Expired(_) => {
            "This link has expired: it works for an hour. Ask for a new one where you sign in."
                .into()
        }
        AppError::BadUserInput(message) => format!("Nothing was changed: {message}."),
        other => other.to_string(),
    }
}
