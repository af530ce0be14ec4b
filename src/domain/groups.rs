//! Groups: named sets of users (MANAGERs and MEMBERs) that hold roles in projects
//! like a user does. Creating, changing and deleting groups, their members, and
//! listing them; the roles they hold are in `grants`.

pub mod grants;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    group,
    group_member::{self, MemberRole},
    group_role_assignment, user,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, Func, JoinType, LikeExpr, Query, SelectStatement},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Page, PageArgs, after_pair,
    audit::{self, Event},
    invalid_cursor, pages_by, pages_of, single_page,
    users::escape_like,
    validate,
};
use crate::{
    access::{self, GroupAccess, sql},
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

const MAX_NAME_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// A group as a viewer sees it: the row and what the viewer may do with it.
#[derive(Clone, Debug)]
pub struct GroupView {
    pub group: group::Model,
    pub access: GroupAccess,
}

#[derive(FromQueryResult)]
struct GroupRow {
    my_role: Option<MemberRole>,
    holds_role_where_granted: i32,
}

/// Groups (`g`) with the viewer's membership and whether they hold a role where
/// the group holds a grant, for `GroupAccess`.
fn group_select(viewer: &Viewer, now: DateTime<Utc>, refused: &[Uuid]) -> SelectStatement {
    let user_id = viewer
        .user()
        .filter(|user| user.is_active)
        .map(|user| user.id);
    let holds_role = match user_id {
        Some(user_id) if !viewer.is_superuser() => Expr::case(
            sql::holds_role_where_group_granted(("g", "id"), user_id, now, refused),
            1,
        )
        .finally(0)
        .into(),
        _ => Expr::val(0),
    };
    Query::select()
        .column(("g", Asterisk))
        .expr_as(Expr::col(("mine", "role")), "my_role")
        .expr_as(holds_role, "holds_role_where_granted")
        .from_as("groups", "g")
        .join_as(
            JoinType::LeftJoin,
            "group_members",
            "mine",
            Expr::col(("mine", "group_id"))
                .equals(("g", "id"))
                .and(Expr::col(("mine", "user_id")).eq(user_id)),
        )
        .to_owned()
}

fn group_view(viewer: &Viewer, row: &sea_orm::QueryResult) -> AppResult<GroupView> {
    let meta = GroupRow::from_query_result(row, "")?;
    Ok(GroupView {
        group: group::Model::from_query_result(row, "")?,
        access: GroupAccess::new(viewer, meta.my_role, meta.holds_role_where_granted != 0),
    })
}

/// The projects whose address restriction refuses the viewer's client: a role held
/// there is no role from this address, so it shows no group either.
async fn refused_to(conn: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<Vec<Uuid>> {
    if viewer.user().is_none() || viewer.is_superuser() {
        return Ok(Vec::new());
    }
    super::projects::refused_projects(conn, viewer).await
}

/// Groups by id as the viewer sees them, visible or not (callers decide).
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, GroupView>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let refused = refused_to(conn, viewer).await?;
    let select = group_select(viewer, now, &refused)
        .and_where(Expr::col(("g", "id")).is_in(ids.iter().copied()))
        .to_owned();
    conn.query_all(&select)
        .await?
        .iter()
        .map(|row| group_view(viewer, row).map(|view| (view.group.id, view)))
        .collect()
}

/// A group the viewer may see; NOT_FOUND otherwise.
pub async fn view(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    now: DateTime<Utc>,
    id: Uuid,
) -> AppResult<GroupView> {
    let view = by_ids(conn, viewer, now, &[id])
        .await?
        .remove(&id)
        .ok_or_else(|| AppError::not_found("group"))?;
    view.access.require_visible()?;
    Ok(view)
}

/// The sort key a group's cursor carries in `list`.
pub fn cursor_key(group: &group::Model) -> String {
    format!("{}\u{1f}{}", group.name, group.id)
}

/// The viewer's groups (superusers: all), by name then id, optionally only those
/// whose name contains `search`.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    search: Option<String>,
    page: PageArgs,
) -> AppResult<Page<GroupView>> {
    let user = viewer.require_user()?;
    let refused = refused_to(&state.db, viewer).await?;
    let mut matching = group_select(viewer, state.clock.now(), &refused);
    if !viewer.is_superuser() {
        matching.and_where(sql::group_member(("g", "id"), user.id));
    }
    if let Some(search) = search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        matching.and_where(
            Expr::expr(Func::lower(Expr::col(("g", "name"))))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let keyset = match &page.after {
        Some(after) => {
            let (name, id) = after.rsplit_once('\u{1f}').ok_or_else(invalid_cursor)?;
            let id: Uuid = id.parse().map_err(|_| invalid_cursor())?;
            Some(after_pair("name", "id", (name.to_owned(), id)))
        }
        None => None,
    };
    let (rows, total) = single_page(&state.db, matching, &["name", "id"], keyset, &page).await?;
    let groups = rows
        .iter()
        .map(|row| group_view(viewer, row))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page::from_rows(groups, &page, total))
}

/// One page of members for each of many groups, by user id, in one statement.
pub async fn members(
    conn: &impl ConnectionTrait,
    group_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<group_member::Model>>> {
    if group_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let everyone = Query::select()
        .column(("gm", Asterisk))
        .from_as("group_members", "gm")
        .and_where(Expr::col(("gm", "group_id")).is_in(group_ids.iter().copied()))
        .to_owned();
    let keyset = page.after_id()?.map(|after| Expr::col("user_id").gt(after));
    let statement = pages_of(everyone, "group_id", "user_id", keyset, page);
    let rows = conn.query_all(&statement).await?;
    pages_by(&rows, "group_id", group_ids, page)
}

/// A name of 1 to 100 characters on one line, trimmed (`validate::single_line`).
fn validate_name(name: &str) -> AppResult<String> {
    let name = validate::single_line("a group's name", name)?;
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::BadUserInput(format!(
            "a group's name is 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name)
}

/// A description: free text of several lines (`validate::multi_line`).
fn validate_description(description: Option<String>) -> AppResult<Option<String>> {
    let Some(description) = description else {
        return Ok(None);
    };
    let description = validate::multi_line("a group's description", &description)?;
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::BadUserInput(format!(
            "a group's description is at most {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    Ok(Some(description))
}

/// Records a change to a group: once on its own (with how many grants it holds,
/// which `myAccessChanged` announces to the member concerned), and a copy in the
/// events of every project where it holds a direct grant, whose members' access it
/// changes.
async fn record_group_change(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    action: &'static str,
    group_id: Uuid,
    mut details: Value,
) -> AppResult<()> {
    let projects: Vec<Uuid> = group_role_assignment::Entity::find()
        .select_only()
        .column(group_role_assignment::Column::ProjectId)
        .filter(group_role_assignment::Column::GroupId.eq(group_id))
        .into_tuple()
        .all(conn)
        .await?;
    for project_id in &projects {
        let event = Event::new(action, Some(group_id), details.clone()).in_project(*project_id);
        audit::record(conn, state, viewer.id(), event).await?;
    }
    details["grants"] = json!(projects.len());
    let event = Event::new(action, Some(group_id), details);
    audit::record(conn, state, viewer.id(), event).await
}

/// The users in a group, for the events that change their access.
pub async fn member_ids(conn: &impl ConnectionTrait, group_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(group_member::Entity::find()
        .select_only()
        .column(group_member::Column::UserId)
        .filter(group_member::Column::GroupId.eq(group_id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Creates a group; the creator becomes its first manager.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    description: Option<String>,
) -> AppResult<GroupView> {
    let creator = viewer.require_user()?;
    let name = validate_name(name)?;
    let description = validate_description(description)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let created = group::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        description: Set(description),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    group_member::ActiveModel {
        group_id: Set(created.id),
        user_id: Set(creator.id),
        role: Set(MemberRole::Manager),
        added_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let details = json!({ "name": created.name });
    let event = Event::new("group.create", Some(created.id), details);
    audit::record(&txn, state, Some(creator.id), event).await?;
    txn.commit().await?;
    Ok(GroupView {
        access: GroupAccess::new(viewer, Some(MemberRole::Manager), false),
        group: created,
    })
}

/// Locks a group's row for the rest of the transaction, so that concurrent changes
/// to its managers are decided one after the other.
async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    group::Entity::find_by_id(id)
        .select_only()
        .column(group::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(())
}

/// Renames a group or changes its description (`Some(None)` clears it); managers.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    name: Option<String>,
    description: Option<Option<String>>,
) -> AppResult<GroupView> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let view = view(&txn, viewer, now, id).await?;
    view.access.require_manage()?;
    lock(&txn, id).await?;
    let mut active: group::ActiveModel = view.group.clone().into();
    if let Some(name) = &name {
        active.name = Set(validate_name(name)?);
    }
    if let Some(description) = description.clone() {
        active.description = Set(validate_description(description)?);
    }
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let details = json!({ "name": name.is_some(), "description": description.is_some() });
    let event = Event::new("group.update", Some(id), details);
    audit::record(&txn, state, viewer.id(), event).await?;
    txn.commit().await?;
    Ok(GroupView {
        group: updated,
        access: view.access,
    })
}

/// Records in its project's trail that a grant ended with its group.
async fn record_grant_ended_with_group(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    grant: &group_role_assignment::Model,
) -> AppResult<()> {
    let details = json!({
        "groupId": grant.group_id,
        "role": access::role_name(grant.role),
        "groupDeleted": true,
    });
    let event =
        Event::new("group.role.remove", Some(grant.id), details).in_project(grant.project_id);
    audit::record(conn, state, viewer.id(), event).await
}

/// Deletes a group with its members and role assignments; managers. Each grant's
/// removal is recorded in its project.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let view = view(&txn, viewer, now, id).await?;
    view.access.require_manage()?;
    lock(&txn, id).await?;
    let grants = group_role_assignment::Entity::find()
        .filter(group_role_assignment::Column::GroupId.eq(id))
        .all(&txn)
        .await?;
    // Each grant's end is in its project's trail; the members hear of it once,
    // from the group's own event below.
    let members = if grants.is_empty() {
        Vec::new()
    } else {
        member_ids(&txn, id).await?
    };
    for grant in &grants {
        record_grant_ended_with_group(&txn, state, viewer, grant).await?;
    }
    group_role_assignment::Entity::delete_many()
        .filter(group_role_assignment::Column::GroupId.eq(id))
        .exec(&txn)
        .await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(id))
        .exec(&txn)
        .await?;
    group::Entity::delete_by_id(id).exec(&txn).await?;
    let details = json!({ "name": view.group.name, "grants": grants.len(), "memberIds": members });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("group.delete", Some(id), details),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

async fn member_of(
    conn: &impl ConnectionTrait,
    group_id: Uuid,
    user_id: Uuid,
) -> AppResult<group_member::Model> {
    group_member::Entity::find_by_id((group_id, user_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("group member"))
}

/// How many managers a group keeps when `leaving` stops being one.
async fn managers_besides(
    conn: &impl ConnectionTrait,
    group_id: Uuid,
    leaving: Uuid,
) -> AppResult<u64> {
    Ok(group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group_id))
        .filter(group_member::Column::Role.eq(MemberRole::Manager))
        .filter(group_member::Column::UserId.ne(leaving))
        .count(conn)
        .await?)
}

/// Adds a user to a group; managers.
pub async fn add_member(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    user_id: Uuid,
    role: MemberRole,
) -> AppResult<group_member::Model> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    view(&txn, viewer, now, group_id)
        .await?
        .access
        .require_manage()?;
    lock(&txn, group_id).await?;
    user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    if group_member::Entity::find_by_id((group_id, user_id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "the user is already a member: change their role with updateGroupMember".into(),
        ));
    }
    let added = group_member::ActiveModel {
        group_id: Set(group_id),
        user_id: Set(user_id),
        role: Set(role),
        added_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let details = json!({ "userId": user_id, "role": role.to_value() });
    record_group_change(&txn, state, viewer, "group.member.add", group_id, details).await?;
    txn.commit().await?;
    Ok(added)
}

/// Promotes or demotes a member; managers. The last manager stays one.
pub async fn update_member(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    user_id: Uuid,
    role: MemberRole,
) -> AppResult<group_member::Model> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    view(&txn, viewer, now, group_id)
        .await?
        .access
        .require_manage()?;
    lock(&txn, group_id).await?;
    let member = member_of(&txn, group_id, user_id).await?;
    if member.role == MemberRole::Manager && role != MemberRole::Manager {
        access::require_a_manager_remains(managers_besides(&txn, group_id, user_id).await?)?;
    }
    let old_role = member.role;
    let mut active: group_member::ActiveModel = member.into();
    active.role = Set(role);
    let updated = active.update(&txn).await?;
    let details = json!({
        "userId": user_id,
        "oldRole": old_role.to_value(),
        "role": role.to_value(),
    });
    record_group_change(
        &txn,
        state,
        viewer,
        "group.member.update",
        group_id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Removes a member: managers remove anyone, a member may leave. The last manager
/// stays. Their access through the group ends with the transaction.
pub async fn remove_member(
    state: &AppState,
    viewer: &Viewer,
    group_id: Uuid,
    user_id: Uuid,
) -> AppResult<Uuid> {
    viewer.require_user()?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    view(&txn, viewer, now, group_id)
        .await?
        .access
        .require_remove_member(viewer, user_id)?;
    lock(&txn, group_id).await?;
    let member = member_of(&txn, group_id, user_id).await?;
    if member.role == MemberRole::Manager {
        access::require_a_manager_remains(managers_besides(&txn, group_id, user_id).await?)?;
    }
    group_member::Entity::delete_by_id((group_id, user_id))
        .exec(&txn)
        .await?;
    let details = json!({
        "userId": user_id,
        "role": member.role.to_value(),
        "left": viewer.is(user_id),
    });
    record_group_change(
        &txn,
        state,
        viewer,
        "group.member.remove",
        group_id,
        details,
    )
    .await?;
    txn.commit().await?;
    Ok(user_id)
}
