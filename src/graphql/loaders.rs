//! DataLoaders: one per lookup, created per request (so their caches never outlive
//! it and know who is asking), permission-blind. Lists resolve nested objects through
//! them in one batched statement instead of one per row.

use std::{collections::HashMap, hash::Hash, sync::Arc, time::Duration};

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use entity::{
    audit_event, group_member, group_role_assignment,
    invitation::{self, InvitationStatus},
    project, resource, resource_share, user,
};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    access::sql::Subject,
    auth::{Viewer, viewer_cache::Unconfirmed},
    domain::{
        Page, PageArgs, audit,
        groups::{self, GroupView, grants::ListedGrant},
        invitations,
        projects::{self, Chain},
        resources::{self, Grouping},
        roles::{self, Member},
        settings::{self, ValueKey},
        users,
    },
    error::{AppError, AppResult},
    graphql::batching::Batching,
    state::AppState,
};

/// Loader errors must be `Clone`; the cause is logged when it reaches the client.
type LoadError = Arc<AppError>;

fn shared(error: impl Into<AppError>) -> LoadError {
    Arc::new(error.into())
}

fn unshared(error: LoadError) -> AppError {
    error.duplicate()
}

fn loader<'a, L: Send + Sync + 'static>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<L>> {
    ctx.data::<DataLoader<L>>().map_err(|_| {
        AppError::internal(anyhow::anyhow!("a DataLoader is missing from the request"))
    })
}

/// Groups page requests by their shape (everything but the id of the project or
/// parent they list under): each shape is one statement for all its ids.
fn by_shape<S: Hash + Eq>(keys: impl IntoIterator<Item = (S, Uuid)>) -> HashMap<S, Vec<Uuid>> {
    let mut shapes: HashMap<S, Vec<Uuid>> = HashMap::new();
    for (shape, id) in keys {
        shapes.entry(shape).or_default().push(id);
    }
    shapes
}

/// One page of a list under a project: (project, page request). The request is part
/// of the key, so pages asked with and without their total never stand in for each
/// other.
pub type PageKey = (Uuid, PageArgs);

/// Fetches the pages `keys` ask for, one `fetch` per page request.
async fn load_pages<T, Fetched>(
    keys: &[PageKey],
    fetch: impl Fn(Vec<Uuid>, PageArgs) -> Fetched,
) -> Result<HashMap<PageKey, Page<T>>, LoadError>
where
    Fetched: Future<Output = AppResult<HashMap<Uuid, Page<T>>>>,
{
    let shapes = by_shape(
        keys.iter()
            .map(|(project_id, args)| (args.clone(), *project_id)),
    );
    let mut pages = HashMap::new();
    for (args, project_ids) in shapes {
        for (project_id, page) in fetch(project_ids, args.clone()).await.map_err(shared)? {
            pages.insert((project_id, args.clone()), page);
        }
    }
    Ok(pages)
}

/// The page `page` asks for under `project_id`, through loader `L` (empty when none).
async fn load_page<L, T>(ctx: &Context<'_>, project_id: Uuid, page: &PageArgs) -> AppResult<Page<T>>
where
    L: Loader<PageKey, Value = Page<T>, Error = LoadError>,
    T: Clone + Send + Sync + 'static,
{
    Ok(loader::<L>(ctx)?
        .load_one((project_id, page.clone()))
        .await
        .map_err(unshared)?
        .unwrap_or_else(|| Page::empty(page)))
}

/// Users by id.
pub struct UserLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        users::by_ids(&self.db, keys).await.map_err(shared)
    }
}

impl UserLoader {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<user::Model>> {
        loader::<Self>(ctx)?.load_one(id).await.map_err(unshared)
    }
}

/// Projects with their ancestors and the viewer's assignments along the way, by
/// project id: everything access is computed from, in one statement per batch.
pub struct ChainLoader {
    db: DatabaseConnection,
    viewer_id: Option<Uuid>,
    /// A viewer guessed from the cache: the first batch reads its row along.
    unconfirmed: Option<Arc<Unconfirmed>>,
}

impl Loader<Uuid> for ChainLoader {
    type Value = Chain;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        if let Some(guess) = self.unconfirmed.as_ref().filter(|guess| guess.awaits_row()) {
            let (chains, row) = projects::load_chains_with_subject(&self.db, guess.user_id(), keys)
                .await
                .map_err(shared)?;
            guess.observe(row);
            return Ok(chains);
        }
        projects::load_chains(&self.db, self.viewer_id, keys)
            .await
            .map_err(shared)
    }
}

impl ChainLoader {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<Chain>> {
        loader::<Self>(ctx)?.load_one(id).await.map_err(unshared)
    }

    pub async fn load_many(ctx: &Context<'_>, ids: &[Uuid]) -> AppResult<HashMap<Uuid, Chain>> {
        loader::<Self>(ctx)?
            .load_many(ids.iter().copied())
            .await
            .map_err(unshared)
    }
}

/// The direct owner of each project.
pub struct OwnerLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for OwnerLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        roles::owners(&self.db, keys).await.map_err(shared)
    }
}

impl OwnerLoader {
    pub async fn load(ctx: &Context<'_>, project_id: Uuid) -> AppResult<Option<user::Model>> {
        loader::<Self>(ctx)?
            .load_one(project_id)
            .await
            .map_err(unshared)
    }
}

/// One page of members of each project.
pub struct MembersLoader {
    db: DatabaseConnection,
}

impl Loader<PageKey> for MembersLoader {
    type Value = Page<Member>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        load_pages(keys, |project_ids, args| async move {
            roles::members(&self.db, &project_ids, &args).await
        })
        .await
    }
}

impl MembersLoader {
    pub async fn load(
        ctx: &Context<'_>,
        project_id: Uuid,
        page: &PageArgs,
    ) -> AppResult<Page<Member>> {
        load_page::<Self, _>(ctx, project_id, page).await
    }
}

/// One page of a project's invitations: (project, status filter, page request).
pub type InvitationsKey = (Uuid, Option<InvitationStatus>, PageArgs);

pub struct InvitationsLoader {
    state: AppState,
}

impl Loader<InvitationsKey> for InvitationsLoader {
    type Value = Page<invitation::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[InvitationsKey],
    ) -> Result<HashMap<InvitationsKey, Self::Value>, Self::Error> {
        let shapes = by_shape(
            keys.iter()
                .map(|(project_id, status, args)| ((*status, args.clone()), *project_id)),
        );
        let now = self.state.clock.now();
        let mut pages = HashMap::new();
        for ((status, args), project_ids) in shapes {
            let found = invitations::for_projects(&self.state.db, &project_ids, status, &args, now)
                .await
                .map_err(shared)?;
            for (project_id, page) in found {
                pages.insert((project_id, status, args.clone()), page);
            }
        }
        Ok(pages)
    }
}

impl InvitationsLoader {
    pub async fn load(
        ctx: &Context<'_>,
        project_id: Uuid,
        status: Option<InvitationStatus>,
        page: &PageArgs,
    ) -> AppResult<Page<invitation::Model>> {
        Ok(loader::<Self>(ctx)?
            .load_one((project_id, status, page.clone()))
            .await
            .map_err(unshared)?
            .unwrap_or_else(|| Page::empty(page)))
    }
}

/// One page of each project's audit trail.
pub struct EventsLoader {
    db: DatabaseConnection,
}

impl Loader<PageKey> for EventsLoader {
    type Value = Page<audit_event::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        load_pages(keys, |project_ids, args| async move {
            audit::for_projects(&self.db, &project_ids, &args).await
        })
        .await
    }
}

impl EventsLoader {
    pub async fn load(
        ctx: &Context<'_>,
        project_id: Uuid,
        page: &PageArgs,
    ) -> AppResult<Page<audit_event::Model>> {
        load_page::<Self, _>(ctx, project_id, page).await
    }
}

/// One page of each category's children, for the viewer (whose client address
/// may be refused by some of them).
pub struct ChildrenLoader {
    state: AppState,
    viewer: Viewer,
}

impl Loader<PageKey> for ChildrenLoader {
    type Value = Page<project::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        load_pages(keys, |category_ids, args| async move {
            projects::children_of(&self.state, &self.viewer, &category_ids, &args).await
        })
        .await
    }
}

impl ChildrenLoader {
    pub async fn load(
        ctx: &Context<'_>,
        category_id: Uuid,
        page: &PageArgs,
    ) -> AppResult<Page<project::Model>> {
        load_page::<Self, _>(ctx, category_id, page).await
    }
}

/// Resources by id, permission-blind: callers build the viewer's view.
pub struct ResourceLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for ResourceLoader {
    type Value = resource::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        resources::by_ids(&self.db, keys).await.map_err(shared)
    }
}

impl ResourceLoader {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<resource::Model>> {
        loader::<Self>(ctx)?.load_one(id).await.map_err(unshared)
    }
}

/// The shares (ACL entries) of each resource.
pub struct SharesLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for SharesLoader {
    type Value = Vec<resource_share::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        resources::shares_of(&self.db, keys).await.map_err(shared)
    }
}

impl SharesLoader {
    pub async fn load_many(
        ctx: &Context<'_>,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<resource_share::Model>>> {
        loader::<Self>(ctx)?
            .load_many(ids.iter().copied())
            .await
            .map_err(unshared)
    }
}

/// One page of the resources the viewer may read in a project or under a resource:
/// (grouping, project or parent, kind, page request).
pub type ResourceListKey = (Grouping, Uuid, Option<String>, PageArgs);

pub struct ResourceListLoader {
    state: AppState,
    viewer: Viewer,
}

impl Loader<ResourceListKey> for ResourceListLoader {
    type Value = Page<resource::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ResourceListKey],
    ) -> Result<HashMap<ResourceListKey, Self::Value>, Self::Error> {
        let shapes = by_shape(
            keys.iter()
                .map(|(grouping, id, kind, args)| ((*grouping, kind.clone(), args.clone()), *id)),
        );
        let mut pages = HashMap::new();
        for ((grouping, kind, args), ids) in shapes {
            let found = resources::readable_grouped(
                &self.state,
                &self.viewer,
                grouping,
                &ids,
                kind.clone(),
                &args,
            )
            .await
            .map_err(shared)?;
            for (id, page) in found {
                pages.insert((grouping, id, kind.clone(), args.clone()), page);
            }
        }
        Ok(pages)
    }
}

impl ResourceListLoader {
    pub async fn load(
        ctx: &Context<'_>,
        grouping: Grouping,
        id: Uuid,
        kind: Option<String>,
        page: &PageArgs,
    ) -> AppResult<Page<resource::Model>> {
        Ok(loader::<Self>(ctx)?
            .load_one((grouping, id, kind, page.clone()))
            .await
            .map_err(unshared)?
            .unwrap_or_else(|| Page::empty(page)))
    }
}

/// Whether the viewer shares a project with each user (for email visibility).
pub struct CoMemberLoader {
    state: AppState,
    viewer_id: Option<Uuid>,
}

impl Loader<Uuid> for CoMemberLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer_id) = self.viewer_id else {
            return Ok(keys.iter().map(|key| (*key, false)).collect());
        };
        let shared_with =
            roles::co_members(&self.state.db, viewer_id, keys, self.state.clock.now())
                .await
                .map_err(shared)?;
        Ok(keys
            .iter()
            .map(|key| (*key, shared_with.contains(key)))
            .collect())
    }
}

impl CoMemberLoader {
    pub async fn load(ctx: &Context<'_>, user_id: Uuid) -> AppResult<bool> {
        Ok(loader::<Self>(ctx)?
            .load_one(user_id)
            .await
            .map_err(unshared)?
            .unwrap_or(false))
    }
}

/// Stored setting values by key (absent: unset), for `Project.setting` across a list.
pub struct SettingLoader {
    db: DatabaseConnection,
}

impl Loader<ValueKey> for SettingLoader {
    type Value = serde_json::Value;
    type Error = LoadError;

    async fn load(&self, keys: &[ValueKey]) -> Result<HashMap<ValueKey, Self::Value>, Self::Error> {
        settings::load_values(&self.db, keys).await.map_err(shared)
    }
}

impl SettingLoader {
    pub async fn load(ctx: &Context<'_>, key: ValueKey) -> AppResult<Option<serde_json::Value>> {
        loader::<Self>(ctx)?.load_one(key).await.map_err(unshared)
    }
}

/// Groups by id as the viewer sees them (visible or not: callers decide).
pub struct GroupLoader {
    state: AppState,
    viewer: Viewer,
}

impl Loader<Uuid> for GroupLoader {
    type Value = GroupView;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        groups::by_ids(&self.state.db, &self.viewer, self.state.clock.now(), keys)
            .await
            .map_err(shared)
    }
}

impl GroupLoader {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<GroupView>> {
        loader::<Self>(ctx)?.load_one(id).await.map_err(unshared)
    }
}

/// One page of members of each group.
pub struct GroupMembersLoader {
    db: DatabaseConnection,
}

impl Loader<PageKey> for GroupMembersLoader {
    type Value = Page<group_member::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        load_pages(keys, |group_ids, args| async move {
            groups::members(&self.db, &group_ids, &args).await
        })
        .await
    }
}

impl GroupMembersLoader {
    pub async fn load(
        ctx: &Context<'_>,
        group_id: Uuid,
        page: &PageArgs,
    ) -> AppResult<Page<group_member::Model>> {
        load_page::<Self, _>(ctx, group_id, page).await
    }
}

/// One page of each group's grants, on projects the viewer may view.
pub struct GroupGrantsLoader {
    state: AppState,
    viewer: Viewer,
}

impl Loader<PageKey> for GroupGrantsLoader {
    type Value = Page<group_role_assignment::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        let subject = Subject::of(self.viewer.user(), self.state.clock.now());
        let refused = if self.viewer.is_superuser() {
            Vec::new()
        } else {
            projects::refused_projects(&self.state.db, &self.viewer)
                .await
                .map_err(shared)?
        };
        let refused = &refused;
        load_pages(keys, |group_ids, args| async move {
            groups::grants::of_groups(&self.state.db, subject, refused, &group_ids, &args).await
        })
        .await
    }
}

impl GroupGrantsLoader {
    pub async fn load(
        ctx: &Context<'_>,
        group_id: Uuid,
        page: &PageArgs,
    ) -> AppResult<Page<group_role_assignment::Model>> {
        load_page::<Self, _>(ctx, group_id, page).await
    }
}

/// One page of the group grants of each project (held there or above, where the
/// viewer may find them).
pub struct ProjectGroupGrantsLoader {
    state: AppState,
    viewer: Viewer,
}

impl Loader<PageKey> for ProjectGroupGrantsLoader {
    type Value = Page<ListedGrant>;
    type Error = LoadError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, Self::Error> {
        let subject = Subject::of(self.viewer.user(), self.state.clock.now());
        load_pages(keys, |project_ids, args| async move {
            groups::grants::in_projects(&self.state.db, subject, &project_ids, &args).await
        })
        .await
    }
}

impl ProjectGroupGrantsLoader {
    pub async fn load(
        ctx: &Context<'_>,
        project_id: Uuid,
        page: &PageArgs,
    ) -> AppResult<Page<ListedGrant>> {
        load_page::<Self, _>(ctx, project_id, page).await
    }
}

/// A loader whose fetches wait until the request is idle (see `batching`).
fn batched<L>(loader: L, batching: &Batching) -> DataLoader<L> {
    DataLoader::new(loader, batching.spawner()).delay(Duration::ZERO)
}

/// Adds a fresh set of loaders, for one viewer, to a request's data.
pub fn attach(
    data: &mut async_graphql::Data,
    state: &AppState,
    viewer: &Viewer,
    unconfirmed: Option<&Arc<Unconfirmed>>,
    batching: &Batching,
) {
    let viewer_id = viewer.id();
    let db = &state.db;
    data.insert(batched(UserLoader { db: db.clone() }, batching));
    data.insert(batched(
        ChainLoader {
            db: db.clone(),
            viewer_id,
            unconfirmed: unconfirmed.cloned(),
        },
        batching,
    ));
    data.insert(batched(OwnerLoader { db: db.clone() }, batching));
    data.insert(batched(
        ChildrenLoader {
            state: state.clone(),
            viewer: viewer.clone(),
        },
        batching,
    ));
    data.insert(batched(
        ResourceListLoader {
            state: state.clone(),
            viewer: viewer.clone(),
        },
        batching,
    ));
    data.insert(batched(ResourceLoader { db: db.clone() }, batching));
    data.insert(batched(SharesLoader { db: db.clone() }, batching));
    data.insert(batched(MembersLoader { db: db.clone() }, batching));
    data.insert(batched(
        InvitationsLoader {
            state: state.clone(),
        },
        batching,
    ));
    data.insert(batched(EventsLoader { db: db.clone() }, batching));
    data.insert(batched(SettingLoader { db: db.clone() }, batching));
    data.insert(batched(
        GroupLoader {
            state: state.clone(),
            viewer: viewer.clone(),
        },
        batching,
    ));
    data.insert(batched(GroupMembersLoader { db: db.clone() }, batching));
    data.insert(batched(
        GroupGrantsLoader {
            state: state.clone(),
            viewer: viewer.clone(),
        },
        batching,
    ));
    data.insert(batched(
        ProjectGroupGrantsLoader {
            state: state.clone(),
            viewer: viewer.clone(),
        },
        batching,
    ));
    data.insert(batched(
        CoMemberLoader {
            state: state.clone(),
            viewer_id,
        },
        batching,
    ));
}
