//! Resources and ACLs: the `Resource`, `Share` and `Acl` types, `resource`,
//! `readableResources`, `acl`, and the resource and ACL mutations.

use std::collections::HashMap;

use async_graphql::{Context, Enum, Guard, ID, InputObject, Object, Result, futures_util};
use chrono::{DateTime, Utc};
use entity::{
    resource::{self, SafetyLevel as DbSafetyLevel},
    resource_share::{self, ShareAccess as DbShareAccess},
};
use uuid::Uuid;

use super::{
    connection::{Connection, connection, page_args},
    loaders::{ChainLoader, ResourceListLoader, ResourceLoader, SharesLoader, UserLoader},
    parse_id,
    projects::Project,
    state,
    users::User,
    viewer,
};
use crate::{
    access::Introduction,
    domain::{
        Page,
        projects::ProjectView,
        resources::{self as domain, AclChange, Grouping, NewResource, ResourceView},
    },
    error::{AppError, AppResult},
};

/// G-Node's public / friendly / private.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafetyLevel {
    /// Readable by anyone, even anonymous.
    Public,
    /// Readable by the project's members, by role.
    Internal,
    /// Only the owner, the project's OWNER and DELEGATEs, and those it is shared with.
    Private,
}

impl From<DbSafetyLevel> for SafetyLevel {
    fn from(level: DbSafetyLevel) -> Self {
        match level {
            DbSafetyLevel::Public => Self::Public,
            DbSafetyLevel::Internal => Self::Internal,
            DbSafetyLevel::Private => Self::Private,
        }
    }
}

impl From<SafetyLevel> for DbSafetyLevel {
    fn from(level: SafetyLevel) -> Self {
        match level {
            SafetyLevel::Public => Self::Public,
            SafetyLevel::Internal => Self::Internal,
            SafetyLevel::Private => Self::Private,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareAccess {
    Read,
    ReadWrite,
}

impl From<DbShareAccess> for ShareAccess {
    fn from(access: DbShareAccess) -> Self {
        match access {
            DbShareAccess::Read => Self::Read,
            DbShareAccess::ReadWrite => Self::ReadWrite,
        }
    }
}

impl From<ShareAccess> for DbShareAccess {
    fn from(access: ShareAccess) -> Self {
        match access {
            ShareAccess::Read => Self::Read,
            ShareAccess::ReadWrite => Self::ReadWrite,
        }
    }
}

/// Passes for those who may change the resource's ACL.
struct ChangesAcl<'a>(&'a ResourceView);

impl Guard for ChangesAcl<'_> {
    async fn check(&self, _ctx: &Context<'_>) -> Result<()> {
        if self.0.may_change_acl {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only those who may change the ACL see whom a resource is shared with".into(),
            )
            .into())
        }
    }
}

/// A resource of a project, as the viewer sees it.
pub struct Resource {
    view: ResourceView,
}

impl Resource {
    /// The resource objects of a page of rows: their projects' chains and their
    /// shares load in one batch each.
    pub async fn page(ctx: &Context<'_>, mut page: Page<resource::Model>) -> AppResult<Page<Self>> {
        let models = std::mem::take(&mut page.items);
        let views = views(ctx, models).await?;
        Ok(page.with_items(views.into_iter().map(|view| Self { view }).collect()))
    }

    fn model(&self) -> &resource::Model {
        &self.view.resource
    }
}

/// Builds the viewer's views of resources through the request's loaders.
async fn views(ctx: &Context<'_>, models: Vec<resource::Model>) -> AppResult<Vec<ResourceView>> {
    let mut project_ids: Vec<Uuid> = models.iter().map(|model| model.project_id).collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let ids: Vec<Uuid> = models.iter().map(|model| model.id).collect();
    // Two statements on two connections at once: neither needs the other.
    let (chains, shares): (_, HashMap<Uuid, Vec<resource_share::Model>>) = futures_util::try_join!(
        ChainLoader::load_many(ctx, &project_ids),
        SharesLoader::load_many(ctx, &ids),
    )?;
    let viewer = viewer(ctx);
    let now = state(ctx)?.clock.now();
    let mut views = Vec::with_capacity(models.len());
    for model in models {
        let Some(chain) = chains.get(&model.project_id) else {
            continue;
        };
        let own_share = viewer
            .id()
            .and_then(|me| {
                shares
                    .get(&model.id)?
                    .iter()
                    .find(|share| share.user_id == me)
            })
            .map(|share| share.access);
        let project = ProjectView::new(chain.clone(), viewer, now);
        views.push(ResourceView::new(model, project, viewer, own_share));
    }
    Ok(views)
}

fn resource_connection(page: Page<Resource>) -> Connection<Resource> {
    connection(
        page,
        |resource| resource.model().id.to_string(),
        |resource| resource,
    )
}

async fn shares(ctx: &Context<'_>, resource_id: Uuid) -> AppResult<Vec<Share>> {
    let shares = SharesLoader::load_many(ctx, &[resource_id]).await?;
    Ok(shares
        .get(&resource_id)
        .map(|shares| shares.iter().cloned().map(Share).collect())
        .unwrap_or_default())
}

#[Object]
impl Resource {
    async fn id(&self) -> ID {
        ID(self.model().id.to_string())
    }

    /// The project it belongs to; a reader who may not find the project through a
    /// grant sees only its name.
    async fn project(&self) -> Project {
        Project::introduced(self.view.project.clone(), Introduction::Resource)
    }

    /// The resource this one nests under; null at the top or when unreadable.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Resource>> {
        let Some(parent_id) = self.model().parent_id else {
            return Ok(None);
        };
        let Some(parent) = ResourceLoader::load(ctx, parent_id).await? else {
            return Ok(None);
        };
        let parent = views(ctx, vec![parent]).await?.into_iter().next();
        Ok(parent
            .filter(|view| view.access.is_some())
            .map(|view| Resource { view }))
    }

    /// "dataset", "model", … chosen by the client.
    async fn kind(&self) -> &str {
        &self.model().kind
    }

    async fn name(&self) -> &str {
        &self.model().name
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        let owner = UserLoader::load(ctx, self.model().owner_id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(User::new(owner))
    }

    async fn safety_level(&self) -> SafetyLevel {
        self.model().safety_level.into()
    }

    /// Visible to those who may change the ACL.
    #[graphql(guard = "ChangesAcl(&self.view)")]
    async fn shared_with(&self, ctx: &Context<'_>) -> Result<Vec<Share>> {
        Ok(shares(ctx, self.model().id).await?)
    }

    /// The nested resources the viewer may read.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Resource>> {
        let page = ResourceListLoader::load(
            ctx,
            Grouping::Parent,
            self.model().id,
            None,
            &page_args(ctx, first, after)?,
        )
        .await?;
        Ok(resource_connection(Resource::page(ctx, page).await?))
    }

    /// What the viewer may do with it; null: nothing.
    async fn my_access(&self) -> Option<ShareAccess> {
        self.view.access.map(Into::into)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model().created_at
    }
}

/// One entry of an ACL.
pub struct Share(resource_share::Model);

#[Object]
impl Share {
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        let user = UserLoader::load(ctx, self.0.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("user"))?;
        Ok(User::new(user))
    }

    async fn access(&self) -> ShareAccess {
        self.0.access.into()
    }
}

/// A resource's ACL: its safety level and whom it is shared with.
pub struct Acl {
    view: ResourceView,
    shares: Vec<resource_share::Model>,
}

#[Object]
impl Acl {
    async fn resource(&self) -> Resource {
        Resource {
            view: self.view.clone(),
        }
    }

    async fn safety_level(&self) -> SafetyLevel {
        self.view.resource.safety_level.into()
    }

    async fn shared_with(&self) -> Vec<Share> {
        self.shares.iter().cloned().map(Share).collect()
    }
}

#[derive(InputObject)]
pub struct CreateResourceInput {
    project_id: ID,
    /// A resource of the same project to nest under.
    parent_id: Option<ID>,
    /// 1–64 characters: "dataset", "model", …
    kind: String,
    /// 1–255 characters, unique among siblings (ignoring case).
    name: String,
    #[graphql(default_with = "Some(SafetyLevel::Internal)")]
    safety_level: Option<SafetyLevel>,
}

#[derive(InputObject)]
pub struct ShareInput {
    user_id: ID,
    access: ShareAccess,
}

#[derive(InputObject)]
pub struct SetAclInput {
    resource_id: ID,
    safety_level: SafetyLevel,
    shared_with: Vec<ShareInput>,
    /// Apply the same ACL to every resource nested under this one.
    #[graphql(default_with = "Some(false)")]
    cascade: Option<bool>,
}

fn acl_change(input: SetAclInput) -> AppResult<AclChange> {
    let shares = input
        .shared_with
        .iter()
        .map(|share| Ok((parse_id(&share.user_id, "user")?, share.access.into())))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(AclChange {
        resource_id: parse_id(&input.resource_id, "resource")?,
        safety_level: input.safety_level.into(),
        shares,
        cascade: input.cascade.unwrap_or(false),
    })
}

async fn acls(ctx: &Context<'_>, ids: &[Uuid]) -> AppResult<Vec<Acl>> {
    let state = state(ctx)?;
    let views = domain::views_with_shares(&state.db, state, viewer(ctx), ids).await?;
    Ok(views
        .into_iter()
        .map(|(view, shares)| Acl { view, shares })
        .collect())
}

#[derive(Default)]
pub struct ResourceQuery;

#[Object]
impl ResourceQuery {
    /// A resource; null (NOT_FOUND) unless the viewer may read it.
    async fn resource(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Resource>> {
        let id = parse_id(&id, "resource")?;
        let state = state(ctx)?;
        let view = domain::view(&state.db, state, viewer(ctx), id).await?;
        Ok(Some(Resource { view }))
    }

    /// Everything the viewer may read across all projects (another user's: for
    /// superusers), by creation.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn readable_resources(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        kind: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<Resource>> {
        let user_id = user_id
            .as_ref()
            .map(|id| parse_id(id, "user"))
            .transpose()?;
        let page = domain::readable(
            state(ctx)?,
            viewer(ctx),
            user_id,
            kind,
            page_args(ctx, first, after)?,
        )
        .await?;
        Ok(resource_connection(Resource::page(ctx, page).await?))
    }

    /// A resource's ACL, for those who may change it.
    async fn acl(&self, ctx: &Context<'_>, resource_id: ID) -> Result<Acl> {
        let id = parse_id(&resource_id, "resource")?;
        domain::acl(state(ctx)?, viewer(ctx), id).await?;
        acls(ctx, &[id])
            .await?
            .pop()
            .ok_or_else(|| AppError::not_found("resource").into())
    }
}

/// The resources of a project the viewer may read (for `Project.resources`).
pub async fn project_resources(
    ctx: &Context<'_>,
    project_id: Uuid,
    kind: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<Connection<Resource>> {
    let page = ResourceListLoader::load(
        ctx,
        Grouping::Project,
        project_id,
        kind,
        &page_args(ctx, first, after)?,
    )
    .await?;
    Ok(resource_connection(Resource::page(ctx, page).await?))
}

#[derive(Default)]
pub struct ResourceMutation;

#[Object]
impl ResourceMutation {
    /// Creates a resource (WRITE on the project); the creator owns it.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateResourceInput,
    ) -> Result<Resource> {
        let input = NewResource {
            project_id: parse_id(&input.project_id, "project")?,
            parent_id: input
                .parent_id
                .as_ref()
                .map(|id| parse_id(id, "resource"))
                .transpose()?,
            kind: input.kind,
            name: input.name,
            safety_level: input.safety_level.unwrap_or(SafetyLevel::Internal).into(),
        };
        let view = domain::create(state(ctx)?, viewer(ctx), input).await?;
        Ok(Resource { view })
    }

    /// Deletes a resource (READ_WRITE on it) and everything nested under it.
    async fn delete_resource(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = parse_id(&id, "resource")?;
        Ok(ID(domain::delete(state(ctx)?, viewer(ctx), id)
            .await?
            .to_string()))
    }

    /// Replaces a resource's safety level and shares (and, with cascade, those of
    /// everything nested under it, in one transaction). Returns every changed ACL.
    async fn set_acl(&self, ctx: &Context<'_>, input: SetAclInput) -> Result<Vec<Acl>> {
        let changed = domain::set_acl(state(ctx)?, viewer(ctx), acl_change(input)?).await?;
        Ok(acls(ctx, &changed).await?)
    }

    /// Applies many ACLs all or nothing: one bad item fails the call, naming it.
    async fn set_acls(&self, ctx: &Context<'_>, inputs: Vec<SetAclInput>) -> Result<Vec<Acl>> {
        let changes = inputs
            .into_iter()
            .enumerate()
            .map(|(index, input)| {
                acl_change(input).map_err(|error| error.in_context(&format!("item {index}")))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let changed = domain::set_acls(state(ctx)?, viewer(ctx), changes).await?;
        Ok(acls(ctx, &changed).await?)
    }
}
