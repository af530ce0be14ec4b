//! Role assignments: listing members (direct and inherited), assigning, changing and
//! removing roles, transferring ownership, leaving a project.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    project::ProjectType,
    role_assignment::{self, Role},
    user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryResult, QuerySelect, Set, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, JoinType, Order, Query, SelectStatement},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Page, PageArgs, after_pair,
    audit::{self, Event},
    decode, invalid_cursor, pages_for, pages_of,
    projects::{self, ProjectView},
    row_total, tree,
};
use crate::{
    access::{self, Permission},
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

/// An assignment as listed among a project's members.
#[derive(Clone, Debug)]
pub struct Member {
    pub assignment: role_assignment::Model,
    /// Held on an ancestor category, not on the project itself.
    pub inherited: bool,
    /// How many levels above the project it is held (0: the project).
    pub depth: i32,
    /// The member's account, when the listing read it along.
    pub user: Option<user::Model>,
}

impl Member {
    /// An assignment held on its own project, just written.
    pub fn direct(assignment: role_assignment::Model) -> Self {
        Self {
            assignment,
            inherited: false,
            depth: 0,
            user: None,
        }
    }
}

/// The sort key a member's cursor carries.
pub fn member_cursor_key(member: &Member) -> String {
    format!("{}:{}", member.depth, member.assignment.id)
}

#[derive(FromQueryResult)]
struct MemberRow {
    chain_start: Uuid,
    /// Absent on the row of a project whose page is empty (it carries the total).
    chain_depth: Option<i32>,
}

/// One page of members for each of many projects, in one statement: assignments on
/// the project first, then those inherited from each ancestor, nearest first, each
/// with its member's account.
/// PostgreSQL takes each project's page by an index walk of its chain (a lateral
/// join with a limit); SQLite, which has no lateral joins, ranks every assignment
/// of the chains. Both give the same pages and totals.
pub async fn members(
    conn: &impl ConnectionTrait,
    project_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<Member>>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let after = page.after.as_deref().map(member_cursor_after).transpose()?;
    let mut statement = Query::select()
        .expr_as(Expr::col((WANTED, "column1")), "chain_start")
        .from_values(project_ids.iter().copied(), WANTED)
        .order_by("chain_start", Order::Asc)
        .order_by(("m", "chain_depth"), Order::Asc)
        .order_by(("m", "id"), Order::Asc)
        .to_owned();
    if conn.get_database_backend() == DbBackend::Postgres {
        if page.count_total {
            statement
                .join_lateral(JoinType::InnerJoin, chain_total(), "c", Expr::cust("TRUE"))
                .column(("c", "total"));
        }
        statement.join_lateral(
            JoinType::LeftJoin,
            chain_page(after, page.limit()),
            "m",
            Expr::cust("TRUE"),
        );
    } else {
        if page.count_total {
            statement.expr_as(
                Expr::SubQuery(None, Box::new(chain_total().into())),
                "total",
            );
        }
        statement.join_subquery(
            JoinType::LeftJoin,
            chains_ranked(project_ids, after, page),
            "m",
            Expr::col(("m", "page_owner")).equals((WANTED, "column1")),
        );
    }
    statement.column(("m", Asterisk)).join_as(
        JoinType::LeftJoin,
        "users",
        "u",
        Expr::col(("u", "id")).equals(("m", "user_id")),
    );
    decode::select_member_user(&mut statement, "u");
    let rows = conn.query_all(&statement).await?;
    member_pages(&rows, project_ids, page)
}

/// The table of the projects whose members are listed (its one column: `column1`).
const WANTED: &str = "wanted";

/// The depth and id a member cursor carries.
fn member_cursor_after(key: &str) -> AppResult<(i32, Uuid)> {
    let (depth, id) = key.split_once(':').ok_or_else(invalid_cursor)?;
    let depth = depth.parse().map_err(|_| invalid_cursor())?;
    let id = id.parse().map_err(|_| invalid_cursor())?;
    Ok((depth, id))
}

/// The assignments held along the chains (each project and its ancestors) that
/// `starts` picks by `pa.project_id`.
fn chain_assignments(starts: Expr) -> SelectStatement {
    Query::select()
        .from_as(tree::TABLE, "pa")
        .join_as(
            JoinType::InnerJoin,
            "role_assignments",
            "ra",
            Expr::col(("ra", "project_id")).equals(("pa", "ancestor_id")),
        )
        .and_where(starts)
        .to_owned()
}

/// How many assignments the chain of the wanted project holds.
fn chain_total() -> SelectStatement {
    chain_assignments(Expr::col(("pa", "project_id")).equals((WANTED, "column1")))
        .expr_as(Expr::col(Asterisk).count(), "total")
        .to_owned()
}

/// The first `limit` assignments of the wanted project's chain after `after`.
fn chain_page(after: Option<(i32, Uuid)>, limit: u64) -> SelectStatement {
    let mut rows = chain_assignments(Expr::col(("pa", "project_id")).equals((WANTED, "column1")));
    rows.expr_as(Expr::col(("pa", "depth")), "chain_depth")
        .column(("ra", Asterisk))
        .order_by(("pa", "depth"), Order::Asc)
        .order_by(("ra", "id"), Order::Asc)
        .limit(limit);
    if let Some(after) = after {
        rows.and_where(after_pair(("pa", "depth"), ("ra", "id"), after));
    }
    rows
}

/// The first `page.limit()` assignments after `after` of each project's chain, by
/// ranking every assignment of the chains; the total comes from `chain_total`.
fn chains_ranked(
    project_ids: &[Uuid],
    after: Option<(i32, Uuid)>,
    page: &PageArgs,
) -> SelectStatement {
    let mut everyone =
        chain_assignments(Expr::col(("pa", "project_id")).is_in(project_ids.iter().copied()));
    everyone
        .expr_as(Expr::col(("pa", "project_id")), "page_owner")
        .expr_as(Expr::col(("pa", "depth")), "chain_depth")
        .column(("ra", Asterisk));
    let keyset = after.map(|after| after_pair("chain_depth", "id", after));
    let uncounted = PageArgs {
        count_total: false,
        ..page.clone()
    };
    pages_of(
        everyone,
        "page_owner",
        "chain_depth, id",
        keyset,
        &uncounted,
    )
}

/// Splits the rows of `members` into one page per project.
fn member_pages(
    rows: &[QueryResult],
    project_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<Member>>> {
    let mut grouped: HashMap<Uuid, (Vec<Member>, Option<u64>)> = HashMap::new();
    for row in rows {
        let meta = MemberRow::from_query_result(row, "")?;
        let entry = grouped.entry(meta.chain_start).or_default();
        entry.1 = row_total(row, page)?;
        if let Some(depth) = meta.chain_depth {
            entry.0.push(Member {
                assignment: decode::assignment(row)?,
                inherited: depth > 0,
                depth,
                user: Some(decode::user_at(row, &decode::MEMBER_USER)?),
            });
        }
    }
    Ok(pages_for(grouped, project_ids, page))
}

/// The direct owners of many projects, by project id.
pub async fn owners(
    conn: &impl ConnectionTrait,
    project_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, user::Model>> {
    let select = Query::select()
        .expr_as(Expr::col(("ra", "project_id")), "owner_of")
        .column(("u", Asterisk))
        .from_as("role_assignments", "ra")
        .join_as(
            JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("ra", "user_id")),
        )
        .and_where(Expr::col(("ra", "project_id")).is_in(project_ids.iter().copied()))
        .and_where(Expr::col(("ra", "role")).eq(Role::Owner.to_value()))
        .to_owned();
    let mut owners = HashMap::new();
    for row in conn.query_all(&select).await? {
        owners.insert(row.try_get("", "owner_of")?, decode::user(&row)?);
    }
    Ok(owners)
}

/// Of `others`, those whose email `user_id` may see through a project
/// (`access::sql::email_visible_through_projects`).
pub async fn co_members(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    others: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<HashSet<Uuid>> {
    if others.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = conn
        .query_all(&access::sql::email_visible_through_projects(
            user_id, others, now,
        ))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<Uuid>("", "user_id").map_err(AppError::from))
        .collect()
}

/// Whether a user holds CONTRIBUTOR or above somewhere, given by somebody else.
pub async fn contributes_somewhere(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let found = conn
        .query_one(&access::sql::contributes_somewhere(user_id, now))
        .await?;
    Ok(found.is_some())
}

/// Whether a user is the direct owner of any project.
pub async fn owns_a_project(conn: &impl ConnectionTrait, user_id: Uuid) -> AppResult<bool> {
    let found = role_assignment::Entity::find()
        .select_only()
        .column(role_assignment::Column::Id)
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::Role.eq(Role::Owner))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(found.is_some())
}

/// A role that can be held directly in a project of this type, other than OWNER.
fn require_assignable(role: Role, project_type: ProjectType) -> AppResult<()> {
    if role == Role::Owner {
        return Err(AppError::BadUserInput(
            "OWNER is given only at creation and by transferOwnership".into(),
        ));
    }
    if role == Role::Finder && project_type != ProjectType::Category {
        return Err(AppError::BadUserInput(
            "FINDER exists for categories only".into(),
        ));
    }
    Ok(())
}

pub(super) fn require_future(
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if expires_at.is_some_and(|at| at <= now) {
        return Err(AppError::BadUserInput(
            "`expiresAt` must be in the future".into(),
        ));
    }
    Ok(())
}

/// The highest role `user_id` inherits on `project_id` from its ancestors.
async fn inherited_role_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    project_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Option<Role>> {
    let chain = projects::load_chain(conn, Some(user_id), project_id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    Ok(access::inherited_role(&chain.links(), now))
}

/// Gives a user a direct role in a project.
pub async fn assign(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    user_id: Uuid,
    role: Role,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<Member> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, project_id).await?;
    // OWNER and FINDER-on-a-project are refused for what they are, whoever asks.
    require_assignable(role, project.project().project_type)?;
    project.access.require_manage_role(role)?;
    require_future(expires_at, now)?;
    projects::lock(&txn, project_id).await?;
    let assignee = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let existing = role_assignment::Entity::find()
        .filter(role_assignment::Column::ProjectId.eq(project_id))
        .filter(role_assignment::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::Conflict(
            "the user already holds a role here: change it with updateRoleAssignment".into(),
        ));
    }
    access::require_not_below_inherited(
        role,
        inherited_role_of(&txn, user_id, project_id, now).await?,
    )?;
    let created = role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project_id),
        user_id: Set(assignee.id),
        role: Set(role),
        expires_at: Set(expires_at),
        email_shared: Set(viewer.is_superuser()),
        self_granted: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let details =
        json!({ "userId": user_id, "role": access::role_name(role), "expiresAt": expires_at });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("role.assign", Some(created.id), details).in_project(project_id),
    )
    .await?;
    txn.commit().await?;
    Ok(Member::direct(created))
}

/// Loads an assignment and the viewer's view of its project; NOT_FOUND when the
/// viewer may not find that project.
async fn assignment_in_view(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(role_assignment::Model, ProjectView)> {
    let assignment = role_assignment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("role assignment"))?;
    let project = projects::view_holding(
        conn,
        state,
        viewer,
        assignment.project_id,
        "role assignment",
    )
    .await?;
    Ok((assignment, project))
}

fn owner_is_fixed() -> AppError {
    AppError::Conflict("the owner's role changes only through transferOwnership".into())
}

/// Changes the role (and expiry) of an assignment. `expires_at: None` leaves the
/// expiry as it is; `Some(None)` removes it.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    role: Role,
    expires_at: Option<Option<DateTime<Utc>>>,
) -> AppResult<Member> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let (assignment, project) = assignment_in_view(&txn, state, viewer, id).await?;
    projects::lock(&txn, assignment.project_id).await?;
    if assignment.role == Role::Owner {
        return Err(owner_is_fixed());
    }
    require_assignable(role, project.project().project_type)?;
    project.access.require_manage_role(assignment.role)?;
    project.access.require_manage_role(role)?;
    if let Some(expires_at) = expires_at {
        require_future(expires_at, now)?;
    }
    access::require_not_below_inherited(
        role,
        inherited_role_of(&txn, assignment.user_id, assignment.project_id, now).await?,
    )?;
    let old_role = assignment.role;
    let mut active: role_assignment::ActiveModel = assignment.into();
    active.role = Set(role);
    if let Some(expires_at) = expires_at {
        active.expires_at = Set(expires_at);
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let details = json!({
        "userId": updated.user_id,
        "oldRole": access::role_name(old_role),
        "role": access::role_name(role),
        "expiresAt": updated.expires_at,
    });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("role.update", Some(id), details).in_project(updated.project_id),
    )
    .await?;
    txn.commit().await?;
    Ok(Member::direct(updated))
}

/// Removes an assignment. The owner's cannot be removed.
pub async fn remove(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let (assignment, project) = assignment_in_view(&txn, state, viewer, id).await?;
    projects::lock(&txn, assignment.project_id).await?;
    if assignment.role == Role::Owner {
        return Err(AppError::Conflict(
            "the owner cannot be removed: transfer the ownership first".into(),
        ));
    }
    project.access.require_manage_role(assignment.role)?;
    role_assignment::Entity::delete_by_id(id).exec(&txn).await?;
    let details =
        json!({ "userId": assignment.user_id, "role": access::role_name(assignment.role) });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("role.remove", Some(id), details).in_project(assignment.project_id),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Makes another member the owner. The old owner keeps `old_owner_role`, or leaves
/// when it is None.
pub async fn transfer_ownership(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    new_owner_id: Uuid,
    old_owner_role: Option<Role>,
) -> AppResult<ProjectView> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    projects::lock(&txn, project_id).await?;
    let project = projects::view(&txn, state, viewer, project_id).await?;
    project.access.require(Permission::TransferOwnership)?;
    if let Some(role) = old_owner_role {
        require_assignable(role, project.project().project_type)?;
    }
    let assignments = role_assignment::Entity::find()
        .filter(role_assignment::Column::ProjectId.eq(project_id))
        .filter(
            role_assignment::Column::Role
                .eq(Role::Owner)
                .or(role_assignment::Column::UserId.eq(new_owner_id)),
        )
        .all(&txn)
        .await?;
    let old_owner = assignments
        .iter()
        .find(|a| a.role == Role::Owner)
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("project {project_id} has no owner")))?;
    if old_owner.user_id == new_owner_id {
        return Err(AppError::BadUserInput(
            "that user already owns the project".into(),
        ));
    }
    // A lapsed assignment is no role: it grants nothing and cannot become ownership.
    let new_owner = assignments
        .iter()
        .find(|a| a.user_id == new_owner_id && access::in_force(a.expires_at, now))
        .cloned()
        .ok_or_else(|| {
            AppError::Conflict(
                "the new owner must already hold a direct role in the project".into(),
            )
        })?;
    let new_owner_account = user::Entity::find_by_id(new_owner_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    if !new_owner_account.is_active {
        return Err(AppError::BadUserInput(
            "a deactivated user cannot own a project".into(),
        ));
    }
    match old_owner_role {
        Some(role) => {
            access::require_not_below_inherited(
                role,
                inherited_role_of(&txn, old_owner.user_id, project_id, now).await?,
            )?;
            let mut demoted: role_assignment::ActiveModel = old_owner.clone().into();
            demoted.role = Set(role);
            demoted.updated_at = Set(now);
            demoted.update(&txn).await?;
        }
        None => {
            role_assignment::Entity::delete_by_id(old_owner.id)
                .exec(&txn)
                .await?;
        }
    }
    let mut promoted: role_assignment::ActiveModel = new_owner.into();
    promoted.role = Set(Role::Owner);
    promoted.expires_at = Set(None);
    promoted.updated_at = Set(now);
    promoted.update(&txn).await?;
    let details = json!({
        "oldOwnerId": old_owner.user_id,
        "newOwnerId": new_owner_id,
        "oldOwnerRole": old_owner_role.map(access::role_name),
    });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("project.transfer_ownership", Some(project_id), details).in_project(project_id),
    )
    .await?;
    txn.commit().await?;
    // Not `projects::view`: an old owner who just left may no longer find the project,
    // and the transfer has happened all the same. They get it as they now see it.
    let chain = projects::load_chain(&state.db, viewer.id(), project_id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    Ok(ProjectView::new(chain, viewer, now))
}

/// The viewer gives up their direct role in a project. The owner cannot leave; one
/// who holds a role only through groups has nothing here to leave (NOT_FOUND).
pub async fn leave(state: &AppState, viewer: &Viewer, project_id: Uuid) -> AppResult<Uuid> {
    let me = viewer.require_user()?;
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, project_id).await?;
    projects::lock(&txn, project_id).await?;
    let assignment = role_assignment::Entity::find()
        .filter(role_assignment::Column::ProjectId.eq(project_id))
        .filter(role_assignment::Column::UserId.eq(me.id))
        .one(&txn)
        .await?;
    let Some(assignment) = assignment else {
        // Access through a group is given up by leaving the group.
        if project.access.only_through_groups() {
            return Err(AppError::not_found("role assignment"));
        }
        let reason = if project.access.inherited() {
            "your role here is inherited from a category: leave that category instead"
        } else {
            "you hold no direct role in this project"
        };
        return Err(AppError::Conflict(reason.into()));
    };
    if assignment.role == Role::Owner {
        return Err(AppError::Conflict(
            "the owner cannot leave: transfer the ownership first".into(),
        ));
    }
    role_assignment::Entity::delete_by_id(assignment.id)
        .exec(&txn)
        .await?;
    let details = json!({ "userId": me.id, "role": access::role_name(assignment.role) });
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("role.leave", Some(assignment.id), details).in_project(project_id),
    )
    .await?;
    txn.commit().await?;
    Ok(project_id)
}
