//! Projects and categories: the tree, its chains of ancestors (which access is
//! computed from), listing what a viewer may find, and the project mutations.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    project::{self, ProjectType},
    role_assignment::{self, Role},
    user,
};
use ipnet::IpNet;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    FromQueryResult, IdenStatic, Iterable, PaginatorTrait, QueryFilter, QueryResult, QuerySelect,
    Set, TransactionTrait,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, JoinType, LikeExpr, Order, Query, SelectStatement,
    },
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Page, PageArgs, after_pair,
    audit::{self, Event},
    decode, invalid_cursor, pages_by, pages_of,
    settings::registry::{self, IP_ALLOW_LIST, IP_RESTRICT, NAMESPACE, STARRED},
    single_page, tree,
    users::escape_like,
    validate,
};
use crate::{
    access::{
        self, ChainLink, GroupGrant, Permission, ProjectAccess,
        sql::{self, Subject},
    },
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

/// One project of a chain, with the subject's direct assignment there.
#[derive(Clone, Debug)]
pub struct ChainNode {
    pub project: project::Model,
    pub assignment: Option<(Role, Option<DateTime<Utc>>)>,
    /// The grants the subject's groups hold here.
    pub group_grants: Vec<GroupGrant>,
    /// The allowed networks when `roster.ip_restrict` is on here.
    pub ip_allow_list: Option<Vec<IpNet>>,
}

/// A project and its ancestors, nearest first, as seen by one subject.
#[derive(Clone, Debug)]
pub struct Chain {
    pub head: ChainNode,
    pub ancestors: Vec<ChainNode>,
}

impl Chain {
    pub fn project(&self) -> &project::Model {
        &self.head.project
    }

    fn nodes(&self) -> impl Iterator<Item = &ChainNode> {
        std::iter::once(&self.head).chain(self.ancestors.iter())
    }

    pub fn links(&self) -> Vec<ChainLink> {
        self.nodes()
            .map(|node| ChainLink {
                project_id: node.project.id,
                public_access: node.project.public_access,
                archived: node.project.archived,
                assignment: node.assignment,
                group_grants: node.group_grants.clone(),
                ip_allow_list: node.ip_allow_list.clone(),
            })
            .collect()
    }

    /// "Category / Sub-category / Project".
    pub fn full_title(&self) -> String {
        let mut titles: Vec<&str> = self
            .nodes()
            .map(|node| node.project.title.as_str())
            .collect();
        titles.reverse();
        titles.join(" / ")
    }

    /// The chain of the parent, when there is one.
    pub fn parent(&self) -> Option<Chain> {
        let (head, ancestors) = self.ancestors.split_first()?;
        Some(Chain {
            head: head.clone(),
            ancestors: ancestors.to_vec(),
        })
    }

    /// The chain of the ancestor `project_id`, when it is this project or above it.
    pub fn from_ancestor(&self, project_id: Uuid) -> Option<Chain> {
        let mut chain = self.clone();
        loop {
            if chain.project().id == project_id {
                return Some(chain);
            }
            chain = chain.parent()?;
        }
    }

    /// What `viewer` may do in the project, from the address it asks from. To ask
    /// about another account, build a `Viewer` for it (`Viewer::at_address_of`).
    pub fn access(&self, viewer: &Viewer, now: DateTime<Utc>) -> ProjectAccess {
        access::project_access(viewer, &self.links(), now)
    }

    fn contains(&self, project_id: Uuid) -> bool {
        self.nodes().any(|node| node.project.id == project_id)
    }
}

/// A project as a viewer sees it: its chain and what the viewer may do there.
#[derive(Clone, Debug)]
pub struct ProjectView {
    pub chain: Chain,
    pub access: ProjectAccess,
}

impl ProjectView {
    pub fn new(chain: Chain, viewer: &Viewer, now: DateTime<Utc>) -> Self {
        let access = chain.access(viewer, now);
        Self { chain, access }
    }

    pub fn project(&self) -> &project::Model {
        self.chain.project()
    }
}

struct ChainRow {
    chain_start: Uuid,
    chain_depth: i32,
    group_id: Option<Uuid>,
    group_role: Option<Role>,
    group_expires_at: Option<DateTime<Utc>>,
    subject_role: Option<Role>,
    subject_expires_at: Option<DateTime<Utc>>,
    ip_restrict: Option<String>,
    ip_allow_list: Option<String>,
}

/// Brings a project's (`p`) address restriction into a statement, as the JSON text
/// of its `ip_restrict` and `ip_allow_list` settings.
fn select_restriction(select: &mut SelectStatement) {
    for (alias, name) in [
        ("ip_restrict", IP_RESTRICT),
        ("ip_allow_list", IP_ALLOW_LIST),
    ] {
        select
            .join_as(
                JoinType::LeftJoin,
                "setting_values",
                alias,
                Expr::col((alias, "project_id"))
                    .equals(("p", "id"))
                    .and(Expr::col((alias, "user_id")).is_null())
                    .and(Expr::col((alias, "namespace")).eq(NAMESPACE))
                    .and(Expr::col((alias, "name")).eq(name)),
            )
            .expr_as(Expr::col((alias, "value")).cast_as("TEXT"), alias);
    }
}

/// The networks a project admits, from the stored JSON of its two settings; None
/// when it is not restricted. An unset list is the default: empty, nobody.
fn allow_list(ip_restrict: Option<&str>, ip_allow_list: Option<&str>) -> Option<Vec<IpNet>> {
    let restricted = ip_restrict
        .and_then(|text| serde_json::from_str::<bool>(text).ok())
        .unwrap_or(false);
    restricted.then(|| {
        ip_allow_list
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .map(|value| registry::networks(&value).unwrap_or_default())
            .unwrap_or_default()
    })
}

impl ChainRow {
    fn read(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            chain_start: row.try_get("", "chain_start")?,
            chain_depth: row.try_get("", "chain_depth")?,
            group_id: decode::nullable(row, "group_id")?,
            group_role: decode::nullable_enum(row, "group_role")?,
            group_expires_at: decode::nullable(row, "group_expires_at")?,
            subject_role: decode::nullable_enum(row, "subject_role")?,
            subject_expires_at: decode::nullable(row, "subject_expires_at")?,
            ip_restrict: decode::nullable(row, "ip_restrict")?,
            ip_allow_list: decode::nullable(row, "ip_allow_list")?,
        })
    }

    fn group_grant(&self) -> Option<GroupGrant> {
        let (group_id, role) = self.group_id.zip(self.group_role)?;
        Some(GroupGrant {
            group_id,
            role,
            expires_at: self.group_expires_at,
        })
    }
}

/// The chains of many projects for one subject (None: anonymous), in one statement
/// through the ancestors table. Unknown ids are absent from the map.
pub async fn load_chains(
    conn: &impl ConnectionTrait,
    subject_id: Option<Uuid>,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Chain>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = chains_statement(subject_id, ids);
    chains_from(&conn.query_all(&select).await?)
}

/// As `load_chains`, with the subject's own row as it is in the database now, read
/// by the same statement: a viewer taken from the per-process cache is confirmed
/// without a statement of its own (see `auth::viewer_cache`). The row is None when
/// no chain was found, so nothing carried it. Only the rows of the chains' own
/// projects (depth 0) carry it, the first row among them: a dashboard's 50 chains
/// have about 340 links, and each would repeat it.
pub async fn load_chains_with_subject(
    conn: &impl ConnectionTrait,
    subject_id: Uuid,
    ids: &[Uuid],
) -> AppResult<(HashMap<Uuid, Chain>, Option<user::Model>)> {
    if ids.is_empty() {
        return Ok((HashMap::new(), None));
    }
    let mut select = chains_statement(Some(subject_id), ids);
    select.join_as(
        JoinType::LeftJoin,
        "users",
        "subject",
        Expr::col(("subject", "id"))
            .eq(subject_id)
            .and(Expr::col(("pa", "depth")).eq(0)),
    );
    for column in user::Column::iter() {
        select.expr_as(
            Expr::col(("subject", column)),
            Alias::new(format!("{SUBJECT_PREFIX}{}", column.as_str())),
        );
    }
    let rows = conn.query_all(&select).await?;
    let subject = rows
        .first()
        .map(|row| user::Model::from_query_result(row, SUBJECT_PREFIX))
        .transpose()
        .ok()
        .flatten();
    Ok((chains_from(&rows)?, subject))
}

/// The column prefix of the subject's row in `load_chains_with_subject`.
const SUBJECT_PREFIX: &str = "subject_";

/// The links of the chains of `ids`, nearest first, each with the subject's own
/// assignment there, a row per grant of the subject's groups there (a link with
/// several has several rows, one after another) and the project's address
/// restriction.
fn chains_statement(subject_id: Option<Uuid>, ids: &[Uuid]) -> SelectStatement {
    let subject_groups = match subject_id {
        Some(subject_id) => sql::group_member(("ga", "group_id"), subject_id),
        None => Expr::cust("1 = 0"),
    };
    let mut select = Query::select()
        .expr_as(Expr::col(("pa", "project_id")), "chain_start")
        .expr_as(Expr::col(("pa", "depth")), "chain_depth")
        .expr_as(Expr::col(("ra", "role")), "subject_role")
        .expr_as(Expr::col(("ra", "expires_at")), "subject_expires_at")
        .expr_as(Expr::col(("ga", "group_id")), "group_id")
        .expr_as(Expr::col(("ga", "role")), "group_role")
        .expr_as(Expr::col(("ga", "expires_at")), "group_expires_at")
        .column(("p", Asterisk))
        .from_as(tree::TABLE, "pa")
        .join_as(
            JoinType::InnerJoin,
            "projects",
            "p",
            Expr::col(("p", "id")).equals(("pa", "ancestor_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "role_assignments",
            "ra",
            Expr::col(("ra", "project_id"))
                .equals(("p", "id"))
                .and(Expr::col(("ra", "user_id")).eq(subject_id)),
        )
        .join_as(
            JoinType::LeftJoin,
            "group_role_assignments",
            "ga",
            Expr::col(("ga", "project_id"))
                .equals(("p", "id"))
                .and(subject_groups),
        )
        .and_where(Expr::col(("pa", "project_id")).is_in(ids.iter().copied()))
        .order_by(("pa", "project_id"), Order::Asc)
        .order_by(("pa", "depth"), Order::Asc)
        .to_owned();
    // The restriction settings ride along: access needs them on every link.
    select_restriction(&mut select);
    select
}

/// The chains in the rows of `chains_statement`, by project id.
fn chains_from(rows: &[QueryResult]) -> AppResult<HashMap<Uuid, Chain>> {
    let mut chains: HashMap<Uuid, Chain> = HashMap::new();
    let mut previous: Option<(Uuid, i32)> = None;
    for row in rows {
        let meta = ChainRow::read(row)?;
        // Rows come nearest first within each chain: a further row of the same link
        // only adds a group grant.
        let link = (meta.chain_start, meta.chain_depth);
        if previous.replace(link) == Some(link) {
            if let (Some(grant), Some(chain)) = (meta.group_grant(), chains.get_mut(&link.0)) {
                let node = chain.ancestors.last_mut().unwrap_or(&mut chain.head);
                node.group_grants.push(grant);
            }
            continue;
        }
        let node = ChainNode {
            project: decode::project(row)?,
            assignment: meta
                .subject_role
                .map(|role| (role, meta.subject_expires_at)),
            group_grants: meta.group_grant().into_iter().collect(),
            ip_allow_list: allow_list(meta.ip_restrict.as_deref(), meta.ip_allow_list.as_deref()),
        };
        match chains.get_mut(&meta.chain_start) {
            Some(chain) => chain.ancestors.push(node),
            None => {
                chains.insert(
                    meta.chain_start,
                    Chain {
                        head: node,
                        ancestors: Vec::new(),
                    },
                );
            }
        }
    }
    Ok(chains)
}

pub async fn load_chain(
    conn: &impl ConnectionTrait,
    subject_id: Option<Uuid>,
    id: Uuid,
) -> AppResult<Option<Chain>> {
    Ok(load_chains(conn, subject_id, &[id]).await?.remove(&id))
}

/// The project and the viewer's access to it; NOT_FOUND unless the viewer may find it.
pub async fn view(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<ProjectView> {
    viewer.reject_invalid()?;
    let chain = load_chain(conn, viewer.id(), id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    let view = ProjectView::new(chain, viewer, state.clock.now());
    view.access.require(Permission::Find)?;
    Ok(view)
}

/// A project the viewer has just changed, as they now see it: a move may have taken
/// it out of their reach, so no FIND is required (they know what they did).
async fn as_changed(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<ProjectView> {
    let chain = load_chain(&state.db, viewer.id(), id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    Ok(ProjectView::new(chain, viewer, state.clock.now()))
}

/// The project that an object (a role assignment, an invitation, …) belongs to, as
/// the viewer sees it. When the viewer may not find the project, the object itself is
/// NOT_FOUND, so that neither leaks.
pub async fn view_holding(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    object: &str,
) -> AppResult<ProjectView> {
    view(conn, state, viewer, project_id)
        .await
        .map_err(|error| match error {
            AppError::NotFound(_) => AppError::not_found(object),
            other => other,
        })
}

/// Which projects to list.
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    pub project_type: Option<ProjectType>,
    pub parent_id: Option<Uuid>,
    pub search: Option<String>,
    pub include_archived: bool,
    /// Only those the viewer starred (`roster.starred`), or only the others.
    pub starred: Option<bool>,
}

/// Who a list is for: what they may find, and what their stars are.
struct Audience {
    /// Whose grants decide what is listed.
    subject: Subject,
    /// Address-restricted projects that refuse the client, with everything below.
    refused: Vec<Uuid>,
    /// Whose `roster.starred` the `starred` filter reads.
    starring_user: Option<Uuid>,
}

impl Audience {
    async fn of(state: &AppState, viewer: &Viewer, subject: Subject) -> AppResult<Self> {
        let refused = if viewer.is_superuser() {
            Vec::new()
        } else {
            refused_projects(&state.db, viewer).await?
        };
        Ok(Self {
            subject,
            refused,
            starring_user: viewer.id(),
        })
    }
}

/// The projects whose address restriction refuses the viewer's client (what lies
/// below them is refused through them). Restrictions are few, so they are read
/// whole and matched here: CIDR matching is not portable SQL.
pub async fn refused_projects(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
) -> AppResult<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct Restriction {
        id: Uuid,
        ip_restrict: Option<String>,
        ip_allow_list: Option<String>,
    }
    let mut select = Query::select()
        .expr_as(Expr::col(("p", "id")), "id")
        .from_as("projects", "p")
        .to_owned();
    select_restriction(&mut select);
    select.and_where(
        Expr::col(("ip_restrict", "value"))
            .cast_as("TEXT")
            .eq("true"),
    );
    let rows = Restriction::find_by_statement(conn.get_database_backend().build(&select))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| {
            let networks = allow_list(row.ip_restrict.as_deref(), row.ip_allow_list.as_deref());
            !access::restriction_admits(networks.as_deref(), viewer.client_address())
        })
        .map(|row| row.id)
        .collect())
}

/// Every project the viewer may find, by title then id, filtered in SQL by the
/// conditions of `access::sql`, less what the client's address may not reach.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    filter: ProjectFilter,
    page: PageArgs,
) -> AppResult<Page<project::Model>> {
    let Some(user) = viewer.user() else {
        viewer.require_user()?;
        return Ok(Page::empty(&page));
    };
    let subject = Subject::of(Some(user), state.clock.now());
    let audience = Audience::of(state, viewer, subject).await?;
    query_page(state, &audience, filter, page).await
}

/// The projects (`p`) that `audience` may find and that match `filter`.
fn matching(audience: &Audience, filter: &ProjectFilter, backend: DbBackend) -> SelectStatement {
    let mut select = sql::findable_projects(audience.subject, backend);
    if let Some(outside) = sql::outside_refused(("p", "id"), &audience.refused) {
        select.and_where(outside);
    }
    if let Some(project_type) = filter.project_type {
        select.and_where(Expr::col(("p", "project_type")).eq(project_type.to_value()));
    }
    if let Some(parent_id) = filter.parent_id {
        select.and_where(Expr::col(("p", "parent_id")).eq(parent_id));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        select.and_where(Expr::col(("p", "title_key")).like(LikeExpr::new(pattern).escape('\\')));
    }
    if !filter.include_archived {
        select.and_where(Expr::col(("p", "archived")).eq(false));
    }
    if let Some(starred) = filter.starred {
        let stars = starred_by(audience.starring_user);
        select.and_where(if starred {
            Expr::exists(stars)
        } else {
            Expr::not_exists(stars)
        });
    }
    select
}

/// The `roster.starred` value of `user_id` on the project `p`, when it is `true`
/// (unset reads as the default, false).
fn starred_by(user_id: Option<Uuid>) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from_as("setting_values", "s")
        .and_where(Expr::col(("s", "project_id")).equals(("p", "id")))
        .and_where(Expr::col(("s", "user_id")).eq(user_id))
        .and_where(Expr::col(("s", "namespace")).eq(NAMESPACE))
        .and_where(Expr::col(("s", "name")).eq(STARRED))
        .and_where(Expr::col(("s", "value")).cast_as("TEXT").eq("true"))
        .to_owned()
}

/// One page of projects matching `filter`, for `audience`.
async fn query_page(
    state: &AppState,
    audience: &Audience,
    filter: ProjectFilter,
    page: PageArgs,
) -> AppResult<Page<project::Model>> {
    let keyset = match &page.after {
        Some(after) => {
            let (title_key, id) = parse_cursor(after)?;
            Some(after_pair("title_key", "id", (title_key.to_owned(), id)))
        }
        None => None,
    };
    let (found, total) = single_page(
        &state.db,
        matching(audience, &filter, state.db.get_database_backend()),
        &["title_key", "id"],
        keyset,
        &page,
    )
    .await?;
    let projects = found
        .iter()
        .map(decode::project)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(projects, &page, total))
}

/// The sort key a project's cursor carries in `list`.
pub fn cursor_key(project: &project::Model) -> String {
    format!("{}\u{1f}{}", project.title_key, project.id)
}

/// The title key and id of a `cursor_key`.
fn parse_cursor(key: &str) -> AppResult<(&str, Uuid)> {
    let (title_key, id) = key.rsplit_once('\u{1f}').ok_or_else(invalid_cursor)?;
    let id = id.parse().map_err(|_| invalid_cursor())?;
    Ok((title_key, id))
}

/// One page of children for each of several categories, by title then id, in one
/// statement. The caller has checked that the viewer may find each category through
/// a grant, and so its children (less those whose address restriction refuses the
/// client).
pub async fn children_of(
    state: &AppState,
    viewer: &Viewer,
    category_ids: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<project::Model>>> {
    if category_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let audience = Audience::of(state, viewer, Subject::Everyone).await?;
    let mut children = Query::select()
        .column(("p", Asterisk))
        .from_as("projects", "p")
        .and_where(Expr::col(("p", "parent_id")).is_in(category_ids.iter().copied()))
        .to_owned();
    if let Some(outside) = sql::outside_refused(("p", "id"), &audience.refused) {
        children.and_where(outside);
    }
    let keyset = match &page.after {
        Some(after) => {
            let (title_key, id) = parse_cursor(after)?;
            Some(after_pair("title_key", "id", (title_key.to_owned(), id)))
        }
        None => None,
    };
    let statement = pages_of(children, "parent_id", "title_key, id", keyset, page);
    let rows = state.db.query_all(&statement).await?;
    pages_by(&rows, "parent_id", category_ids, page)
}

/// A new project or category.
#[derive(Clone, Debug)]
pub struct NewProject {
    pub title: String,
    pub project_type: ProjectType,
    pub parent_id: Option<Uuid>,
    pub description: Option<String>,
    pub readme: Option<String>,
    pub public_access: Option<Role>,
    pub owner_id: Option<Uuid>,
}

/// Changes to a project; `None` leaves a field as it is. For the double options,
/// `Some(None)` clears the field (for `parent_id`: moves to the top level).
#[derive(Clone, Debug, Default)]
pub struct ProjectChanges {
    pub title: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
    pub description: Option<Option<String>>,
    pub readme: Option<Option<String>>,
    pub public_access: Option<Option<Role>>,
}

fn validate_title(title: &str) -> AppResult<(String, String)> {
    let title = validate::single_line("a title", title)?;
    if title.is_empty() || title.chars().count() > 255 {
        return Err(AppError::BadUserInput(
            "a title is 1 to 255 characters".into(),
        ));
    }
    let title_key = title.to_lowercase();
    Ok((title, title_key))
}

fn validate_public_access(role: Option<Role>) -> AppResult<Option<Role>> {
    match role {
        None | Some(Role::Guest | Role::Viewer) => Ok(role),
        Some(_) => Err(AppError::BadUserInput(
            "public access is GUEST, VIEWER or none".into(),
        )),
    }
}

/// A description: free text of several lines (`validate::multi_line`).
fn validate_description(value: Option<String>) -> AppResult<Option<String>> {
    validate_text("the description", value, MAX_DESCRIPTION_CHARS)?
        .map(|text| validate::multi_line("the description", &text))
        .transpose()
}

fn validate_text(
    field: &str,
    value: Option<String>,
    max_chars: usize,
) -> AppResult<Option<String>> {
    match value {
        Some(text) if text.chars().count() > max_chars => Err(AppError::BadUserInput(format!(
            "{field} is at most {max_chars} characters"
        ))),
        other => Ok(other),
    }
}

const MAX_DESCRIPTION_CHARS: usize = 10_000;
const MAX_README_CHARS: usize = 200_000;

/// Checks that the viewer may put something under `parent_id` (or at the top level),
/// and that the parent is a category. Returns the parent's chain.
async fn require_destination(
    conn: &impl ConnectionTrait,
    state: &AppState,
    viewer: &Viewer,
    parent_id: Option<Uuid>,
) -> AppResult<Option<Chain>> {
    let Some(parent_id) = parent_id else {
        if !access::may_create_top_level(viewer, state.config.restrict_top_level_projects) {
            return Err(AppError::Forbidden(
                "only superusers may create or move projects at the top level".into(),
            ));
        }
        return Ok(None);
    };
    let parent = view(conn, state, viewer, parent_id).await?;
    if parent.project().project_type != ProjectType::Category {
        return Err(AppError::BadUserInput(
            "only a category can hold projects and categories".into(),
        ));
    }
    parent.access.require(Permission::Write)?;
    Ok(Some(parent.chain))
}

/// Creates a project or category; the creator (or `owner_id`, for superusers)
/// becomes its one direct OWNER.
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewProject,
) -> AppResult<ProjectView> {
    let me = viewer.require_user()?;
    let (title, title_key) = validate_title(&input.title)?;
    let public_access = validate_public_access(input.public_access)?;
    let description = validate_description(input.description)?;
    let readme = validate_text("the readme", input.readme, MAX_README_CHARS)?;
    let owner_id = match input.owner_id {
        Some(owner_id) if owner_id != me.id => {
            if !access::may_choose_owner(viewer) {
                return Err(AppError::Forbidden(
                    "only superusers may create a project for someone else".into(),
                ));
            }
            owner_id
        }
        _ => me.id,
    };
    let txn = state.db.begin().await?;
    require_destination(&txn, state, viewer, input.parent_id).await?;
    let owner = entity::user::Entity::find_by_id(owner_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    if !owner.is_active {
        return Err(AppError::BadUserInput(
            "a deactivated user cannot own a project".into(),
        ));
    }
    let now = state.clock.now();
    let created = project::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(title),
        title_key: Set(title_key),
        project_type: Set(input.project_type),
        parent_id: Set(input.parent_id),
        description: Set(description),
        readme: Set(readme),
        public_access: Set(public_access),
        archived: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    tree::insert(&txn, created.id, created.parent_id).await?;
    role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(created.id),
        user_id: Set(owner_id),
        role: Set(Role::Owner),
        expires_at: Set(None),
        email_shared: Set(owner_id == me.id || viewer.is_superuser()),
        self_granted: Set(owner_id == me.id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let details = json!({
        "title": created.title,
        "type": created.project_type.to_value(),
        "parentId": created.parent_id,
        "ownerId": owner_id,
    });
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("project.create", Some(created.id), details).in_project(created.id),
    )
    .await?;
    txn.commit().await?;
    view(&state.db, state, viewer, created.id).await
}

/// Updates a project: title, texts, public access, or its place in the tree.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    changes: ProjectChanges,
) -> AppResult<ProjectView> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let current = view(&txn, state, viewer, id).await?;
    current.access.require(Permission::UpdateProject)?;
    let project = current.project().clone();
    let mut active: project::ActiveModel = project.clone().into();
    let mut changed = serde_json::Map::new();
    if let Some(title) = &changes.title {
        let (title, title_key) = validate_title(title)?;
        changed.insert(
            "title".into(),
            json!({ "old": project.title, "new": title }),
        );
        active.title = Set(title);
        active.title_key = Set(title_key);
    }
    if let Some(parent_id) = changes.parent_id
        && parent_id != project.parent_id
    {
        if let Some(category) = current.chain.parent() {
            access::require_move_out_of(&category.access(viewer, state.clock.now()))?;
        }
        let destination = require_destination(&txn, state, viewer, parent_id).await?;
        if destination.as_ref().is_some_and(|chain| chain.contains(id)) {
            return Err(AppError::BadUserInput(
                "a category cannot move into itself or below itself".into(),
            ));
        }
        changed.insert(
            "parentId".into(),
            json!({ "old": project.parent_id, "new": parent_id }),
        );
        active.parent_id = Set(parent_id);
    }
    if let Some(description) = changes.description {
        let description = validate_description(description)?;
        changed.insert("description".into(), json!(true));
        active.description = Set(description);
    }
    if let Some(readme) = changes.readme {
        let readme = validate_text("the readme", readme, MAX_README_CHARS)?;
        changed.insert("readme".into(), json!(true));
        active.readme = Set(readme);
    }
    if let Some(public_access) = changes.public_access {
        let public_access = validate_public_access(public_access)?;
        changed.insert(
            "publicAccess".into(),
            json!({ "old": project.public_access.map(access::role_name), "new": public_access.map(access::role_name) }),
        );
        active.public_access = Set(public_access);
    }
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await?;
    if updated.parent_id != project.parent_id {
        tree::reparent(&txn, id, updated.parent_id).await?;
    }
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("project.update", Some(id), changed.into()).in_project(id),
    )
    .await?;
    txn.commit().await?;
    as_changed(state, viewer, id).await
}

/// Archives or unarchives a project: archived projects are read-only.
pub async fn set_archived(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    archived: bool,
) -> AppResult<ProjectView> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let current = view(&txn, state, viewer, id).await?;
    current.access.require(Permission::Archive)?;
    if current.project().archived != archived {
        let mut active: project::ActiveModel = current.project().clone().into();
        active.archived = Set(archived);
        active.updated_at = Set(state.clock.now());
        active.update(&txn).await?;
        let action = if archived {
            "project.archive"
        } else {
            "project.unarchive"
        };
        audit::record(
            &txn,
            state,
            viewer.id(),
            Event::new(action, Some(id), json!({})).in_project(id),
        )
        .await?;
    }
    txn.commit().await?;
    as_changed(state, viewer, id).await
}

/// Deletes a project and everything that belongs to it. A category that still holds
/// anything cannot be deleted.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Uuid> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let current = view(&txn, state, viewer, id).await?;
    current.access.require(Permission::Delete)?;
    let children = project::Entity::find()
        .filter(project::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    if children > 0 {
        return Err(AppError::Conflict(
            "this category is not empty: move or delete what it holds first".into(),
        ));
    }
    project::Entity::delete_by_id(id).exec(&txn).await?;
    let details =
        json!({ "title": current.project().title, "fullTitle": current.chain.full_title() });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("project.delete", Some(id), details).in_project(id),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Locks a project's row until the transaction ends, so concurrent changes to its
/// roles run one after the other (a no-op on SQLite, whose writers are serial).
pub async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    project::Entity::find_by_id(id)
        .select_only()
        .column(project::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(())
}

/// Whether `user_id` (default: the viewer) holds `permission` on a project. Asking
/// about someone else needs superuser rights or MANAGE_MEMBERS there. A project the
/// viewer may not find answers false for themselves and NOT_FOUND about others, the
/// same as one that does not exist.
pub async fn check_permission(
    state: &AppState,
    viewer: &Viewer,
    user_id: Option<Uuid>,
    project_id: Uuid,
    permission: Permission,
) -> AppResult<bool> {
    viewer.reject_invalid()?;
    let now = state.clock.now();
    let own_chain = load_chain(&state.db, viewer.id(), project_id).await?;
    let own_access = own_chain.as_ref().map(|chain| chain.access(viewer, now));
    let subject_id = match user_id {
        Some(user_id) if !viewer.is(user_id) => user_id,
        _ => return Ok(own_access.is_some_and(|access| access.allows(permission))),
    };
    viewer.require_user()?;
    let own_access = own_access.ok_or_else(|| AppError::not_found("project"))?;
    own_access.require(Permission::Find)?;
    if !own_access.may_inspect_others() {
        return Err(AppError::Forbidden(
            "only superusers and those who manage its members may check others' access to a project".into(),
        ));
    }
    let subject = entity::user::Entity::find_by_id(subject_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let chain = load_chain(&state.db, Some(subject_id), project_id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    // The other account is judged as if it sent this request, from this address.
    let subject = Viewer::signed_in(subject).at_address_of(viewer);
    Ok(chain.access(&subject, now).allows(permission))
}
