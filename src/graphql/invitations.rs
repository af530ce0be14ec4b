//! Invitations: the `Invitation` type, the invitee's queries and answers, and the
//! managers' invite, revoke and resend.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::invitation::{self, InvitationStatus as DbStatus};

use super::{
    auth::AuthPayload,
    enums::Role,
    loaders::{ChainLoader, UserLoader},
    parse_id,
    projects::Project,
    roles::RoleAssignment,
    state,
    users::User,
    viewer,
};
use crate::{
    access::Introduction,
    domain::invitations::{self as domain, NewInvitation, Signup},
    error::AppError,
};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

impl From<DbStatus> for InvitationStatus {
    fn from(status: DbStatus) -> Self {
        match status {
            DbStatus::Pending => Self::Pending,
            DbStatus::Accepted => Self::Accepted,
            DbStatus::Declined => Self::Declined,
            DbStatus::Revoked => Self::Revoked,
            DbStatus::Expired => Self::Expired,
        }
    }
}

impl From<InvitationStatus> for DbStatus {
    fn from(status: InvitationStatus) -> Self {
        match status {
            InvitationStatus::Pending => Self::Pending,
            InvitationStatus::Accepted => Self::Accepted,
            InvitationStatus::Declined => Self::Declined,
            InvitationStatus::Revoked => Self::Revoked,
            InvitationStatus::Expired => Self::Expired,
        }
    }
}

/// An invitation to join a project with a role, sent by email.
pub struct Invitation(pub invitation::Model);

#[Object]
impl Invitation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        let chain = ChainLoader::load(ctx, self.0.project_id)
            .await?
            .ok_or_else(|| AppError::not_found("project"))?;
        // Only the invitation's addressee, its project's managers and the holder of
        // its link reach an invitation, and each may know where it leads.
        Ok(Project::introduced(
            Project::view_of(ctx, chain)?,
            Introduction::Invitation,
        ))
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// Null when the issuer's account is gone.
    async fn issuer(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(issuer_id) = self.0.issuer_id else {
            return Ok(None);
        };
        Ok(UserLoader::load(ctx, issuer_id).await?.map(User::new))
    }

    /// PENDING past its expiry reads as EXPIRED.
    async fn status(&self, ctx: &Context<'_>) -> Result<InvitationStatus> {
        Ok(domain::status(&self.0, state(ctx)?.clock.now()).into())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
}

#[derive(InputObject)]
pub struct InviteInput {
    project_id: ID,
    email: String,
    role: Role,
    /// Shown in the email, at most 2000 characters.
    message: Option<String>,
    /// 1–365; default 14 (ROSTER_INVITATION_EXPIRY_DAYS).
    expires_in_days: Option<i32>,
}

/// A new account made while accepting an invitation; its email is the invitation's.
#[derive(InputObject)]
pub struct SignupInput {
    username: String,
    name: Option<String>,
    password: String,
}

#[derive(Default)]
pub struct InvitationQuery;

#[Object]
impl InvitationQuery {
    /// The PENDING invitations addressed to the viewer's email.
    async fn my_invitations(&self, ctx: &Context<'_>) -> Result<Vec<Invitation>> {
        let invitations = domain::mine(state(ctx)?, viewer(ctx)).await?;
        Ok(invitations.into_iter().map(Invitation).collect())
    }

    /// The invitation behind the link in an invitation email, for whoever holds it.
    async fn invitation_by_token(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> Result<Option<Invitation>> {
        Ok(Some(Invitation(
            domain::by_token(state(ctx)?, &token, ctx.data::<crate::app::ClientAddr>()?.0).await?,
        )))
    }
}

#[derive(Default)]
pub struct InvitationMutation;

#[Object]
impl InvitationMutation {
    /// Invites an email address (with or without an account) into a project, with
    /// a role the inviter may grant, and sends the email.
    async fn invite(&self, ctx: &Context<'_>, input: InviteInput) -> Result<Invitation> {
        let input = NewInvitation {
            project_id: parse_id(&input.project_id, "project")?,
            email: input.email,
            role: input.role.into(),
            message: input.message,
            expires_in_days: input.expires_in_days,
        };
        Ok(Invitation(
            domain::invite(state(ctx)?, viewer(ctx), input).await?,
        ))
    }

    /// Accepts an invitation addressed to the viewer's email.
    async fn accept_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<RoleAssignment> {
        let id = parse_id(&id, "invitation")?;
        let member = domain::accept(state(ctx)?, viewer(ctx), id).await?;
        Ok(RoleAssignment::direct(member))
    }

    /// Accepts by the link's secret and signs in: with `signup`, as a new account
    /// with the invitation's email; without, as the signed-in user it is addressed to.
    async fn accept_invitation_by_token(
        &self,
        ctx: &Context<'_>,
        token: String,
        signup: Option<SignupInput>,
    ) -> Result<AuthPayload> {
        let signup = signup.map(|signup| Signup {
            username: signup.username,
            name: signup.name,
            password: signup.password,
        });
        let client = ctx.data::<crate::app::ClientAddr>()?.0;
        let session =
            domain::accept_by_token(state(ctx)?, viewer(ctx), &token, signup, client).await?;
        Ok(AuthPayload(session))
    }

    async fn decline_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<Invitation> {
        let id = parse_id(&id, "invitation")?;
        Ok(Invitation(
            domain::decline(state(ctx)?, viewer(ctx), id).await?,
        ))
    }

    async fn revoke_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<Invitation> {
        let id = parse_id(&id, "invitation")?;
        Ok(Invitation(
            domain::revoke(state(ctx)?, viewer(ctx), id).await?,
        ))
    }

    /// Renews the expiry and sends the email again with a new link.
    async fn resend_invitation(&self, ctx: &Context<'_>, id: ID) -> Result<Invitation> {
        let id = parse_id(&id, "invitation")?;
        Ok(Invitation(
            domain::resend(state(ctx)?, viewer(ctx), id).await?,
        ))
    }
}
