//! `/invitations/{token}`: the page an invitation email links to. It shows the
//! project, the role, who invites and until when, and offers to accept (signing up
//! in the same form when the address has no account, or signing in with the account
//! it has) or to decline. The rules are the domain's (`domain::invitations`).

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::Response,
};
use entity::{invitation::InvitationStatus, project::ProjectType};
use maud::{Markup, html};
use serde::Deserialize;

use super::{
    Pages,
    layout::{self, field, form, notice},
};
use crate::{
    access,
    app::client_address,
    auth::Viewer,
    domain::{
        invitations::{self, Landing, Signup},
        sessions,
    },
    error::{AppError, AppResult},
};

/// The fields of the page's forms; which ones matter depends on `action`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Submitted {
    csrf: String,
    action: String,
    username: String,
    name: String,
    password: String,
}

/// GET: renders the invitation; changes nothing.
pub(super) async fn show(
    State(pages): State<Arc<Pages>>,
    Path(token): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let client = client_address(peer, &headers, &pages.state.config.trusted_proxies);
    render(&pages, &token, client, uri.path(), &headers, None).await
}

/// POST: one of the page's forms, checked against its CSRF cookie first.
pub(super) async fn submit(
    State(pages): State<Arc<Pages>>,
    Path(token): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    Form(submitted): Form<Submitted>,
) -> Response {
    let client = client_address(peer, &headers, &pages.state.config.trusted_proxies);
    if !pages.csrf.verify(&headers, uri.path(), &submitted.csrf) {
        let refused = (
            StatusCode::FORBIDDEN,
            "This form was too old or did not come from this page; nothing was changed. Please try again.".to_owned(),
        );
        return render(&pages, &token, client, uri.path(), &headers, Some(refused)).await;
    }
    let outcome = answer(&pages, &token, client, submitted)
        .await
        .map(|done| (StatusCode::OK, done))
        .unwrap_or_else(|error| (layout::failure_status(&error), error.to_string()));
    render(&pages, &token, client, uri.path(), &headers, Some(outcome)).await
}

/// Carries out the form's action; the sentence to show when it worked.
async fn answer(
    pages: &Pages,
    token: &str,
    client: std::net::IpAddr,
    submitted: Submitted,
) -> AppResult<String> {
    let state = &pages.state;
    let anonymous = Viewer::anonymous().from_address(client);
    match submitted.action.as_str() {
        "decline" => {
            invitations::decline_by_token(state, token, client).await?;
            Ok("You declined the invitation.".into())
        }
        "signup" => {
            let name = Some(submitted.name.trim().to_owned()).filter(|name| !name.is_empty());
            let signup = Signup {
                username: submitted.username,
                name,
                password: submitted.password,
            };
            let session =
                invitations::accept_by_token(state, &anonymous, token, Some(signup), client)
                    .await?;
            Ok(format!(
                "Welcome, {}! Your account is ready and you have joined. Sign in with it wherever you use Roster.",
                session.user.username
            ))
        }
        "signin" => {
            let session =
                sessions::login(state, &submitted.username, &submitted.password, client).await?;
            let viewer = sessions::authenticate(state, &session.access_token)
                .await?
                .from_address(client);
            invitations::accept_by_token(state, &viewer, token, None, client).await?;
            Ok(format!("Done, {}: you have joined.", session.user.username))
        }
        _ => Err(AppError::BadUserInput("unknown form action".into())),
    }
}

/// The page: the invitation as it stands now, the outcome of a form if one was
/// posted, and the forms while it can still be answered.
async fn render(
    pages: &Pages,
    token: &str,
    client: std::net::IpAddr,
    path: &str,
    headers: &HeaderMap,
    outcome: Option<(StatusCode, String)>,
) -> Response {
    let issued = pages.csrf.issue(headers, path);
    let (status, message) = outcome.unwrap_or((StatusCode::OK, String::new()));
    let landing = match invitations::landing(&pages.state, token, client).await {
        Ok(landing) => landing,
        Err(error) => {
            let status = layout::failure_status(&error);
            let body = html! {
                (notice("This invitation link does not work. It may have been replaced by a newer email: ask whoever invited you to send it again.", true))
            };
            return layout::page(status, &pages.base, "Invitation", issued.set_cookie, body);
        }
    };
    let body = html! {
        @if !message.is_empty() { (notice(&message, !status.is_success())) }
        (details(&landing))
        @if landing.status == InvitationStatus::Pending { (actions(&landing, &issued.form_value)) }
    };
    let title = format!("Join {}", landing.project.full_title());
    layout::page(status, &pages.base, &title, issued.set_cookie, body)
}

fn details(landing: &Landing) -> Markup {
    let invitation = &landing.invitation;
    let kind = match landing.project.project().project_type {
        ProjectType::Category => "Category",
        ProjectType::Project => "Project",
    };
    let inviter = landing.inviter.as_ref().map_or("a former member", |user| {
        if user.name.is_empty() {
            user.username.as_str()
        } else {
            user.name.as_str()
        }
    });
    let status = match landing.status {
        InvitationStatus::Pending => "Waiting for your answer",
        InvitationStatus::Accepted => "Accepted",
        InvitationStatus::Declined => "Declined",
        InvitationStatus::Revoked => "Withdrawn by the project",
        InvitationStatus::Expired => "Expired: ask for a new invitation",
    };
    html! {
        dl {
            dt { (kind) } dd { (landing.project.full_title()) }
            dt { "Role" } dd { (access::role_name(invitation.role)) }
            dt { "Invited by" } dd { (inviter) }
            dt { "For" } dd { (invitation.email) }
            dt { "Expires" } dd { (invitation.expires_at.format("%Y-%m-%d %H:%M UTC")) }
            dt { "Status" } dd { (status) }
        }
        @if let Some(message) = &invitation.message { blockquote { (message) } }
    }
}

fn actions(landing: &Landing, csrf: &str) -> Markup {
    let email = &landing.invitation.email;
    html! {
        @if landing.invitee_has_account {
            h2 { "Accept with your account" }
            p class="hint" { "An account with " (email) " exists. Sign in with it to accept." }
            (form(csrf, "signin", "Sign in and accept", html! {
                (field("Username or email", "username", "text", "username", true))
                (field("Password", "password", "password", "current-password", true))
            }))
        } @else {
            h2 { "Create your account and join" }
            p class="hint" { "Your account will use " (email) "." }
            (form(csrf, "signup", "Create account and accept", html! {
                (field("Username", "username", "text", "username", true))
                (field("Your name (optional)", "name", "text", "name", false))
                (field("Password", "password", "password", "new-password", true))
            }))
        }
        h2 { "Not for you?" }
        div class="secondary" { (form(csrf, "decline", "Decline the invitation", html! {})) }
    }
}
