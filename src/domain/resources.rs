//! Resources and their ACLs: creating and deleting, what a viewer may do with each
//! (through `access`), setting ACLs one by one, by cascade or in all-or-nothing
//! batches, and listing what someone may read across every project, in SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    resource::{self, SafetyLevel},
    resource_share::{self, ShareAccess},
    user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, Query},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Page, PageArgs,
    audit::{self, Event},
    page_of_ids, pages_by, pages_of,
    projects::{self, ProjectView},
    users, validate,
};
use crate::{
    access::{
        self, Permission,
        sql::{self, Subject},
    },
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

/// A resource as a viewer sees it.
#[derive(Clone, Debug)]
pub struct ResourceView {
    pub resource: resource::Model,
    pub project: ProjectView,
    /// What the viewer may do with it; None: nothing.
    pub access: Option<ShareAccess>,
    pub may_change_acl: bool,
}

impl ResourceView {
    /// Combines a resource with the viewer's view of its project and their share.
    pub fn new(
        resource: resource::Model,
        project: ProjectView,
        viewer: &Viewer,
        share: Option<ShareAccess>,
    ) -> Self {
        let access = access::resource_access(viewer, &resource, &project.access, share);
        let may_change_acl = access::may_change_acl(viewer, &resource, &project.access);
        Self {
            resource,
            project,
            access,
            may_change_acl,
        }
    }

    fn require(&self, needed: ShareAccess) -> AppResult<()> {
        match self.access {
            None => Err(AppError::not_found("resource")),
            Some(access) if access >= needed => Ok(()),
            Some(_) if self.project.access.read_only => Err(AppError::Forbidden(
                "the project is archived, so its resources are read-only".into(),
            )),
            Some(_) => Err(AppError::Forbidden(
                "you may only read this resource".into(),
            )),
        }
    }

    fn require_acl_rights(&self) -> AppResult<()> {
        self.require(ShareAccess::Read)?;
        access::require_acl_change(self.may_change_acl, &self.project.access)
    }
}

/// The share of one user on one resource.
async fn share_of(
    conn: &impl ConnectionTrait,
    resource_id: Uuid,
    user_id: Option<Uuid>,
) -> AppResult<Option<ShareAccess>> {
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    Ok(resource_share::Entity::find_by_id((resource_id, user_id))
        .one(conn)
        .await?
        .map(|share| share.access))
}

/// The resource and the viewer's access to it; NOT_FOUND unless they may read it.
pub async fn view(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<ResourceView> {
    viewer.reject_invalid()?;
    let resource = resource::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("resource"))?;
    let chain = projects::load_chain(conn, viewer.id(), resource.project_id)
        .await?
        .ok_or_else(|| AppError::not_found("resource"))?;
    let project = ProjectView::new(chain, viewer, state.clock.now());
    let share = share_of(conn, id, viewer.id()).await?;
    let view = ResourceView::new(resource, project, viewer, share);
    view.require(ShareAccess::Read)?;
    Ok(view)
}

/// A new resource.
#[derive(Clone, Debug)]
pub struct NewResource {
    pub project_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub kind: String,
    pub name: String,
    pub safety_level: SafetyLevel,
}

fn validate_label(what: &str, value: &str, max_chars: usize) -> AppResult<String> {
    let value = validate::single_line(&format!("a resource {what}"), value)?;
    if value.is_empty() || value.chars().count() > max_chars {
        return Err(AppError::BadUserInput(format!(
            "a resource {what} is 1 to {max_chars} printable characters"
        )));
    }
    Ok(value)
}

/// Creates a resource in a project (WRITE there), optionally under a resource of
/// the same project that the viewer may change; the creator owns it.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewResource,
) -> AppResult<ResourceView> {
    let me = viewer.require_user()?;
    let kind = validate_label("kind", &input.kind, 64)?;
    let name = validate_label("name", &input.name, 255)?;
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, input.project_id).await?;
    project.access.require(Permission::Write)?;
    if let Some(parent_id) = input.parent_id {
        let parent = view(&txn, state, viewer, parent_id).await?;
        if parent.resource.project_id != input.project_id {
            return Err(AppError::BadUserInput(
                "a resource nests only under a resource of the same project".into(),
            ));
        }
        parent.require(ShareAccess::ReadWrite)?;
    }
    let now = state.clock.now();
    let created = resource::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(input.project_id),
        parent_id: Set(input.parent_id),
        kind: Set(kind),
        name_key: Set(name.to_lowercase()),
        name: Set(name),
        owner_id: Set(me.id),
        safety_level: Set(input.safety_level),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let details = json!({
        "kind": created.kind,
        "name": created.name,
        "parentId": created.parent_id,
        "safetyLevel": level_name(created.safety_level),
    });
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("resource.create", Some(created.id), details).in_project(created.project_id),
    )
    .await?;
    txn.commit().await?;
    view(&state.db, state, viewer, created.id).await
}

/// Deletes a resource (READ_WRITE on it) and everything nested under it.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let target = view(&txn, state, viewer, id).await?;
    target.require(ShareAccess::ReadWrite)?;
    resource::Entity::delete_by_id(id).exec(&txn).await?;
    let details = json!({ "kind": target.resource.kind, "name": target.resource.name });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("resource.delete", Some(id), details).in_project(target.resource.project_id),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// A resource's ACL, for those who may change it.
pub async fn acl(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<ResourceView> {
    let target = view(&state.db, state, viewer, id).await?;
    target.require_acl_rights()?;
    Ok(target)
}

/// A new ACL for a resource (and, with `cascade`, everything nested under it).
#[derive(Clone, Debug)]
pub struct AclChange {
    pub resource_id: Uuid,
    pub safety_level: SafetyLevel,
    pub shares: Vec<(Uuid, ShareAccess)>,
    pub cascade: bool,
}

/// Replaces an ACL; returns the ids of every resource whose ACL was set.
pub async fn set_acl(state: &AppState, viewer: &Viewer, change: AclChange) -> AppResult<Vec<Uuid>> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let changed = apply_acl(&txn, state, viewer, &change).await?;
    txn.commit().await?;
    Ok(changed)
}

/// Applies a batch of ACL changes all or nothing: the first bad item fails the
/// whole call with an error that names it, and nothing changes.
pub async fn set_acls(
    state: &AppState,
    viewer: &Viewer,
    changes: Vec<AclChange>,
) -> AppResult<Vec<Uuid>> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let mut changed = Vec::new();
    for (index, change) in changes.iter().enumerate() {
        let ids = apply_acl(&txn, state, viewer, change)
            .await
            .map_err(|error| {
                error.in_context(&format!("item {index} (resource {})", change.resource_id))
            })?;
        changed.extend(
            ids.into_iter()
                .filter(|id| !changed.contains(id))
                .collect::<Vec<_>>(),
        );
    }
    txn.commit().await?;
    Ok(changed)
}

/// Every resource nested under `root`, at any depth, in one statement. Resources
/// nest shallowly and only ACL cascades walk them, so a recursive query serves.
async fn descendants(conn: &impl ConnectionTrait, root: Uuid) -> AppResult<Vec<resource::Model>> {
    let backend = conn.get_database_backend();
    // The one parameter, written in the backend's own style.
    let parameter = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    let sql = format!(
        "WITH RECURSIVE below(id) AS ( \
             SELECT id FROM resources WHERE parent_id = {parameter} \
             UNION ALL SELECT resources.id FROM resources JOIN below ON resources.parent_id = below.id \
         ) SELECT resources.* FROM resources WHERE id IN (SELECT id FROM below) ORDER BY id"
    );
    let statement = Statement::from_sql_and_values(backend, sql, [root.into()]);
    Ok(resource::Model::find_by_statement(statement)
        .all(conn)
        .await?)
}

async fn apply_acl(
    txn: &DatabaseTransaction,
    state: &AppState,
    viewer: &Viewer,
    change: &AclChange,
) -> AppResult<Vec<Uuid>> {
    let root = view(txn, state, viewer, change.resource_id).await?;
    root.require_acl_rights()?;
    let mut seen = std::collections::HashSet::new();
    for (user_id, _) in &change.shares {
        if !seen.insert(*user_id) {
            return Err(AppError::BadUserInput(format!(
                "user {user_id} appears twice in sharedWith"
            )));
        }
    }
    let user_ids: Vec<Uuid> = seen.into_iter().collect();
    let known = users::by_ids(txn, &user_ids).await?;
    if let Some(missing) = user_ids.iter().find(|id| !known.contains_key(id)) {
        return Err(AppError::BadUserInput(format!(
            "sharedWith names user {missing}, who does not exist"
        )));
    }
    let mut targets = vec![root.resource.clone()];
    if change.cascade {
        for nested in descendants(txn, change.resource_id).await? {
            let nested_view = ResourceView::new(
                nested.clone(),
                root.project.clone(),
                viewer,
                share_of(txn, nested.id, viewer.id()).await?,
            );
            if !nested_view.may_change_acl {
                return Err(AppError::Forbidden(format!(
                    "you may not change the ACL of the nested resource {}",
                    nested.id
                )));
            }
            targets.push(nested);
        }
    }
    let now = state.clock.now();
    let ids: Vec<Uuid> = targets.iter().map(|target| target.id).collect();
    resource::Entity::update_many()
        .col_expr(
            resource::Column::SafetyLevel,
            sea_orm::sea_query::Expr::value(change.safety_level),
        )
        .col_expr(
            resource::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(resource::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    resource_share::Entity::delete_many()
        .filter(resource_share::Column::ResourceId.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    let rows: Vec<resource_share::ActiveModel> = ids
        .iter()
        .flat_map(|resource_id| {
            change
                .shares
                .iter()
                .map(move |(user_id, access)| resource_share::ActiveModel {
                    resource_id: Set(*resource_id),
                    user_id: Set(*user_id),
                    access: Set(*access),
                    created_at: Set(now),
                })
        })
        .collect();
    if !rows.is_empty() {
        resource_share::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    let shared_with: Vec<_> = change
        .shares
        .iter()
        .map(|(user_id, access)| json!({ "userId": user_id, "access": access_name(*access) }))
        .collect();
    for target in &targets {
        let details = json!({
            "safetyLevel": level_name(change.safety_level),
            "sharedWith": shared_with,
            "cascadedFrom": (target.id != change.resource_id).then_some(change.resource_id),
        });
        audit::record(
            txn,
            state,
            viewer.id(),
            Event::new("acl.set", Some(target.id), details).in_project(target.project_id),
        )
        .await?;
    }
    Ok(ids)
}

fn level_name(level: SafetyLevel) -> &'static str {
    match level {
        SafetyLevel::Public => "PUBLIC",
        SafetyLevel::Internal => "INTERNAL",
        SafetyLevel::Private => "PRIVATE",
    }
}

fn access_name(access: ShareAccess) -> &'static str {
    match access {
        ShareAccess::Read => "READ",
        ShareAccess::ReadWrite => "READ_WRITE",
    }
}

/// The shares of many resources, oldest first.
pub async fn shares_of(
    conn: &impl ConnectionTrait,
    resource_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<resource_share::Model>>> {
    let shares = resource_share::Entity::find()
        .filter(resource_share::Column::ResourceId.is_in(resource_ids.iter().copied()))
        .order_by_asc(resource_share::Column::CreatedAt)
        .order_by_asc(resource_share::Column::UserId)
        .all(conn)
        .await?;
    let mut grouped: HashMap<Uuid, Vec<resource_share::Model>> = HashMap::new();
    for share in shares {
        grouped.entry(share.resource_id).or_default().push(share);
    }
    Ok(grouped)
}

/// Resources by id, whoever may read them (the caller decides).
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, resource::Model>> {
    let rows = resource::Entity::find()
        .filter(resource::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// Everything the viewer (or, for superusers, `user_id`) may read, by id, across
/// every project, optionally of one kind, filtered in SQL.
pub async fn readable(
    state: &AppState,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    kind: Option<String>,
    page: PageArgs,
) -> AppResult<Page<resource::Model>> {
    viewer.reject_invalid()?;
    let now = state.clock.now();
    let subject = match user_id {
        Some(user_id) if !viewer.is(user_id) => {
            viewer.require_user()?;
            if !access::may_list_others_resources(viewer) {
                return Err(AppError::Forbidden(
                    "only superusers may list what another user may read".into(),
                ));
            }
            let other = user::Entity::find_by_id(user_id)
                .one(&state.db)
                .await?
                .ok_or_else(|| AppError::not_found("user"))?;
            Subject::of(Some(&other), now)
        }
        _ => Subject::of(viewer.user(), now),
    };
    list_for(state, viewer, subject, kind, page).await
}

/// What narrows a list of resources (`r`) beyond the rule: the `kind` asked for, and
/// the projects the viewer's address refuses (unless a superuser lists).
async fn narrowing(
    state: &AppState,
    viewer: &Viewer,
    subject: Subject,
    kind: Option<String>,
) -> AppResult<Vec<Expr>> {
    let mut narrow: Vec<Expr> = kind
        .map(|kind| Expr::col(("r", "kind")).eq(kind))
        .into_iter()
        .collect();
    if !matches!(subject, Subject::Everyone) && !viewer.is_superuser() {
        let refused = projects::refused_projects(&state.db, viewer).await?;
        narrow.extend(sql::outside_refused(("r", "project_id"), &refused));
    }
    Ok(narrow)
}

async fn list_for(
    state: &AppState,
    viewer: &Viewer,
    subject: Subject,
    kind: Option<String>,
    page: PageArgs,
) -> AppResult<Page<resource::Model>> {
    let narrow = narrowing(state, viewer, subject, kind).await?;
    let ids = sql::readable_resource_ids(subject, &narrow, state.db.get_database_backend());
    let (rows, total) = page_of_ids(&state.db, "resources", ids, page.after_id()?, &page).await?;
    let resources = rows
        .iter()
        .map(|row| resource::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(resources, &page, total))
}

/// What groups a batched listing of readable resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grouping {
    /// The resources of each project.
    Project,
    /// The resources nested directly under each resource.
    Parent,
}

/// One page of readable resources for each of many projects or parents, in one
/// statement (`Project.resources` and `Resource.children` inside lists).
pub async fn readable_grouped(
    state: &AppState,
    viewer: &Viewer,
    grouping: Grouping,
    keys: &[Uuid],
    kind: Option<String>,
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<resource::Model>>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let subject = Subject::of(viewer.user(), state.clock.now());
    let column = match grouping {
        Grouping::Project => ("r", "project_id"),
        Grouping::Parent => ("r", "parent_id"),
    };
    let mut everyone = Query::select()
        .column(("r", Asterisk))
        .expr_as(Expr::col(column), "group_key")
        .from_as("resources", "r")
        .and_where(sql::readable_resource(subject))
        .and_where(Expr::col(column).is_in(keys.iter().copied()))
        .to_owned();
    for condition in narrowing(state, viewer, subject, kind).await? {
        everyone.and_where(condition);
    }
    let keyset = page.after_id()?.map(|after| Expr::col("id").gt(after));
    let statement = pages_of(everyone, "group_key", "id", keyset, page);
    let rows = state.db.query_all(&statement).await?;
    pages_by(&rows, "group_key", keys, page)
}

/// Whether `user_id` (default: the viewer) may do what `permission` asks of a
/// resource. Asking about someone else needs superuser rights or MANAGE_MEMBERS in
/// the resource's project. A resource the viewer may not read answers false for
/// themselves and NOT_FOUND about others.
pub async fn check_permission(
    state: &AppState,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    resource_id: Uuid,
    permission: Permission,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    viewer.reject_invalid()?;
    let Some(needed) = access::resource_access_needed(permission) else {
        return Ok(false);
    };
    let own = match view(&state.db, state, viewer, resource_id).await {
        Ok(own) => Some(own),
        Err(AppError::NotFound(_)) => None,
        Err(error) => return Err(error),
    };
    let subject_id = match user_id {
        Some(user_id) if !viewer.is(user_id) => user_id,
        _ => {
            return Ok(own
                .and_then(|own| own.access)
                .is_some_and(|access| access >= needed));
        }
    };
    viewer.require_user()?;
    let own = own.ok_or_else(|| AppError::not_found("resource"))?;
    if !own.project.access.may_inspect_others() {
        return Err(AppError::Forbidden(
            "only superusers and those who manage its project's members may check others' access"
                .into(),
        ));
    }
    let subject = user::Entity::find_by_id(subject_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let chain = projects::load_chain(&state.db, Some(subject_id), own.resource.project_id)
        .await?
        .ok_or_else(|| AppError::not_found("resource"))?;
    // The other user is judged as if asking from the asker's address.
    let subject = Viewer::signed_in(subject).at_address_of(viewer);
    let project_access = chain.access(&subject, now);
    let share = share_of(&state.db, resource_id, Some(subject_id)).await?;
    let access = access::resource_access(&subject, &own.resource, &project_access, share);
    Ok(access.is_some_and(|access| access >= needed))
}

/// Whether a user owns any resource (and so cannot be deleted yet).
pub async fn owns_a_resource(conn: &impl ConnectionTrait, user_id: Uuid) -> AppResult<bool> {
    Ok(resource::Entity::find()
        .filter(resource::Column::OwnerId.eq(user_id))
        .one(conn)
        .await?
        .is_some())
}

/// Fresh views of resources with their shares, for answers after a change (no
/// request cache in between). Ids of resources that are gone are skipped.
pub async fn views_with_shares(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    ids: &[Uuid],
) -> AppResult<Vec<(ResourceView, Vec<resource_share::Model>)>> {
    let mut resources = by_ids(conn, ids).await?;
    let mut shares = shares_of(conn, ids).await?;
    let mut project_ids: Vec<Uuid> = resources
        .values()
        .map(|resource| resource.project_id)
        .collect();
    project_ids.sort_unstable();
    project_ids.dedup();
    let chains = projects::load_chains(conn, viewer.id(), &project_ids).await?;
    let now = state.clock.now();
    let mut views = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(resource) = resources.remove(id) else {
            continue;
        };
        let Some(chain) = chains.get(&resource.project_id) else {
            continue;
        };
        let resource_shares = shares.remove(id).unwrap_or_default();
        let own_share = viewer
            .id()
            .and_then(|me| resource_shares.iter().find(|share| share.user_id == me))
            .map(|share| share.access);
        let project = ProjectView::new(chain.clone(), viewer, now);
        views.push((
            ResourceView::new(resource, project, viewer, own_share),
            resource_shares,
        ));
    }
    Ok(views)
}
