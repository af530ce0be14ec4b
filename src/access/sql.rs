//! The rules of `access.rs` as SQL conditions, built with sea-query from `Role` and
//! the resource rules, so that a list filtered in the database decides exactly as
//! `project_access` and `resource_access` do row by row (property tests compare
//! the two). Each function takes the column it constrains; statements elsewhere
//! only place the conditions. Grants reach down the tree through the closure table
//! `project_ancestors` (project, ancestor, depth), an indexed join.

use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::{
    ActiveEnum, Iterable,
    sea_query::{Expr, ExprTrait, IntoColumnRef, JoinType, Query, SelectStatement},
};
use uuid::Uuid;

use super::{Role, SafetyLevel, lowest_role_reading};

const ANCESTORS: &str = "project_ancestors";

/// Whose grants a list is filtered by.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    /// A superuser: every project and resource.
    Everyone,
    /// An active, signed-in user, with the instant expiries are judged at.
    User { id: Uuid, now: DateTime<Utc> },
    /// Anonymous, or a deactivated account: no role anywhere.
    Nobody,
}

impl Subject {
    /// The subject a user account (None: anonymous) is, as `project_access` sees it.
    pub fn of(user: Option<&user::Model>, now: DateTime<Utc>) -> Self {
        match user.filter(|user| user.is_active) {
            None => Self::Nobody,
            Some(user) if user.is_superuser => Self::Everyone,
            Some(user) => Self::User { id: user.id, now },
        }
    }
}

fn always() -> Expr {
    Expr::cust("1 = 1")
}

fn never() -> Expr {
    Expr::cust("1 = 0")
}

/// The stored names of `min` and every role above it.
fn roles_from(min: Role) -> Vec<String> {
    Role::iter()
        .filter(|role| *role >= min)
        .map(|role| role.to_value())
        .collect()
}

/// An assignment (table alias `alias`) that still grants at `now`, as `in_force`.
pub fn in_force(alias: &'static str, now: DateTime<Utc>) -> Expr {
    Expr::col((alias, "expires_at"))
        .is_null()
        .or(Expr::col((alias, "expires_at")).gt(now))
}

/// Projects where `user_id` holds `min` or above through their own assignments:
/// on the project or on a category above it (roles inherit down).
fn assigned(user_id: Uuid, min: Role, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(("below", "project_id"))
        .from_as("role_assignments", "ra")
        .join_as(
            JoinType::InnerJoin,
            ANCESTORS,
            "below",
            Expr::col(("below", "ancestor_id")).equals(("ra", "project_id")),
        )
        .and_where(Expr::col(("ra", "user_id")).eq(user_id))
        .and_where(in_force("ra", now))
        .and_where(Expr::col(("ra", "role")).is_in(roles_from(min)))
        .to_owned()
}

/// Projects where `user_id` holds `min` or above through a group they belong to: a
/// grant of the group on the project or on a category above it.
fn through_groups(user_id: Uuid, min: Role, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(("below", "project_id"))
        .from_as("group_role_assignments", "ga")
        .join_as(
            JoinType::InnerJoin,
            "group_members",
            "gm",
            Expr::col(("gm", "group_id")).equals(("ga", "group_id")),
        )
        .join_as(
            JoinType::InnerJoin,
            ANCESTORS,
            "below",
            Expr::col(("below", "ancestor_id")).equals(("ga", "project_id")),
        )
        .and_where(Expr::col(("gm", "user_id")).eq(user_id))
        .and_where(in_force("ga", now))
        .and_where(Expr::col(("ga", "role")).is_in(roles_from(min)))
        .to_owned()
}

/// Projects where public access of `min` or above applies, set on the project or
/// on a category above it.
fn public(min: Role) -> SelectStatement {
    Query::select()
        .column(("below", "project_id"))
        .from_as("projects", "granting")
        .join_as(
            JoinType::InnerJoin,
            ANCESTORS,
            "below",
            Expr::col(("below", "ancestor_id")).equals(("granting", "id")),
        )
        .and_where(Expr::col(("granting", "public_access")).is_in(roles_from(min)))
        .to_owned()
}

/// `project` (a project id column) is where the subject's effective role is `min`
/// or above: the highest of direct, inherited, group and public grants.
pub fn role_at_least<C: IntoColumnRef + Clone>(project: C, subject: Subject, min: Role) -> Expr {
    match subject {
        Subject::Everyone => always(),
        Subject::Nobody => never(),
        Subject::User { id, now } => Expr::col(project.clone())
            .in_subquery(assigned(id, min, now))
            .or(Expr::col(project.clone()).in_subquery(through_groups(id, min, now)))
            .or(Expr::col(project).in_subquery(public(min))),
    }
}

/// `group` (a group id column) is a group `user_id` belongs to.
pub fn group_member<C: IntoColumnRef>(group: C, user_id: Uuid) -> Expr {
    let mine = Query::select()
        .column("group_id")
        .from("group_members")
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned();
    Expr::col(group).in_subquery(mine)
}

/// `group` holds an unexpired grant on or above a project where `user_id` holds a
/// non-public role (their own or through a group), outside the projects `refused`
/// to the client's address: see `GroupAccess::new`.
pub fn holds_role_where_group_granted<C: IntoColumnRef>(
    group: C,
    user_id: Uuid,
    now: DateTime<Utc>,
    refused: &[Uuid],
) -> Expr {
    let mut granted = Query::select()
        .column(("ga", "group_id"))
        .from_as("group_role_assignments", "ga")
        .join_as(
            JoinType::InnerJoin,
            ANCESTORS,
            "below",
            Expr::col(("below", "ancestor_id")).equals(("ga", "project_id")),
        )
        .and_where(in_force("ga", now))
        .and_where(
            Expr::col(("below", "project_id"))
                .in_subquery(assigned(user_id, Role::Finder, now))
                .or(
                    Expr::col(("below", "project_id")).in_subquery(through_groups(
                        user_id,
                        Role::Finder,
                        now,
                    )),
                ),
        )
        .to_owned();
    if let Some(outside) = outside_refused(("below", "project_id"), refused) {
        granted.and_where(outside);
    }
    Expr::col(group).in_subquery(granted)
}

/// `project` is a project the subject may find (FIND, the lowest permission).
pub fn findable<C: IntoColumnRef + Clone>(project: C, subject: Subject) -> Expr {
    role_at_least(project, subject, Role::Finder)
}

/// `project` is neither in nor below a project whose address restriction refuses
/// the client (`refused`, from `refused_projects`); None when nothing is refused.
pub fn outside_refused<C: IntoColumnRef>(project: C, refused: &[Uuid]) -> Option<Expr> {
    if refused.is_empty() {
        return None;
    }
    let below_refused = Query::select()
        .column("project_id")
        .from(ANCESTORS)
        .and_where(Expr::col("ancestor_id").is_in(refused.iter().copied()))
        .to_owned();
    Some(Expr::col(project).not_in_subquery(below_refused))
}

/// Resources (alias `r`) the subject may read, as `resource_access`: superusers
/// everything; the owner and those it is shared with; PUBLIC for anyone; and per
/// safety level the project roles that read it.
pub fn readable_resource(subject: Subject) -> Expr {
    let public = Expr::col(("r", "safety_level")).eq(SafetyLevel::Public.to_value());
    let Subject::User { id, .. } = subject else {
        return match subject {
            Subject::Everyone => always(),
            _ => public,
        };
    };
    let shared = Query::select()
        .column("resource_id")
        .from("resource_shares")
        .and_where(Expr::col("user_id").eq(id))
        .to_owned();
    let mut readable = Expr::col(("r", "owner_id"))
        .eq(id)
        .or(Expr::col(("r", "id")).in_subquery(shared))
        .or(public);
    for level in SafetyLevel::iter() {
        if let Some(role) = lowest_role_reading(level) {
            readable = readable.or(Expr::col(("r", "safety_level"))
                .eq(level.to_value())
                .and(role_at_least(("r", "project_id"), subject, role)));
        }
    }
    readable
}

/// Of `others`, the users whose email `viewer_id` may see through a project (see
/// `may_see_email`): the other joined it by their own act or was assigned by a
/// superuser, and the viewer is a member there, directly or through a category
/// above it. Both assignments must be in force.
pub fn email_visible_through_projects(
    viewer_id: Uuid,
    others: &[Uuid],
    now: DateTime<Utc>,
) -> SelectStatement {
    Query::select()
        .distinct()
        .column(("theirs", "user_id"))
        .from_as("role_assignments", "theirs")
        .join_as(
            JoinType::InnerJoin,
            ANCESTORS,
            "above",
            Expr::col(("above", "project_id")).equals(("theirs", "project_id")),
        )
        .join_as(
            JoinType::InnerJoin,
            "role_assignments",
            "mine",
            Expr::col(("mine", "project_id")).equals(("above", "ancestor_id")),
        )
        .and_where(Expr::col(("theirs", "user_id")).is_in(others.iter().copied()))
        .and_where(Expr::col(("theirs", "email_shared")).eq(true))
        .and_where(in_force("theirs", now))
        .and_where(Expr::col(("mine", "user_id")).eq(viewer_id))
        .and_where(in_force("mine", now))
        .to_owned()
}

/// One row when `user_id` holds CONTRIBUTOR or above somewhere through a role that
/// somebody else gave them: creating a project of one's own lifts nothing.
pub fn contributes_somewhere(user_id: Uuid, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(("ra", "id"))
        .from_as("role_assignments", "ra")
        .and_where(Expr::col(("ra", "user_id")).eq(user_id))
        .and_where(Expr::col(("ra", "role")).is_in(roles_from(Role::Contributor)))
        .and_where(Expr::col(("ra", "self_granted")).eq(false))
        .and_where(in_force("ra", now))
        .limit(1)
        .to_owned()
}
