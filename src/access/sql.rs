//! The rules of `access.rs` as SQL conditions, built with sea-query from `Role` and
//! the resource rules, so that a list filtered in the database decides exactly as
//! `project_access` and `resource_access` do row by row (property tests compare
//! the two). Each function takes the column it constrains; statements elsewhere
//! only place the conditions. Grants reach down the tree through the closure table
//! `project_ancestors` (project, ancestor, depth), an indexed join.

use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::{
    ActiveEnum, DbBackend, Iterable,
    sea_query::{
        Asterisk, Expr, ExprTrait, IntoColumnRef, JoinType, Query, SelectStatement, UnionType,
    },
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

/// Every column of the projects (alias `p`) the subject may find, as `findable`
/// decides, to narrow further: for lists. A user's are found from their grants, each
/// project then looked up by its key. Tested as a condition instead, every project
/// of the database is checked against the grants: 11 ms against 7 for a member
/// who may find 467 of 22,780 (bench/RESULTS.md).
pub fn findable_projects(subject: Subject, backend: DbBackend) -> SelectStatement {
    let mut projects = Query::select();
    projects.column(("p", Asterisk)).from_as("projects", "p");
    let Subject::User { id, now } = subject else {
        return projects
            .and_where(findable(("p", "id"), subject))
            .to_owned();
    };
    projects.and_where(Expr::col(("p", "id")).equals(("g", "project_id")));
    by_project(
        projects_with_role(id, Role::Finder, now),
        projects,
        "p",
        backend,
    )
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

/// One way a resource (alias `r`) is readable, as `resource_access` grants it. The
/// rule is this list of arms, written once (`readable_arms`) and placed two ways:
/// ORed as a row condition, or as a union of index-driven id selections.
enum ReadableArm {
    /// A condition on the resource's own row: everything, PUBLIC, owned.
    Row(Expr),
    /// Shared with the user.
    SharedWith(Uuid),
    /// At a level, in a project where the user's role reads it.
    ProjectRole(LevelByRole),
}

/// Resources at `level` in projects where `user_id`'s effective role is `min` or
/// above.
#[derive(Clone, Copy)]
struct LevelByRole {
    user_id: Uuid,
    now: DateTime<Utc>,
    level: SafetyLevel,
    min: Role,
}

impl LevelByRole {
    fn condition(self) -> Expr {
        let subject = Subject::User {
            id: self.user_id,
            now: self.now,
        };
        level_is(self.level).and(role_at_least(("r", "project_id"), subject, self.min))
    }

    /// `ids` (resources `r`, already narrowed) of this level, project by project.
    fn ids(self, mut ids: SelectStatement, backend: DbBackend) -> SelectStatement {
        ids.and_where(level_is(self.level))
            .and_where(Expr::col(("r", "project_id")).equals(("g", "project_id")));
        let projects = projects_with_role(self.user_id, self.min, self.now);
        by_project(projects, ids, "lr", backend)
    }
}

fn level_is(level: SafetyLevel) -> Expr {
    Expr::col(("r", "safety_level")).eq(level.to_value())
}

/// The arms of the resource rule: superusers everything; the owner and those it is
/// shared with; PUBLIC for anyone; and per other safety level the project roles
/// that read it.
fn readable_arms(subject: Subject) -> Vec<ReadableArm> {
    let public = ReadableArm::Row(level_is(SafetyLevel::Public));
    let Subject::User { id, now } = subject else {
        return vec![match subject {
            Subject::Everyone => ReadableArm::Row(always()),
            _ => public,
        }];
    };
    let mut arms = vec![
        ReadableArm::Row(Expr::col(("r", "owner_id")).eq(id)),
        ReadableArm::SharedWith(id),
        public,
    ];
    // PUBLIC resources are all readable already, whatever the project role.
    arms.extend(
        SafetyLevel::iter()
            .filter(|level| *level != SafetyLevel::Public)
            .filter_map(|level| {
                lowest_role_reading(level).map(|min| {
                    ReadableArm::ProjectRole(LevelByRole {
                        user_id: id,
                        now,
                        level,
                        min,
                    })
                })
            }),
    );
    arms
}

/// The ids (`id`) of the resources shared with `user_id`.
fn shared_with(user_id: Uuid) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col("resource_id"), "id")
        .from("resource_shares")
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned()
}

/// Projects where `user_id`'s effective role is `min` or above, as a set of
/// `project_id`s: the arms that `role_at_least` ORs, as a union.
fn projects_with_role(user_id: Uuid, min: Role, now: DateTime<Utc>) -> SelectStatement {
    assigned(user_id, min, now)
        .union(UnionType::Distinct, through_groups(user_id, min, now))
        .union(UnionType::Distinct, public(min))
        .to_owned()
}

impl ReadableArm {
    fn condition(&self) -> Expr {
        match self {
            Self::Row(condition) => condition.clone(),
            Self::SharedWith(user_id) => Expr::col(("r", "id")).in_subquery(shared_with(*user_id)),
            Self::ProjectRole(reads) => reads.condition(),
        }
    }

    /// The ids (`id`) of the resources this arm admits that also meet `narrow`,
    /// found through the index of what it tests: owner, share, level, or (project,
    /// level).
    fn ids(&self, narrow: &[Expr], backend: DbBackend) -> SelectStatement {
        let mut ids = Query::select();
        ids.column(("r", "id")).from_as("resources", "r");
        for condition in narrow {
            ids.and_where(condition.clone());
        }
        match self {
            Self::Row(condition) => ids.and_where(condition.clone()).to_owned(),
            // Every share names an existing resource: its rows are read only to narrow.
            Self::SharedWith(user_id) if narrow.is_empty() => shared_with(*user_id),
            Self::SharedWith(user_id) => ids
                .join_as(
                    JoinType::InnerJoin,
                    "resource_shares",
                    "s",
                    Expr::col(("s", "resource_id")).equals(("r", "id")),
                )
                .and_where(Expr::col(("s", "user_id")).eq(*user_id))
                .to_owned(),
            Self::ProjectRole(reads) => reads.ids(ids, backend),
        }
    }
}

/// `rows` (which compare a column with `g.project_id`) for each project of
/// `projects` (alias `g`), as the columns of `rows` under `alias`. On PostgreSQL a
/// lateral subquery it may not flatten (`OFFSET 0`), so that each project is an
/// index lookup rather than a hash join over the whole table; SQLite has no LATERAL
/// and loops over `g` by itself.
fn by_project(
    projects: SelectStatement,
    mut rows: SelectStatement,
    alias: &'static str,
    backend: DbBackend,
) -> SelectStatement {
    if backend != DbBackend::Postgres {
        return rows.from_subquery(projects, "g").to_owned();
    }
    Query::select()
        .column((alias, Asterisk))
        .from_subquery(projects, "g")
        .join_lateral(
            JoinType::InnerJoin,
            rows.offset(0).to_owned(),
            alias,
            always(),
        )
        .to_owned()
}

/// Resources (alias `r`) the subject may read, as `resource_access`, as a row
/// condition: for checks of rows found otherwise (a project's resources).
pub fn readable_resource(subject: Subject) -> Expr {
    readable_arms(subject)
        .iter()
        .map(ReadableArm::condition)
        .reduce(Expr::or)
        .unwrap_or_else(never)
}

/// The ids (`id`) of the resources the subject may read that meet every condition
/// of `narrow` (on `r`), as `readable_resource` decides, as a union of one index-driven
/// selection per arm: for lists across every project.
pub fn readable_resource_ids(
    subject: Subject,
    narrow: &[Expr],
    backend: DbBackend,
) -> SelectStatement {
    readable_arms(subject)
        .iter()
        .map(|arm| arm.ids(narrow, backend))
        .reduce(|mut union, arm| union.union(UnionType::Distinct, arm).to_owned())
        .unwrap_or_else(|| {
            let mut none = Query::select();
            none.column(("r", "id"))
                .from_as("resources", "r")
                .and_where(never());
            none
        })
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
