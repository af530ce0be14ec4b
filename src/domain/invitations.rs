//! Invitations by email: inviting (with the email queued in the same transaction),
//! the invitee's view and answers, the managers' revoke and resend, and joining by
//! the link's one-time secret, with or without an account.

use std::{collections::HashMap, net::IpAddr};

use chrono::{DateTime, Utc};
use entity::{
    audit_event,
    invitation::{self, InvitationStatus},
    project::ProjectType,
    role_assignment::{self, Role},
    user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait, Value,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Page, PageArgs,
    audit::{self, Event},
    newest_per_project,
    projects::{self, Chain},
    roles::Member,
    sessions::{self, Session},
    settings,
    users::{self, NewUser},
    validate,
    verification::{self, VerifiedEmail},
};
use crate::{
    access::{self, Permission},
    auth::{Viewer, secret},
    error::{AppError, AppResult},
    mail::{self, Email, escape_html},
    state::AppState,
};

const TOKEN_PREFIX: &str = "rsi_";
const MAX_MESSAGE_CHARS: usize = 2_000;

/// The status a reader sees: PENDING past its expiry reads as EXPIRED.
pub fn status(invitation: &invitation::Model, now: DateTime<Utc>) -> InvitationStatus {
    match invitation.status {
        InvitationStatus::Pending if invitation.expires_at <= now => InvitationStatus::Expired,
        stored => stored,
    }
}

/// A new invitation.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    pub project_id: Uuid,
    pub email: String,
    pub role: Role,
    pub message: Option<String>,
    pub expires_in_days: Option<i32>,
}

/// Invites an email address into a project with a role the inviter may grant.
pub async fn invite(
    state: &AppState,
    viewer: &Viewer,
    input: NewInvitation,
) -> AppResult<invitation::Model> {
    let me = viewer.require_user()?;
    let email = validate::email(&input.email)?;
    let message = input
        .message
        .map(|m| validate::multi_line("a message", m.trim()))
        .transpose()?
        .filter(|m| !m.is_empty());
    if message
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS)
    {
        return Err(AppError::BadUserInput(format!(
            "a message is at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    let asked_days = match input.expires_in_days {
        None => None,
        Some(days @ 1..=365) => Some(i64::from(days)),
        Some(_) => {
            return Err(AppError::BadUserInput(
                "`expiresInDays` must be between 1 and 365".into(),
            ));
        }
    };
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, input.project_id).await?;
    require_invitable(input.role, project.project().project_type)?;
    project.access.require_manage_role(input.role)?;
    projects::lock(&txn, input.project_id).await?;
    require_invitation_budget(&txn, state, viewer, input.project_id).await?;
    let days = match asked_days {
        Some(days) => days,
        None => settings::invite_expiry_days(&txn, state, input.project_id).await?,
    };

    let member = role_assignment::Entity::find()
        .inner_join(user::Entity)
        .filter(role_assignment::Column::ProjectId.eq(input.project_id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    if member.is_some() {
        return Err(AppError::Conflict(
            "that address belongs to a member of the project already".into(),
        ));
    }
    expire_stale(&txn, state, Some(input.project_id), &email).await?;
    let pending = invitation::Entity::find()
        .filter(invitation::Column::ProjectId.eq(input.project_id))
        .filter(invitation::Column::Email.eq(email.as_str()))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .one(&txn)
        .await?;
    if pending.is_some() {
        return Err(AppError::Conflict(
            "an invitation to that address is pending already: resend it instead".into(),
        ));
    }

    let token = secret::generate(TOKEN_PREFIX);
    let created = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(input.project_id),
        email: Set(email),
        role: Set(input.role),
        message: Set(message),
        issuer_id: Set(Some(me.id)),
        status: Set(InvitationStatus::Pending),
        token_hash: Set(secret::digest(&token)),
        created_at: Set(now),
        updated_at: Set(now),
        expires_at: Set(now + chrono::Duration::days(days)),
    }
    .insert(&txn)
    .await?;
    mail::enqueue(
        &txn,
        state,
        invitation_email(state, &created, &project.chain, me, token),
    )
    .await?;
    let details = json!({ "email": created.email, "role": access::role_name(created.role), "expiresAt": created.expires_at });
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("invitation.create", Some(created.id), details).in_project(created.project_id),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued.notify_one();
    Ok(created)
}

/// Refuses another invitation email (new or resent) once the inviter or the project
/// has sent their share within the window (`ROSTER_INVITATIONS_PER_USER`,
/// `ROSTER_INVITATIONS_PER_PROJECT`). Counted from the audit trail, so the limit
/// holds across instances; the caller holds the project's lock, so the count per
/// project is exact.
async fn require_invitation_budget(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
) -> AppResult<()> {
    let inviter = viewer.require_user()?.id;
    if access::bypasses_invitation_limits(viewer) {
        return Ok(());
    }
    let window =
        chrono::Duration::from_std(state.config.invitation_window()).map_err(AppError::internal)?;
    let recent = || {
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.is_in(["invitation.create", "invitation.resend"]))
            .filter(audit_event::Column::CreatedAt.gt(state.clock.now() - window))
    };
    let by_inviter = recent()
        .filter(audit_event::Column::ActorId.eq(inviter))
        .count(conn)
        .await?;
    let in_project = recent()
        .filter(audit_event::Column::ProjectId.eq(project_id))
        .count(conn)
        .await?;
    if by_inviter >= u64::from(state.config.invitations_per_user)
        || in_project >= u64::from(state.config.invitations_per_project)
    {
        return Err(AppError::RateLimited(
            "too many invitations sent: wait a while and try again".into(),
        ));
    }
    Ok(())
}

fn require_invitable(role: Role, project_type: ProjectType) -> AppResult<()> {
    if role == Role::Owner {
        return Err(AppError::BadUserInput(
            "nobody can be invited as OWNER".into(),
        ));
    }
    if role == Role::Finder && project_type != ProjectType::Category {
        return Err(AppError::BadUserInput(
            "FINDER exists for categories only".into(),
        ));
    }
    Ok(())
}

/// Stores EXPIRED on pending invitations past their expiry, for one address (and
/// project), so that the one-pending-invitation index lets a new one in.
async fn expire_stale(
    conn: &impl ConnectionTrait,
    state: &AppState,
    project_id: Option<Uuid>,
    email: &str,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut update = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            Expr::value(InvitationStatus::Expired),
        )
        .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
        .filter(invitation::Column::Email.eq(email))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .filter(invitation::Column::ExpiresAt.lte(now));
    if let Some(project_id) = project_id {
        update = update.filter(invitation::Column::ProjectId.eq(project_id));
    }
    update.exec(conn).await?;
    Ok(())
}

/// The link of an invitation email, with `mail::SECRET` where its secret goes.
fn invitation_link(state: &AppState) -> String {
    format!(
        "{}/invitations/{}",
        state.config.public_url.trim_end_matches('/'),
        mail::SECRET
    )
}

/// The email that carries an invitation and its one-time link.
fn invitation_email(
    state: &AppState,
    invitation: &invitation::Model,
    project: &Chain,
    inviter: &user::Model,
    token: String,
) -> Email {
    let link = invitation_link(state);
    let inviter_name = if inviter.name.is_empty() {
        inviter.username.as_str()
    } else {
        inviter.name.as_str()
    };
    let title = project.full_title();
    let role = access::role_name(invitation.role);
    let expires = invitation.expires_at.format("%Y-%m-%d %H:%M UTC");
    let kind = match project.project().project_type {
        ProjectType::Category => "category",
        ProjectType::Project => "project",
    };
    let mut text =
        format!("{inviter_name} invites you to join the {kind} \"{title}\" as {role}.\n\n");
    let mut html = format!(
        "<p>{} invites you to join the {kind} <strong>{}</strong> as {role}.</p>",
        escape_html(inviter_name),
        escape_html(&title)
    );
    if let Some(message) = &invitation.message {
        text.push_str(&format!("Their message:\n{message}\n\n"));
        html.push_str(&format!(
            "<blockquote>{}</blockquote>",
            escape_html(message).replace('\n', "<br>")
        ));
    }
    text.push_str(&format!(
        "Accept the invitation here (the link works once, until {expires}):\n{link}\n"
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">Accept the invitation</a> (the link works once, until {expires}).</p>",
        escape_html(&link)
    ));
    Email {
        to: invitation.email.clone(),
        subject: format!("Invitation to {title}"),
        text,
        html,
        secret: Some(token),
    }
}

/// The pending, unexpired invitations addressed to the viewer's email, if it is
/// verified (an unproven address could be anyone's).
pub async fn mine(state: &AppState, viewer: &Viewer) -> AppResult<Vec<invitation::Model>> {
    let me = viewer.require_user()?;
    let Some(email) = VerifiedEmail::of(me) else {
        return Ok(Vec::new());
    };
    Ok(invitation::Entity::find()
        .filter(invitation::Column::Email.eq(email.as_str()))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .filter(invitation::Column::ExpiresAt.gt(state.clock.now()))
        .order_by_asc(invitation::Column::Id)
        .all(&state.db)
        .await?)
}

/// The PENDING invitation a link's secret belongs to (also past its expiry), for
/// whoever holds it; an answered or revoked one is NOT_FOUND. An unknown secret
/// counts as a failed guess from `client`.
pub async fn by_token(
    state: &AppState,
    token: &str,
    client: IpAddr,
) -> AppResult<invitation::Model> {
    let invitation = sessions::guess_token(state, client, find_by_token(&state.db, token)).await?;
    Some(invitation)
        .filter(|invitation| invitation.status == InvitationStatus::Pending)
        .ok_or_else(|| AppError::not_found("invitation"))
}

async fn find_by_token(conn: &impl ConnectionTrait, token: &str) -> AppResult<invitation::Model> {
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(secret::digest(token.trim())))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("invitation"))
}

/// An invitation addressed to the viewer's verified email; anyone else's (and any,
/// while the viewer's email is unproven) is NOT_FOUND. The user row is locked, so
/// the email compared here is the one in force until the transaction ends.
async fn addressed_to(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(invitation::Model, user::Model)> {
    let me = verification::lock_user(txn, viewer.require_user()?.id).await?;
    let not_found = || AppError::not_found("invitation");
    let email = VerifiedEmail::of(&me).ok_or_else(not_found)?;
    let invitation = invitation::Entity::find_by_id(id)
        .one(txn)
        .await?
        .filter(|invitation| invitation.email == email.as_str())
        .ok_or_else(not_found)?;
    Ok((invitation, me))
}

/// Fails unless the invitation can still be answered.
fn require_pending(invitation: &invitation::Model, now: DateTime<Utc>) -> AppResult<()> {
    match status(invitation, now) {
        InvitationStatus::Pending => Ok(()),
        InvitationStatus::Expired => Err(AppError::Expired("this invitation has expired".into())),
        InvitationStatus::Accepted => Err(AppError::Conflict(
            "this invitation has been accepted already".into(),
        )),
        InvitationStatus::Declined => Err(AppError::Conflict(
            "this invitation has been declined".into(),
        )),
        InvitationStatus::Revoked => Err(AppError::Conflict(
            "this invitation has been revoked".into(),
        )),
    }
}

/// Moves a pending invitation to `to`, only if it is still pending: of two
/// concurrent answers exactly one wins, and the other gets CONFLICT.
async fn settle(
    txn: &DatabaseTransaction,
    state: &AppState,
    id: Uuid,
    to: InvitationStatus,
) -> AppResult<()> {
    let settled = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(to))
        .col_expr(
            invitation::Column::UpdatedAt,
            Expr::value(state.clock.now()),
        )
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
        .exec(txn)
        .await?;
    if settled.rows_affected == 0 {
        return Err(AppError::Conflict(
            "this invitation has been answered already".into(),
        ));
    }
    Ok(())
}

/// Accepts on behalf of `user`: the invitation settles and the role is assigned, in
/// the caller's transaction.
async fn accept_in(
    txn: &DatabaseTransaction,
    state: &AppState,
    invitation: &invitation::Model,
    user: &user::Model,
) -> AppResult<Member> {
    let now = state.clock.now();
    require_pending(invitation, now)?;
    settle(txn, state, invitation.id, InvitationStatus::Accepted).await?;
    let existing = role_assignment::Entity::find()
        .filter(role_assignment::Column::ProjectId.eq(invitation.project_id))
        .filter(role_assignment::Column::UserId.eq(user.id))
        .one(txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::Conflict(
            "you hold a role in this project already".into(),
        ));
    }
    let chain = projects::load_chain(txn, Some(user.id), invitation.project_id)
        .await?
        .ok_or_else(|| AppError::not_found("invitation"))?;
    access::require_not_below_inherited(
        invitation.role,
        access::inherited_role(&chain.links(), now),
    )?;
    let assignment = role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(invitation.project_id),
        user_id: Set(user.id),
        role: Set(invitation.role),
        expires_at: Set(None),
        email_shared: Set(true),
        self_granted: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let details = json!({ "userId": user.id, "role": access::role_name(invitation.role), "assignmentId": assignment.id });
    audit::record(
        txn,
        state,
        Some(user.id),
        Event::new("invitation.accept", Some(invitation.id), details)
            .in_project(invitation.project_id),
    )
    .await?;
    Ok(Member::direct(assignment))
}

/// The viewer accepts an invitation addressed to their email.
pub async fn accept(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Member> {
    let txn = state.db.begin().await?;
    let (invitation, me) = addressed_to(&txn, viewer, id).await?;
    let member = accept_in(&txn, state, &invitation, &me).await?;
    txn.commit().await?;
    Ok(member)
}

/// A new account made while accepting an invitation; its email is the invitation's.
#[derive(Clone, Debug)]
pub struct Signup {
    pub username: String,
    pub name: Option<String>,
    pub password: String,
}

/// Accepts by the link's secret and returns a session: with `signup`, for a new
/// account made from it; without, for the signed-in viewer, whose email must match.
/// An unknown secret counts as a failed guess from the viewer's address.
pub async fn accept_by_token(
    state: &AppState,
    viewer: &Viewer,
    token: &str,
    signup: Option<Signup>,
    client: IpAddr,
) -> AppResult<Session> {
    let invitation = sessions::guess_token(state, client, find_by_token(&state.db, token)).await?;
    require_pending(&invitation, state.clock.now())?;
    let prepared = match signup {
        Some(signup) => Some(
            users::prepare(NewUser {
                username: signup.username,
                email: invitation.email.clone(),
                name: signup.name,
                password: signup.password,
                is_superuser: false,
                is_system: false,
            })
            .await?,
        ),
        None => None,
    };
    let txn = state.db.begin().await?;
    let invitation = find_by_token(&txn, token).await?;
    let account = match prepared {
        Some(prepared) => {
            let taken = user::Entity::find()
                .filter(user::Column::Email.eq(invitation.email.as_str()))
                .one(&txn)
                .await?;
            if taken.is_some() {
                return Err(AppError::Conflict(
                    "an account with this email exists already: sign in and accept the invitation"
                        .into(),
                ));
            }
            users::insert_prepared(&txn, state, None, prepared).await?
        }
        None => {
            let me = verification::lock_user(&txn, viewer.require_user()?.id).await?;
            if me.email != invitation.email {
                return Err(AppError::Forbidden(
                    "this invitation is addressed to another email".into(),
                ));
            }
            // The secret went to that address: whoever holds it controls it.
            verification::mark_verified(&txn, state, me).await?
        }
    };
    accept_in(&txn, state, &invitation, &account).await?;
    let family = sessions::Family::start(state.clock.now());
    let session = sessions::start_session(&txn, state, account, family).await?;
    txn.commit().await?;
    Ok(session)
}

/// What the page behind an invitation link shows: the invitation, its project, who
/// sent it, and whether its address has an account (the holder of the link is the
/// invitee, who may know that; it decides between signing up and signing in).
pub struct Landing {
    pub invitation: invitation::Model,
    pub status: InvitationStatus,
    pub project: Chain,
    pub inviter: Option<user::Model>,
    pub invitee_has_account: bool,
}

/// Reads what the link's page shows; changes nothing (mail scanners open links).
pub async fn landing(state: &AppState, token: &str, client: IpAddr) -> AppResult<Landing> {
    let invitation = sessions::guess_token(state, client, find_by_token(&state.db, token)).await?;
    let project = projects::load_chain(&state.db, None, invitation.project_id)
        .await?
        .ok_or_else(|| AppError::not_found("invitation"))?;
    let inviter = match invitation.issuer_id {
        Some(id) => user::Entity::find_by_id(id).one(&state.db).await?,
        None => None,
    };
    let account = user::Entity::find()
        .filter(user::Column::Email.eq(invitation.email.as_str()))
        .one(&state.db)
        .await?;
    Ok(Landing {
        status: status(&invitation, state.clock.now()),
        invitation,
        project,
        inviter,
        invitee_has_account: account.is_some(),
    })
}

/// Declines by the link's secret: whoever holds the link may turn it down, as they
/// may accept it.
pub async fn decline_by_token(
    state: &AppState,
    token: &str,
    client: IpAddr,
) -> AppResult<invitation::Model> {
    // A wrong link counts as a guess; judged before the transaction holds a connection.
    sessions::guess_token(state, client, find_by_token(&state.db, token)).await?;
    let txn = state.db.begin().await?;
    let invitation = find_by_token(&txn, token).await?;
    require_pending(&invitation, state.clock.now())?;
    settle(&txn, state, invitation.id, InvitationStatus::Declined).await?;
    audit::record(
        &txn,
        state,
        None,
        Event::new(
            "invitation.decline",
            Some(invitation.id),
            json!({ "by": "link" }),
        )
        .in_project(invitation.project_id),
    )
    .await?;
    let declined = reload(&txn, invitation.id).await?;
    txn.commit().await?;
    Ok(declined)
}

/// The viewer declines an invitation addressed to them.
pub async fn decline(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<invitation::Model> {
    let txn = state.db.begin().await?;
    let (invitation, me) = addressed_to(&txn, viewer, id).await?;
    require_pending(&invitation, state.clock.now())?;
    settle(&txn, state, id, InvitationStatus::Declined).await?;
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("invitation.decline", Some(id), json!({})).in_project(invitation.project_id),
    )
    .await?;
    let declined = reload(&txn, id).await?;
    txn.commit().await?;
    Ok(declined)
}

/// An invitation of a project whose members the viewer manages, for a role they may
/// grant; NOT_FOUND when the viewer may not even find the project.
async fn managed(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(invitation::Model, Chain)> {
    let invitation = invitation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("invitation"))?;
    let project =
        projects::view_holding(conn, state, viewer, invitation.project_id, "invitation").await?;
    project.access.require(Permission::ManageMembers)?;
    project.access.require_manage_role(invitation.role)?;
    Ok((invitation, project.chain))
}

async fn reload(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<invitation::Model> {
    invitation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("invitation"))
}

/// Withdraws a pending invitation; its link stops working.
pub async fn revoke(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<invitation::Model> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let (invitation, _) = managed(&txn, state, viewer, id).await?;
    if invitation.status != InvitationStatus::Pending {
        return Err(AppError::Conflict(
            "only a pending invitation can be revoked".into(),
        ));
    }
    settle(&txn, state, id, InvitationStatus::Revoked).await?;
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new(
            "invitation.revoke",
            Some(id),
            json!({ "email": invitation.email }),
        )
        .in_project(invitation.project_id),
    )
    .await?;
    let revoked = reload(&txn, id).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Renews a pending or expired invitation's expiry and sends it again, with a new
/// link (the old one stops working: only the new secret's digest is kept).
pub async fn resend(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<invitation::Model> {
    let me = viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let (invitation, chain) = managed(&txn, state, viewer, id).await?;
    if !matches!(
        invitation.status,
        InvitationStatus::Pending | InvitationStatus::Expired
    ) {
        return Err(AppError::Conflict(
            "only a pending or expired invitation can be sent again".into(),
        ));
    }
    projects::lock(&txn, invitation.project_id).await?;
    require_invitation_budget(&txn, state, viewer, invitation.project_id).await?;
    if invitation.status == InvitationStatus::Expired {
        let other_pending = invitation::Entity::find()
            .filter(invitation::Column::ProjectId.eq(invitation.project_id))
            .filter(invitation::Column::Email.eq(invitation.email.as_str()))
            .filter(invitation::Column::Status.eq(InvitationStatus::Pending))
            .filter(invitation::Column::Id.ne(id))
            .one(&txn)
            .await?;
        if other_pending.is_some() {
            return Err(AppError::Conflict(
                "a newer invitation to that address is pending".into(),
            ));
        }
    }
    let token = secret::generate(TOKEN_PREFIX);
    let days = settings::invite_expiry_days(&txn, state, invitation.project_id).await?;
    let mut active: invitation::ActiveModel = invitation.into();
    active.status = Set(InvitationStatus::Pending);
    active.token_hash = Set(secret::digest(&token));
    active.expires_at = Set(now + chrono::Duration::days(days));
    active.updated_at = Set(now);
    let renewed = active.update(&txn).await?;
    mail::enqueue(
        &txn,
        state,
        invitation_email(state, &renewed, &chain, me, token),
    )
    .await?;
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new(
            "invitation.resend",
            Some(id),
            json!({ "email": renewed.email, "expiresAt": renewed.expires_at }),
        )
        .in_project(renewed.project_id),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued.notify_one();
    Ok(renewed)
}

/// One page of invitations, newest first, for each of many projects in one
/// statement; `status` filters by the status a reader sees.
pub async fn for_projects(
    conn: &impl ConnectionTrait,
    project_ids: &[Uuid],
    status_filter: Option<InvitationStatus>,
    page: &PageArgs,
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Page<invitation::Model>>> {
    let status = |status: InvitationStatus| Expr::col("status").eq(Value::from(status));
    let condition = status_filter.map(|filter| match filter {
        InvitationStatus::Pending => {
            status(InvitationStatus::Pending).and(Expr::col("expires_at").gt(now))
        }
        InvitationStatus::Expired => status(InvitationStatus::Expired)
            .or(status(InvitationStatus::Pending).and(Expr::col("expires_at").lte(now))),
        other => status(other),
    });
    newest_per_project(conn, "invitations", project_ids, condition, page).await
}
