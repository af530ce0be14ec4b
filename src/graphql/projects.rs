//! Projects and categories: the `Project` type with its field guards, `myAccess`,
//! the project queries (`project`, `projects`, `checkPermission`) and mutations.

use async_graphql::{Context, Guard, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::project;

use super::{
    audit::{AuditEvent, event_connection},
    connection::{Connection, connection, page_args},
    enums::{AccessSourceKind, Permission, ProjectType, Role},
    groups::{Group, GroupRoleAssignment},
    invitations::{Invitation, InvitationStatus},
    loaders::{
        ChainLoader, ChildrenLoader, EventsLoader, InvitationsLoader, MembersLoader, OwnerLoader,
        ProjectGroupGrantsLoader, SettingLoader,
    },
    parse_id,
    resources::{Resource, project_resources},
    roles::RoleAssignment,
    settings::Setting,
    state,
    users::User,
    viewer,
};
use crate::{
    access::{self, AccessSource as Grant, Found, Introduction, ProjectAccess as Access},
    domain::{
        Page,
        projects::{self as domain, Chain, NewProject, ProjectChanges, ProjectFilter, ProjectView},
        roles::member_cursor_key,
        settings,
    },
    error::{AppError, AppResult},
};

/// Passes when the viewer holds `permission` on the project; the message and code
/// come from `access.rs`.
struct Requires<'a>(&'a Found, access::Permission);

impl Guard for Requires<'_> {
    async fn check(&self, _ctx: &Context<'_>) -> Result<()> {
        Ok(self.0.require(self.1)?)
    }
}

/// A project or category as the viewer sees it. Only id, title, type, parent and
/// fullTitle are open to FIND; every other field names the permission it needs. A
/// value is made only from a decision of `access.rs` (`Found`): through the viewer's
/// grants, or introduced by an object they may see (then nothing below it opens).
#[derive(Clone)]
pub struct Project {
    chain: Chain,
    found: Found,
}

impl Project {
    /// The project when the viewer's grants let them find it; NOT_FOUND otherwise.
    pub fn granted(view: ProjectView) -> AppResult<Self> {
        let found = Found::granted(view.access).ok_or_else(|| AppError::not_found("project"))?;
        Ok(Self {
            chain: view.chain,
            found,
        })
    }

    /// The project named by an object the viewer may see (`by`).
    pub fn introduced(view: ProjectView, by: Introduction) -> Self {
        Self {
            found: Found::introduced(view.access, by),
            chain: view.chain,
        }
    }

    /// The project the viewer has just changed: they may no longer find it (e.g.
    /// after moving it away), but they know what they did to it.
    pub fn acted_on(view: ProjectView) -> Self {
        Self::introduced(view, Introduction::ActedOn)
    }

    /// The viewer's view of a chain loaded for this request.
    pub fn view_of(ctx: &Context<'_>, chain: Chain) -> AppResult<ProjectView> {
        Ok(ProjectView::new(
            chain,
            viewer(ctx),
            state(ctx)?.clock.now(),
        ))
    }

    /// The project objects of a page of rows the viewer may find, their chains loaded
    /// in one batch. A row deleted (or out of reach) since the page was read is left out.
    pub async fn page(ctx: &Context<'_>, page: Page<project::Model>) -> AppResult<Page<Self>> {
        let ids: Vec<_> = page.items.iter().map(|project| project.id).collect();
        let mut chains = ChainLoader::load_many(ctx, &ids).await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(chain) = chains.remove(&id)
                && let Ok(project) = Self::granted(Self::view_of(ctx, chain)?)
            {
                items.push(project);
            }
        }
        Ok(page.with_items(items))
    }

    /// The project a grant or inherited assignment is held on: this one or an
    /// ancestor, introduced by the assignment when the viewer may not find it.
    fn holder(&self, ctx: &Context<'_>, project_id: uuid::Uuid) -> AppResult<Self> {
        let chain = self
            .chain
            .from_ancestor(project_id)
            .unwrap_or_else(|| self.chain.clone());
        Ok(Self::introduced(
            Self::view_of(ctx, chain)?,
            Introduction::InheritedAssignment,
        ))
    }

    fn model(&self) -> &project::Model {
        self.chain.project()
    }

    fn access(&self) -> &Access {
        self.found.access()
    }

    pub fn chain(&self) -> &Chain {
        &self.chain
    }
}

fn project_connection(page: Page<Project>) -> Connection<Project> {
    connection(
        page,
        |project| domain::cursor_key(project.model()),
        |project| project,
    )
}

#[Object]
impl Project {
    async fn id(&self) -> ID {
        ID(self.model().id.to_string())
    }

    async fn title(&self) -> &str {
        &self.model().title
    }

    #[graphql(name = "type")]
    async fn project_type(&self) -> ProjectType {
        self.model().project_type.into()
    }

    /// The category holding this one; null at the top level or when the viewer may
    /// not find it.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Project>> {
        let Some(chain) = self.chain.parent() else {
            return Ok(None);
        };
        Ok(Self::granted(Self::view_of(ctx, chain)?).ok())
    }

    /// "Category / Sub-category / Project".
    async fn full_title(&self) -> String {
        self.chain.full_title()
    }

    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn description(&self) -> Option<&str> {
        self.model().description.as_deref()
    }

    /// Markdown.
    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn readme(&self) -> Option<&str> {
        self.model().readme.as_deref()
    }

    /// GUEST or VIEWER for every signed-in user; null: none.
    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn public_access(&self) -> Option<Role> {
        self.model().public_access.map(Role::from)
    }

    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn archived(&self) -> bool {
        self.model().archived
    }

    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn created_at(&self) -> DateTime<Utc> {
        self.model().created_at
    }

    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model().updated_at
    }

    /// What a category holds; always empty for a project. Needs a grant here (or
    /// above): a project only introduced by an invitation or a resource shows nothing.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Project>> {
        self.found.require_granted()?;
        let page = page_args(ctx, first, after)?;
        let page = if self.model().project_type == entity::project::ProjectType::Category {
            ChildrenLoader::load(ctx, self.model().id, &page).await?
        } else {
            Page::empty(&page)
        };
        Ok(project_connection(Self::page(ctx, page).await?))
    }

    /// The one direct owner.
    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(OwnerLoader::load(ctx, self.model().id)
            .await?
            .map(User::new))
    }

    /// Direct assignments, then those inherited from each ancestor category.
    #[graphql(
        guard = "Requires(&self.found, access::Permission::View)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<RoleAssignment>> {
        let page =
            MembersLoader::load(ctx, self.model().id, &page_args(ctx, first, after)?).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for member in &page.items {
            let project = self.holder(ctx, member.assignment.project_id)?;
            items.push((
                member_cursor_key(member),
                RoleAssignment::new(member.clone(), project),
            ));
        }
        Ok(connection(
            page.with_items(items),
            |(key, _)| key.clone(),
            |(_, node)| node,
        ))
    }

    /// Groups holding roles here, directly or from ancestors (those the viewer may
    /// find), nearest first; needs VIEW.
    #[graphql(
        guard = "Requires(&self.found, access::Permission::View)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn group_assignments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<GroupRoleAssignment>> {
        let page =
            ProjectGroupGrantsLoader::load(ctx, self.model().id, &page_args(ctx, first, after)?)
                .await?;
        let mut items = Vec::with_capacity(page.items.len());
        for grant in &page.items {
            let project = self.holder(ctx, grant.assignment.project_id)?;
            items.push((
                grant.cursor_key(),
                GroupRoleAssignment::new(grant.clone(), project),
            ));
        }
        Ok(connection(
            page.with_items(items),
            |(key, _)| key.clone(),
            |(_, node)| node,
        ))
    }

    /// Invitations, newest first, optionally of one status.
    #[graphql(
        guard = "Requires(&self.found, access::Permission::ManageMembers)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        status: Option<InvitationStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Invitation>> {
        let page = InvitationsLoader::load(
            ctx,
            self.model().id,
            status.map(Into::into),
            &page_args(ctx, first, after)?,
        )
        .await?;
        Ok(connection(
            page,
            |invitation| invitation.id.to_string(),
            Invitation,
        ))
    }

    /// The project's resources the viewer may read, optionally of one kind.
    #[graphql(
        guard = "Requires(&self.found, access::Permission::Read)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        kind: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Resource>> {
        Ok(project_resources(ctx, self.model().id, kind, first, after).await?)
    }

    /// One of this project's settings; for a PROJECT_USER definition, the viewer's
    /// own value here. Batched across a list of projects.
    #[graphql(guard = "Requires(&self.found, access::Permission::View)")]
    async fn setting(&self, ctx: &Context<'_>, namespace: String, name: String) -> Result<Setting> {
        let viewer = viewer(ctx);
        let (definition, key) =
            settings::project_key(state(ctx)?, viewer, self.access(), &namespace, &name)?;
        let stored = SettingLoader::load(ctx, key.clone()).await?;
        Ok(Setting(settings::Setting::present(
            viewer, definition, &key, stored,
        )))
    }

    /// What the viewer may do here, and why; null when nothing.
    async fn my_access(&self) -> Option<ProjectAccess> {
        self.access().role.map(|role| ProjectAccess {
            role,
            access: self.access().clone(),
            chain: self.chain.clone(),
        })
    }

    /// The project's audit trail, newest first.
    #[graphql(
        guard = "Requires(&self.found, access::Permission::ManageMembers)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<AuditEvent>> {
        let page = EventsLoader::load(ctx, self.model().id, &page_args(ctx, first, after)?).await?;
        Ok(event_connection(page))
    }
}

/// The viewer's access to a project (fractal-server's "access info").
pub struct ProjectAccess {
    role: access::Role,
    access: Access,
    chain: Chain,
}

#[Object]
impl ProjectAccess {
    /// The effective role: the highest grant that applies.
    async fn role(&self) -> Role {
        self.role.into()
    }

    /// The viewer is the project's direct owner.
    async fn is_owner(&self) -> bool {
        self.access.direct_role == Some(access::Role::Owner)
    }

    /// The role comes from an ancestor category or public access.
    async fn inherited(&self) -> bool {
        self.access.inherited()
    }

    async fn permissions(&self) -> Vec<Permission> {
        self.access
            .permissions()
            .into_iter()
            .map(Permission::from)
            .collect()
    }

    /// The owner's email, for those who may view the project and see that email.
    async fn owner_email(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if !self.access.allows(access::Permission::View) {
            return Ok(None);
        }
        let Some(owner) = OwnerLoader::load(ctx, self.access.project_id).await? else {
            return Ok(None);
        };
        let owner = User::new(owner);
        let visible = owner.may_see_email(ctx).await?;
        Ok(visible.then(|| owner.model().email.clone()))
    }

    /// Every grant that applies, highest first.
    async fn sources(&self) -> Vec<AccessSource> {
        self.access
            .sources
            .iter()
            .map(|grant| AccessSource {
                grant: grant.clone(),
                chain: self.chain.clone(),
            })
            .collect()
    }
}

/// One grant behind a viewer's access.
pub struct AccessSource {
    grant: Grant,
    chain: Chain,
}

#[Object]
impl AccessSource {
    async fn kind(&self) -> AccessSourceKind {
        self.grant.kind.into()
    }

    async fn role(&self) -> Role {
        self.grant.role.into()
    }

    /// Where the grant is held: the project itself or an ancestor (a grant there lets
    /// the viewer find it).
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        let chain = self
            .chain
            .from_ancestor(self.grant.project_id)
            .unwrap_or_else(|| self.chain.clone());
        Ok(Project::granted(Project::view_of(ctx, chain)?)?)
    }

    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.grant.expires_at
    }

    /// Set when kind is GROUP: the group holding the grant.
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<Group>> {
        match self.grant.group_id {
            Some(group_id) => Ok(Some(Group::load(ctx, group_id).await?)),
            None => Ok(None),
        }
    }
}

#[derive(InputObject)]
pub struct CreateProjectInput {
    title: String,
    #[graphql(name = "type")]
    project_type: ProjectType,
    parent_id: Option<ID>,
    description: Option<String>,
    readme: Option<String>,
    public_access: Option<Role>,
    /// Superusers only: who owns the new project (default: the creator).
    owner_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateProjectInput {
    title: Option<String>,
    /// Moves the project under another category; null moves it to the top level.
    parent_id: MaybeUndefined<ID>,
    /// Null clears it.
    description: MaybeUndefined<String>,
    /// Null clears it.
    readme: MaybeUndefined<String>,
    /// GUEST or VIEWER; use clearPublicAccess to remove it.
    public_access: Option<Role>,
    clear_public_access: Option<bool>,
}

fn maybe<T, U>(
    value: MaybeUndefined<T>,
    convert: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Option<Option<U>>> {
    Ok(match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(convert(value)?)),
    })
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// A project or category; null (NOT_FOUND) unless the viewer may find it.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Project>> {
        viewer(ctx).reject_invalid()?;
        let id = parse_id(&id, "project")?;
        let chain = ChainLoader::load(ctx, id)
            .await?
            .ok_or_else(|| AppError::not_found("project"))?;
        Ok(Some(Project::granted(Project::view_of(ctx, chain)?)?))
    }

    /// Every project and category the viewer may find, by title. `starred: true`
    /// keeps those the viewer starred (`roster.starred`), `false` the others.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per filter of the contract"
    )]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] project_type: Option<ProjectType>,
        parent_id: Option<ID>,
        search: Option<String>,
        #[graphql(default_with = "Some(true)")] include_archived: Option<bool>,
        starred: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Project>> {
        let filter = ProjectFilter {
            project_type: project_type.map(Into::into),
            parent_id: parent_id
                .as_ref()
                .map(|id| parse_id(id, "project"))
                .transpose()?,
            search,
            include_archived: include_archived.unwrap_or(true),
            starred,
        };
        let page = domain::list(
            state(ctx)?,
            viewer(ctx),
            filter,
            page_args(ctx, first, after)?,
        )
        .await?;
        Ok(project_connection(Project::page(ctx, page).await?))
    }

    /// Whether the viewer (or, for superusers and those who manage the project's
    /// members, another user) holds a permission on a project.
    async fn check_permission(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        project_id: Option<ID>,
        resource_id: Option<ID>,
        permission: Permission,
    ) -> Result<bool> {
        let user_id = user_id
            .as_ref()
            .map(|id| parse_id(id, "user"))
            .transpose()?;
        let project_id = match (project_id, resource_id) {
            (Some(project_id), None) => parse_id(&project_id, "project")?,
            (None, Some(resource_id)) => {
                let resource_id = parse_id(&resource_id, "resource")?;
                let state = state(ctx)?;
                let now = state.clock.now();
                return Ok(crate::domain::resources::check_permission(
                    state,
                    viewer(ctx),
                    user_id,
                    resource_id,
                    permission.into(),
                    now,
                )
                .await?);
            }
            _ => {
                return Err(crate::error::AppError::BadUserInput(
                    "give exactly one of projectId and resourceId".into(),
                )
                .into());
            }
        };
        Ok(domain::check_permission(
            state(ctx)?,
            viewer(ctx),
            user_id,
            project_id,
            permission.into(),
        )
        .await?)
    }
}

#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project or category; the creator (or ownerId) becomes its owner.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> Result<Project> {
        let input = NewProject {
            title: input.title,
            project_type: input.project_type.into(),
            parent_id: input
                .parent_id
                .as_ref()
                .map(|id| parse_id(id, "project"))
                .transpose()?,
            description: input.description,
            readme: input.readme,
            public_access: input.public_access.map(Into::into),
            owner_id: input
                .owner_id
                .as_ref()
                .map(|id| parse_id(id, "user"))
                .transpose()?,
        };
        Ok(Project::acted_on(
            domain::create(state(ctx)?, viewer(ctx), input).await?,
        ))
    }

    async fn update_project(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateProjectInput,
    ) -> Result<Project> {
        let id = parse_id(&id, "project")?;
        let public_access = if input.clear_public_access == Some(true) {
            Some(None)
        } else {
            input.public_access.map(|role| Some(role.into()))
        };
        let changes = ProjectChanges {
            title: input.title,
            parent_id: maybe(input.parent_id, |id| parse_id(&id, "project"))?,
            description: maybe(input.description, Ok)?,
            readme: maybe(input.readme, Ok)?,
            public_access,
        };
        Ok(Project::acted_on(
            domain::update(state(ctx)?, viewer(ctx), id, changes).await?,
        ))
    }

    /// Makes a project read-only.
    async fn archive_project(&self, ctx: &Context<'_>, id: ID) -> Result<Project> {
        let id = parse_id(&id, "project")?;
        Ok(Project::acted_on(
            domain::set_archived(state(ctx)?, viewer(ctx), id, true).await?,
        ))
    }

    async fn unarchive_project(&self, ctx: &Context<'_>, id: ID) -> Result<Project> {
        let id = parse_id(&id, "project")?;
        Ok(Project::acted_on(
            domain::set_archived(state(ctx)?, viewer(ctx), id, false).await?,
        ))
    }

    /// Deletes a project and everything in it; a category must be empty.
    async fn delete_project(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = parse_id(&id, "project")?;
        let deleted = domain::delete(state(ctx)?, viewer(ctx), id).await?;
        Ok(ID(deleted.to_string()))
    }
}
