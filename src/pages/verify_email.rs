//! `/verify-email/{token}`: the page a verification email links to. GET asks to
//! confirm and shows nothing about the account (mail scanners and anyone with the
//! link see only the question); the form's POST confirms with
//! `domain::verification::verify`, whose rules and guess limit apply.

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
    layout::{self, form},
};
use crate::{app::client_address, domain::verification, error::AppError};

const TITLE: &str = "Confirm your email address";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Submitted {
    csrf: String,
}

/// GET: the question and its button; changes nothing.
pub(super) async fn show(
    State(pages): State<Arc<Pages>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    ask(&pages, &headers, uri.path(), None)
}

/// POST: confirms the address, once the CSRF value checks out.
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
    let client = client_address(peer, &headers, &pages.state.config.trusted_proxies);
    match verification::verify(&pages.state, &token, client).await {
        Ok(account) => {
            let who = if account.name.is_empty() {
                &account.username
            } else {
                &account.name
            };
            let done = format!(
                "Thank you, {who}: {} is now the email address of your Roster account.",
                account.email
            );
            pages.ending("Address confirmed", (StatusCode::OK, done))
        }
        Err(error) => {
            let outcome = (layout::failure_status(&error), explain(&error));
            if matches!(error, AppError::RateLimited(_) | AppError::Internal(_)) {
                ask(&pages, &headers, uri.path(), Some(outcome))
            } else {
                pages.ending(TITLE, outcome)
            }
        }
    }
}

/// The page with its one button, under the outcome of the last try if any.
fn ask(pages: &Pages, headers: &HeaderMap, path: &str, outcome: Option<Outcome>) -> Response {
    pages.form_page(headers, path, TITLE, outcome, |csrf| {
        html! {
            p { "Confirm that this address is yours to make it the email address of your Roster account." }
            (form(csrf, "confirm", "Confirm this address", html! {}))
            p class="hint" { "If you did not ask for this, close this page: nothing changes." }
        }
    })
}

/// What a failed confirmation means for whoever holds the link.
fn explain(error: &AppError) -> String {
    match error {
        AppError::NotFound(_) => "This link is unknown or was used already. If your new address \
            is still waiting, sign in and ask for a new link."
            .into(),
        AppError::Expired(_) => {
            "This link has expired. Sign in and ask for a new link to confirm the address.".into()
        }
        AppError::Conflict(_) => "This address belongs to another account now, so it cannot \
            become yours; nothing was changed."
            .into(),
        other => other.to_string(),
    }
}
