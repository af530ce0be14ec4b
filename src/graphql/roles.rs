//! Role assignments: the `RoleAssignment` type and the role mutations (assign,
//! change, remove, transfer ownership, leave).

use async_graphql::{Context, ID, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};

use super::{
    enums::Role,
    loaders::{ChainLoader, UserLoader},
    parse_id,
    projects::Project,
    state,
    users::User,
    viewer,
};
use crate::{
    domain::roles::{self as domain, Member},
    error::AppError,
};

/// A user's role in a project, held there directly or inherited from a category.
pub struct RoleAssignment {
    member: Member,
    /// Where the assignment is held, when already known.
    project: Option<Project>,
}

impl RoleAssignment {
    pub fn new(member: Member, project: Project) -> Self {
        Self {
            member,
            project: Some(project),
        }
    }

    /// An assignment held on its own project, which loads when asked for.
    pub fn direct(member: Member) -> Self {
        Self {
            member,
            project: None,
        }
    }
}

#[Object]
impl RoleAssignment {
    async fn id(&self) -> ID {
        ID(self.member.assignment.id.to_string())
    }

    /// The project or category the assignment is held on.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        if let Some(project) = &self.project {
            return Ok(project.clone());
        }
        let chain = ChainLoader::load(ctx, self.member.assignment.project_id)
            .await?
            .ok_or_else(|| AppError::not_found("project"))?;
        Ok(Project::acted_on(Project::view_of(ctx, chain)?))
    }

    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        if let Some(user) = &self.member.user {
            return Ok(User::new(user.clone()));
        }
        let user = UserLoader::load(ctx, self.member.assignment.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(User::new(user))
    }

    async fn role(&self) -> Role {
        self.member.assignment.role.into()
    }

    /// True when it stems from an ancestor category.
    async fn inherited(&self) -> bool {
        self.member.inherited
    }

    /// After it, the assignment grants nothing.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.member.assignment.expires_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.member.assignment.created_at
    }
}

#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Gives a user a direct role: a DELEGATE may grant up to CONTRIBUTOR, the OWNER
    /// up to DELEGATE. OWNER changes hands only through transferOwnership.
    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        user_id: ID,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<RoleAssignment> {
        let project_id = parse_id(&project_id, "project")?;
        let user_id = parse_id(&user_id, "user")?;
        let member = domain::assign(
            state(ctx)?,
            viewer(ctx),
            project_id,
            user_id,
            role.into(),
            expires_at,
        )
        .await?;
        Ok(RoleAssignment::direct(member))
    }

    /// Changes a role. Leaving out `expiresAt` keeps the expiry; null removes it.
    async fn update_role_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        role: Role,
        expires_at: MaybeUndefined<DateTime<Utc>>,
    ) -> Result<RoleAssignment> {
        let id = parse_id(&id, "role assignment")?;
        let expires_at = match expires_at {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(at) => Some(Some(at)),
        };
        let member = domain::update(state(ctx)?, viewer(ctx), id, role.into(), expires_at).await?;
        Ok(RoleAssignment::direct(member))
    }

    /// Removes an assignment (not the owner's). Returns its id.
    async fn remove_role_assignment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = parse_id(&id, "role assignment")?;
        Ok(ID(domain::remove(state(ctx)?, viewer(ctx), id)
            .await?
            .to_string()))
    }

    /// Makes a member the owner; the old owner keeps `oldOwnerRole`, or leaves when null.
    async fn transfer_ownership(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        new_owner_id: ID,
        old_owner_role: Option<Role>,
    ) -> Result<Project> {
        let project_id = parse_id(&project_id, "project")?;
        let new_owner_id = parse_id(&new_owner_id, "user")?;
        let view = domain::transfer_ownership(
            state(ctx)?,
            viewer(ctx),
            project_id,
            new_owner_id,
            old_owner_role.map(Into::into),
        )
        .await?;
        Ok(Project::acted_on(view))
    }

    /// Gives up the viewer's direct role in a project. Returns the project's id.
    async fn leave_project(&self, ctx: &Context<'_>, project_id: ID) -> Result<ID> {
        let project_id = parse_id(&project_id, "project")?;
        Ok(ID(domain::leave(state(ctx)?, viewer(ctx), project_id)
            .await?
            .to_string()))
    }
}
