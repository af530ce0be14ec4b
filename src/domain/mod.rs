//! The rules of each area, as plain async functions over the database. Every function
//! that changes something checks access first (through `access`), runs in one
//! transaction and records its audit event in it. No GraphQL types here.

pub mod audit;
pub mod email_secrets;
pub mod events;
pub mod groups;
pub mod invitations;
pub mod password_reset;
pub mod projects;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod tree;
pub mod users;
pub mod validate;
pub mod verification;

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, FromQueryResult, QueryResult, Value,
    sea_query::{Asterisk, Expr, ExprTrait, Order, Query, SelectStatement},
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The most items one page may hold, and the size of a page when none is asked for.
pub const MAX_PAGE_SIZE: u64 = 100;
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// A forward page request: at most `first` items after the item whose sort key is
/// `after` (decoded from the client's cursor).
#[derive(Clone, Debug)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<String>,
}

impl PageArgs {
    pub fn new(first: Option<i32>, after: Option<String>) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as u64,
            Some(_) => {
                return Err(AppError::BadUserInput(format!(
                    "`first` must be between 0 and {MAX_PAGE_SIZE}"
                )));
            }
        };
        Ok(Self { first, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub fn limit(&self) -> u64 {
        self.first + 1
    }

    /// The `after` key as a UUID, for lists ordered by id.
    pub fn after_id(&self) -> AppResult<Option<uuid::Uuid>> {
        self.after
            .as_deref()
            .map(|key| key.parse().map_err(|_| invalid_cursor()))
            .transpose()
    }
}

pub fn invalid_cursor() -> AppError {
    AppError::BadUserInput("`after` is not a cursor this list gave out".into())
}

/// One page of a list, with what a Relay connection needs to describe it.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    /// The same page holding other items (e.g. the objects built from these rows).
    pub fn with_items<U>(self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }

    /// Builds a page from rows fetched with `args.limit()`.
    pub fn from_rows(mut rows: Vec<T>, args: &PageArgs, total_count: u64) -> Self {
        let has_next_page = rows.len() as u64 > args.first;
        rows.truncate(args.first as usize);
        Self {
            items: rows,
            has_next_page,
            has_previous_page: args.after.is_some(),
            total_count,
        }
    }
}

/// At most `limit` rows per `partition` of `rows` (whose rows carry a per-partition
/// `total`), ranked by `order` within each and taken after `keyset`: one page for each
/// of many owners in one statement. Rows come by owner, then rank.
pub fn pages_of(
    rows: SelectStatement,
    partition: &'static str,
    order: &'static str,
    keyset: Option<Expr>,
    limit: u64,
) -> SelectStatement {
    let mut ranked = Query::select()
        .column(("counted", Asterisk))
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order})"
            )),
            "position",
        )
        .from_subquery(rows, "counted")
        .to_owned();
    if let Some(keyset) = keyset {
        ranked.and_where(keyset);
    }
    Query::select()
        .column(Asterisk)
        .from_subquery(ranked, "ranked")
        .and_where(Expr::col("position").lte(limit))
        .order_by(partition, Order::Asc)
        .order_by("position", Order::Asc)
        .to_owned()
}

/// `(major, minor)` comes after `(major_after, minor_after)` in that order.
pub fn after_pair<A, B>(major: &'static str, minor: &'static str, after: (A, B)) -> Expr
where
    A: Into<Value> + Clone,
    B: Into<Value>,
{
    Expr::col(major)
        .gt(after.0.clone().into())
        .or(Expr::col(major)
            .eq(after.0.into())
            .and(Expr::col(minor).gt(after.1.into())))
}

/// One page of `table`'s rows for each of many projects, newest (highest id) first,
/// in one statement. `condition` narrows the rows, and so the total counts.
pub async fn newest_per_project<M: FromQueryResult>(
    conn: &impl ConnectionTrait,
    table: &'static str,
    project_ids: &[Uuid],
    condition: Option<Expr>,
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<M>>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut everyone = Query::select()
        .column((table, Asterisk))
        .expr_as(
            Expr::cust("COUNT(*) OVER (PARTITION BY project_id)"),
            "total",
        )
        .from(table)
        .and_where(Expr::col("project_id").is_in(project_ids.iter().copied()))
        .to_owned();
    if let Some(condition) = condition {
        everyone.and_where(condition);
    }
    let keyset = page.after_id()?.map(|after| Expr::col("id").lt(after));
    let statement = pages_of(everyone, "project_id", "id DESC", keyset, page.limit());
    let rows = conn.query_all(&statement).await?;
    pages_by(&rows, "project_id", project_ids, page)
}

/// Splits rows fetched for several owners into one page per owner: `owner_column`
/// names the owner of each row and `total` holds its owner's row count.
pub fn pages_by<M: FromQueryResult>(
    rows: &[QueryResult],
    owner_column: &str,
    owners: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<M>>> {
    let mut grouped: HashMap<Uuid, (Vec<M>, u64)> = HashMap::new();
    for row in rows {
        let owner: Uuid = row.try_get("", owner_column)?;
        let total: i64 = row.try_get("", "total")?;
        let entry = grouped.entry(owner).or_default();
        entry.0.push(M::from_query_result(row, "")?);
        entry.1 = u64::try_from(total).unwrap_or(0);
    }
    Ok(owners
        .iter()
        .map(|id| {
            let (rows, total) = grouped.remove(id).unwrap_or_default();
            (*id, Page::from_rows(rows, page, total))
        })
        .collect())
}
