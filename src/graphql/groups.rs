//! Groups: the `Group`, `GroupMember` and `GroupRoleAssignment` types, the group
//! queries and the nine group mutations.

use async_graphql::{Context, ID, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::{group_member, group_role_assignment};

use super::{
    connection::{Connection, connection, page_args},
    enums::{GroupMemberRole, Role},
    loaders::{ChainLoader, GroupGrantsLoader, GroupLoader, GroupMembersLoader, UserLoader},
    parse_id,
    projects::Project,
    state,
    users::User,
    viewer,
};
use crate::{
    domain::{
        groups::{
            self as domain, GroupView,
            grants::{self, ListedGrant},
        },
        projects::ProjectView,
    },
    error::{AppError, AppResult},
};

/// A named set of users that can hold roles in projects, like a user can.
pub struct Group(pub GroupView);

impl Group {
    /// The group `id` as the viewer sees it, loaded with others of the request.
    pub async fn load(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Self> {
        GroupLoader::load(ctx, id)
            .await?
            .map(Self)
            .ok_or_else(|| AppError::not_found("group"))
    }
}

#[Object]
impl Group {
    async fn id(&self) -> ID {
        ID(self.0.group.id.to_string())
    }

    /// 1–100 characters; not unique (groups are known by id).
    async fn name(&self) -> &str {
        &self.0.group.name
    }

    async fn description(&self) -> Option<&str> {
        self.0.group.description.as_deref()
    }

    /// The viewer's place in the group; null: not a member.
    async fn my_membership(&self) -> Option<GroupMemberRole> {
        self.0.access.membership.map(Into::into)
    }

    /// Its members, by user.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<GroupMember>> {
        self.0.access.require_see_inside()?;
        let page =
            GroupMembersLoader::load(ctx, self.0.group.id, &page_args(ctx, first, after)?).await?;
        Ok(connection(
            page,
            |member| member.user_id.to_string(),
            GroupMember,
        ))
    }

    /// The roles the group holds, only in projects the viewer may VIEW.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn role_assignments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<GroupRoleAssignment>> {
        self.0.access.require_see_inside()?;
        let page =
            GroupGrantsLoader::load(ctx, self.0.group.id, &page_args(ctx, first, after)?).await?;
        Ok(connection(
            page,
            |grant| grant.id.to_string(),
            |grant| GroupRoleAssignment::listed(ListedGrant::direct(grant)),
        ))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.group.created_at
    }
}

/// A user's membership of a group.
pub struct GroupMember(group_member::Model);

#[Object]
impl GroupMember {
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        let user = UserLoader::load(ctx, self.0.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(User::new(user))
    }

    async fn role(&self) -> GroupMemberRole {
        self.0.role.into()
    }

    async fn added_at(&self) -> DateTime<Utc> {
        self.0.added_at
    }
}

/// How a grant's project is handed out.
enum Holder {
    /// Already built by the list it came from.
    Known(Project),
    /// Listed because the viewer may view it: found through their grants.
    Granted,
    /// The project the viewer has just changed.
    ActedOn(ProjectView),
}

/// A group's role in a project, held there directly or inherited from a category.
pub struct GroupRoleAssignment {
    grant: ListedGrant,
    holder: Holder,
}

impl GroupRoleAssignment {
    pub fn new(grant: ListedGrant, project: Project) -> Self {
        Self {
            grant,
            holder: Holder::Known(project),
        }
    }

    fn listed(grant: ListedGrant) -> Self {
        Self {
            grant,
            holder: Holder::Granted,
        }
    }

    fn acted_on((grant, view): (ListedGrant, ProjectView)) -> Self {
        Self {
            grant,
            holder: Holder::ActedOn(view),
        }
    }

    fn model(&self) -> &group_role_assignment::Model {
        &self.grant.assignment
    }
}

#[Object]
impl GroupRoleAssignment {
    async fn id(&self) -> ID {
        ID(self.model().id.to_string())
    }

    /// The project or category the role is held on.
    async fn project(&self, ctx: &Context<'_>) -> Result<Project> {
        Ok(match &self.holder {
            Holder::Known(project) => project.clone(),
            Holder::ActedOn(view) => Project::acted_on(view.clone()),
            Holder::Granted => {
                let chain = ChainLoader::load(ctx, self.model().project_id)
                    .await?
                    .ok_or_else(|| AppError::not_found("project"))?;
                Project::granted(Project::view_of(ctx, chain)?)?
            }
        })
    }

    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        Ok(Group::load(ctx, self.model().group_id).await?)
    }

    /// CONTRIBUTOR, GUEST, VIEWER or FINDER; never OWNER or DELEGATE.
    async fn role(&self) -> Role {
        self.model().role.into()
    }

    /// True when it stems from an ancestor category.
    async fn inherited(&self) -> bool {
        self.grant.inherited
    }

    /// After it, the assignment grants nothing.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.model().expires_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model().created_at
    }
}

#[derive(Default)]
pub struct GroupQuery;

#[Object]
impl GroupQuery {
    /// A group; null (NOT_FOUND) unless the viewer may see it: its members, holders
    /// of a non-public role in a project where it holds a grant, and superusers.
    async fn group(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Group>> {
        viewer(ctx).require_user()?;
        let group = Group::load(ctx, parse_id(&id, "group")?).await?;
        group.0.access.require_visible()?;
        Ok(Some(group))
    }

    /// The viewer's groups (superusers: all), by name; `search` matches names.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Group>> {
        let page = domain::list(
            state(ctx)?,
            viewer(ctx),
            search,
            page_args(ctx, first, after)?,
        )
        .await?;
        Ok(connection(
            page,
            |view| domain::cursor_key(&view.group),
            Group,
        ))
    }
}

/// Left out: None (keep); null: Some(None) (clear); a value: Some(Some(value)).
fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(at) => Some(Some(at)),
    }
}

#[derive(Default)]
pub struct GroupMutation;

#[Object]
impl GroupMutation {
    /// Creates a group; the creator becomes its first manager.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        name: String,
        description: Option<String>,
    ) -> Result<Group> {
        let view = domain::create(state(ctx)?, viewer(ctx), &name, description).await?;
        Ok(Group(view))
    }

    /// Renames a group or changes its description (null clears it); managers.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        description: MaybeUndefined<String>,
    ) -> Result<Group> {
        let id = parse_id(&id, "group")?;
        let view = domain::update(state(ctx)?, viewer(ctx), id, name, change(description)).await?;
        Ok(Group(view))
    }

    /// Deletes a group and the roles it holds; managers. Returns its id.
    async fn delete_group(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = parse_id(&id, "group")?;
        let deleted = domain::delete(state(ctx)?, viewer(ctx), id).await?;
        Ok(ID(deleted.to_string()))
    }

    /// Adds a user to a group; managers.
    async fn add_group_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
        #[graphql(default_with = "Some(GroupMemberRole::Member)")] role: Option<GroupMemberRole>,
    ) -> Result<GroupMember> {
        let group_id = parse_id(&group_id, "group")?;
        let user_id = parse_id(&user_id, "user")?;
        let role = role.unwrap_or(GroupMemberRole::Member).into();
        let member = domain::add_member(state(ctx)?, viewer(ctx), group_id, user_id, role).await?;
        Ok(GroupMember(member))
    }

    /// Promotes or demotes a member; managers. The last manager is never demoted.
    async fn update_group_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
        role: GroupMemberRole,
    ) -> Result<GroupMember> {
        let group_id = parse_id(&group_id, "group")?;
        let user_id = parse_id(&user_id, "user")?;
        let member =
            domain::update_member(state(ctx)?, viewer(ctx), group_id, user_id, role.into()).await?;
        Ok(GroupMember(member))
    }

    /// Removes a member (managers) or leaves (the member); never the last manager.
    /// Returns the user's id.
    async fn remove_group_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
    ) -> Result<ID> {
        let group_id = parse_id(&group_id, "group")?;
        let user_id = parse_id(&user_id, "user")?;
        let removed = domain::remove_member(state(ctx)?, viewer(ctx), group_id, user_id).await?;
        Ok(ID(removed.to_string()))
    }

    /// Gives a group a role in a project: needs MANAGE_MEMBERS there, a role the
    /// viewer may grant (CONTRIBUTOR, GUEST, VIEWER; FINDER on categories) and
    /// membership of the group.
    async fn assign_group_role(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        group_id: ID,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<GroupRoleAssignment> {
        let project_id = parse_id(&project_id, "project")?;
        let group_id = parse_id(&group_id, "group")?;
        let assigned = grants::assign(
            state(ctx)?,
            viewer(ctx),
            project_id,
            group_id,
            role.into(),
            expires_at,
        )
        .await?;
        Ok(GroupRoleAssignment::acted_on(assigned))
    }

    /// Changes a group's role; MANAGE_MEMBERS. Leaving out `expiresAt` keeps the
    /// expiry; null removes it.
    async fn update_group_role_assignment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        role: Role,
        expires_at: MaybeUndefined<DateTime<Utc>>,
    ) -> Result<GroupRoleAssignment> {
        let id = parse_id(&id, "group role assignment")?;
        let updated = grants::update(
            state(ctx)?,
            viewer(ctx),
            id,
            role.into(),
            change(expires_at),
        )
        .await?;
        Ok(GroupRoleAssignment::acted_on(updated))
    }

    /// Removes a group's role: MANAGE_MEMBERS, or a manager of the group. Returns
    /// its id.
    async fn remove_group_role_assignment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = parse_id(&id, "group role assignment")?;
        let removed = grants::remove(state(ctx)?, viewer(ctx), id).await?;
        Ok(ID(removed.to_string()))
    }
}
