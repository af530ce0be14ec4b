//! The roles groups hold in projects: listing them (by project, with those
//! inherited from above; by group), granting, changing and removing them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{group_role_assignment, role_assignment::Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set,
    TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, JoinType, Query},
};
use serde_json::json;
use uuid::Uuid;

use super::super::{
    Page, PageArgs, after_pair,
    audit::{self, Event},
    invalid_cursor, pages_by, pages_of, pages_of_items,
    projects::{self, ProjectView},
    roles::require_future,
    tree,
};
use crate::{
    access::{
        self,
        sql::{self, Subject},
    },
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

/// A group's grant as listed on a project: held there or on a category above it.
#[derive(Clone, Debug)]
pub struct ListedGrant {
    pub assignment: group_role_assignment::Model,
    /// Held on an ancestor category, not on the project itself.
    pub inherited: bool,
    /// How many levels above the project it is held (0: the project).
    pub depth: i32,
}

impl ListedGrant {
    /// A grant held on its own project.
    pub fn direct(assignment: group_role_assignment::Model) -> Self {
        Self {
            assignment,
            inherited: false,
            depth: 0,
        }
    }

    /// The sort key its cursor carries in `in_projects`.
    pub fn cursor_key(&self) -> String {
        format!("{}:{}", self.depth, self.assignment.id)
    }
}

/// The keyset after a `cursor_key`: further from the project, or as far and later.
fn after_depth_and_id(key: &str) -> AppResult<Expr> {
    let (depth, id) = key.split_once(':').ok_or_else(invalid_cursor)?;
    let depth: i32 = depth.parse().map_err(|_| invalid_cursor())?;
    let id: Uuid = id.parse().map_err(|_| invalid_cursor())?;
    Ok(after_pair("chain_depth", "id", (depth, id)))
}

/// One page of group grants for each of many projects, in one statement: those on
/// the project first, then those inherited from each ancestor the subject may find.
pub async fn in_projects(
    conn: &impl ConnectionTrait,
    subject: Subject,
    project_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<ListedGrant>>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let keyset = page.after.as_deref().map(after_depth_and_id).transpose()?;
    let everyone = Query::select()
        .expr_as(Expr::col(("pa", "project_id")), "chain_start")
        .expr_as(Expr::col(("pa", "depth")), "chain_depth")
        .column(("ga", Asterisk))
        .from_as(tree::TABLE, "pa")
        .join_as(
            JoinType::InnerJoin,
            "group_role_assignments",
            "ga",
            Expr::col(("ga", "project_id")).equals(("pa", "ancestor_id")),
        )
        .and_where(Expr::col(("pa", "project_id")).is_in(project_ids.iter().copied()))
        .and_where(sql::findable(("ga", "project_id"), subject))
        .to_owned();
    let statement = pages_of(everyone, "chain_start", "chain_depth, id", keyset, page);
    let rows = conn.query_all(&statement).await?;
    pages_of_items(&rows, "chain_start", project_ids, page, |row| {
        let depth: i32 = row.try_get("", "chain_depth")?;
        Ok(ListedGrant {
            assignment: group_role_assignment::Model::from_query_result(row, "")?,
            inherited: depth > 0,
            depth,
        })
    })
}

/// One page of the grants of each of many groups, by id, in one statement: only
/// those on projects the subject may VIEW, less those in or below `refused` (whose
/// address restriction refuses the client).
pub async fn of_groups(
    conn: &impl ConnectionTrait,
    subject: Subject,
    refused: &[Uuid],
    group_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<group_role_assignment::Model>>> {
    if group_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut everyone = Query::select()
        .column(("ga", Asterisk))
        .from_as("group_role_assignments", "ga")
        .and_where(Expr::col(("ga", "group_id")).is_in(group_ids.iter().copied()))
        .and_where(sql::role_at_least(
            ("ga", "project_id"),
            subject,
            access::Permission::View.minimum_role(),
        ))
        .to_owned();
    if let Some(outside) = sql::outside_refused(("ga", "project_id"), refused) {
        everyone.and_where(outside);
    }
    let keyset = page.after_id()?.map(|after| Expr::col("id").gt(after));
    let statement = pages_of(everyone, "group_id", "id", keyset, page);
    let rows = conn.query_all(&statement).await?;
    pages_by(&rows, "group_id", group_ids, page)
}

/// The highest unexpired role `group_id` holds on the ancestors of `project_id`.
async fn inherited_by_group(
    conn: &impl ConnectionTrait,
    group_id: Uuid,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<Role>> {
    let above = Query::select()
        .column("ancestor_id")
        .from(tree::TABLE)
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("depth").gt(0))
        .to_owned();
    let grants = group_role_assignment::Entity::find()
        .filter(group_role_assignment::Column::GroupId.eq(group_id))
        .filter(group_role_assignment::Column::ProjectId.in_subquery(above))
        .all(conn)
        .await?;
    Ok(grants
        .into_iter()
        .filter(|grant| access::in_force(grant.expires_at, now))
        .map(|grant| grant.role)
        .max())
}

/// Gives a group a role in a project: MANAGE_MEMBERS there, a role the granter may
/// grant, and membership of the group (or superuser rights).
pub async fn assign(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    group_id: Uuid,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(ListedGrant, ProjectView)> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, project_id).await?;
    access::require_group_role(role, project.project().project_type)?;
    project.access.require_manage_role(role)?;
    require_future(expires_at, now)?;
    super::view(&txn, viewer, now, group_id)
        .await?
        .access
        .require_grant_from()?;
    projects::lock(&txn, project_id).await?;
    let existing = group_role_assignment::Entity::find()
        .filter(group_role_assignment::Column::ProjectId.eq(project_id))
        .filter(group_role_assignment::Column::GroupId.eq(group_id))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::Conflict(
            "the group already holds a role here: change it with updateGroupRoleAssignment".into(),
        ));
    }
    access::require_group_not_below_inherited(
        role,
        inherited_by_group(&txn, group_id, project_id, now).await?,
    )?;
    let created = group_role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        group_id: Set(group_id),
        role: Set(role),
        expires_at: Set(expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let details = json!({
        "groupId": group_id,
        "role": access::role_name(role),
        "expiresAt": expires_at,
        "memberIds": super::member_ids(&txn, group_id).await?,
    });
    let event = Event::new("group.role.assign", Some(created.id), details).in_project(project_id);
    audit::record(&txn, state, viewer.id(), event).await?;
    txn.commit().await?;
    Ok((ListedGrant::direct(created), project))
}

async fn find(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<group_role_assignment::Model> {
    group_role_assignment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("group role assignment"))
}

/// Changes a group's role (and expiry: `None` keeps it, `Some(None)` removes it);
/// MANAGE_MEMBERS, for both the old and the new role.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    role: Role,
    expires_at: Option<Option<DateTime<Utc>>>,
) -> AppResult<(ListedGrant, ProjectView)> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let grant = find(&txn, id).await?;
    let project = projects::view_holding(
        &txn,
        state,
        viewer,
        grant.project_id,
        "group role assignment",
    )
    .await?;
    projects::lock(&txn, grant.project_id).await?;
    access::require_group_role(role, project.project().project_type)?;
    project.access.require_manage_role(grant.role)?;
    project.access.require_manage_role(role)?;
    if let Some(expires_at) = expires_at {
        require_future(expires_at, now)?;
    }
    access::require_group_not_below_inherited(
        role,
        inherited_by_group(&txn, grant.group_id, grant.project_id, now).await?,
    )?;
    let old_role = grant.role;
    let mut active: group_role_assignment::ActiveModel = grant.into();
    active.role = Set(role);
    if let Some(expires_at) = expires_at {
        active.expires_at = Set(expires_at);
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let details = json!({
        "groupId": updated.group_id,
        "oldRole": access::role_name(old_role),
        "role": access::role_name(role),
        "expiresAt": updated.expires_at,
        "memberIds": super::member_ids(&txn, updated.group_id).await?,
    });
    let event = Event::new("group.role.update", Some(id), details).in_project(updated.project_id);
    audit::record(&txn, state, viewer.id(), event).await?;
    txn.commit().await?;
    Ok((ListedGrant::direct(updated), project))
}

/// Removes a group's role: MANAGE_MEMBERS for that role, or a manager of the group.
pub async fn remove(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let grant = find(&txn, id).await?;
    let group = super::by_ids(&txn, viewer, now, &[grant.group_id])
        .await?
        .remove(&grant.group_id);
    if !group.is_some_and(|group| group.access.manages()) {
        let chain = projects::load_chain(&txn, viewer.id(), grant.project_id)
            .await?
            .ok_or_else(|| AppError::not_found("group role assignment"))?;
        chain
            .access(viewer, now)
            .require_manage_role(grant.role)
            .map_err(|error| match error {
                AppError::NotFound(_) => AppError::not_found("group role assignment"),
                other => other,
            })?;
    }
    projects::lock(&txn, grant.project_id).await?;
    group_role_assignment::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    let details = json!({
        "groupId": grant.group_id,
        "role": access::role_name(grant.role),
        "memberIds": super::member_ids(&txn, grant.group_id).await?,
    });
    let event = Event::new("group.role.remove", Some(id), details).in_project(grant.project_id);
    audit::record(&txn, state, viewer.id(), event).await?;
    txn.commit().await?;
    Ok(id)
}
