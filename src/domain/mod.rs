//! The rules of each area, as plain async functions over the database. Every function
//! that changes something checks access first (through `access`), runs in one
//! transaction and records its audit event in it. No GraphQL types here.

pub mod audit;
pub mod decode;
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
    sea_query::{
        Asterisk, CommonTableExpression, Expr, ExprTrait, IntoColumnRef, Order, Query,
        SelectStatement, WithClause,
    },
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The most items one page may hold, and the size of a page when none is asked for.
pub const MAX_PAGE_SIZE: u64 = 100;
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// A forward page request: at most `first` items after the item whose sort key is
/// `after` (decoded from the client's cursor), with the list's total when
/// `count_total` (counting reads the whole list, so only when the client asks).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<String>,
    pub count_total: bool,
}

impl PageArgs {
    pub fn new(first: Option<i32>, after: Option<String>, count_total: bool) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as u64,
            Some(_) => {
                return Err(AppError::BadUserInput(format!(
                    "`first` must be between 0 and {MAX_PAGE_SIZE}"
                )));
            }
        };
        Ok(Self {
            first,
            after,
            count_total,
        })
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
    /// The whole list's size; `None` when it was not counted (not asked for).
    pub total_count: Option<u64>,
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

    /// The page of a list with no items at all.
    pub fn empty(args: &PageArgs) -> Self {
        Self::from_rows(Vec::new(), args, empty_total(args))
    }

    /// Builds a page from rows fetched with `args.limit()`.
    pub fn from_rows(mut rows: Vec<T>, args: &PageArgs, total_count: Option<u64>) -> Self {
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

/// At most `page.limit()` rows per `partition` of `rows`, ranked by `order` within
/// each and taken after `keyset`: one page for each of many owners in one statement.
/// Rows come by owner, then rank. When `page.count_total`, each carries its owner's
/// `total` (counted over the whole list), and an owner whose page past the cursor is
/// empty still sends one row, for its total: not an item (see `row_listed`).
pub fn pages_of(
    rows: SelectStatement,
    partition: &'static str,
    order: &'static str,
    keyset: Option<Expr>,
    page: &PageArgs,
) -> SelectStatement {
    if !page.count_total {
        let mut ranked = ranked(rows, partition, order);
        if let Some(keyset) = keyset {
            ranked.and_where(keyset);
        }
        return first_ranks(ranked, partition, page.limit());
    }
    // Rows after the cursor rank first; the first of the others stands in for an
    // owner with none.
    let after_cursor: Expr = match keyset {
        Some(keyset) => Expr::case(keyset, 1).finally(0).into(),
        None => Expr::val(1),
    };
    let counted = Query::select()
        .column(("listed", Asterisk))
        .expr_as(
            Expr::cust(format!("COUNT(*) OVER (PARTITION BY {partition})")),
            "total",
        )
        .expr_as(after_cursor, "after_cursor")
        .from_subquery(rows, "listed")
        .to_owned();
    let ranked = ranked(counted, partition, &format!("after_cursor DESC, {order}"));
    let mut pages = first_ranks(ranked, partition, page.limit());
    pages.and_where(
        Expr::col("after_cursor")
            .eq(1)
            .or(Expr::col("position").eq(1)),
    );
    pages
}

/// `rows` with their `position` within their `partition`, by `order`.
fn ranked(rows: SelectStatement, partition: &str, order: &str) -> SelectStatement {
    Query::select()
        .column(("counted", Asterisk))
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order})"
            )),
            "position",
        )
        .from_subquery(rows, "counted")
        .to_owned()
}

/// The rows of `ranked` up to position `limit` in each partition, by owner then rank.
fn first_ranks(ranked: SelectStatement, partition: &'static str, limit: u64) -> SelectStatement {
    Query::select()
        .column(Asterisk)
        .from_subquery(ranked, "ranked")
        .and_where(Expr::col("position").lte(limit))
        .order_by(partition, Order::Asc)
        .order_by("position", Order::Asc)
        .to_owned()
}

/// Whether a row of `pages_of` is an item of its page (not only its owner's total).
pub fn row_listed(row: &QueryResult, page: &PageArgs) -> AppResult<bool> {
    if !page.count_total {
        return Ok(true);
    }
    let after_cursor: i32 = row.try_get("", "after_cursor")?;
    Ok(after_cursor == 1)
}

/// The `total` a row of a page carries, when the page was asked with its total.
pub fn row_total(row: &QueryResult, page: &PageArgs) -> AppResult<Option<u64>> {
    if !page.count_total {
        return Ok(None);
    }
    let total: i64 = row.try_get("", "total")?;
    Ok(Some(u64::try_from(total).unwrap_or(0)))
}

/// The total of a list with no items at all.
fn empty_total(page: &PageArgs) -> Option<u64> {
    page.count_total.then_some(0)
}

/// One page per owner from the items and total grouped under each (an owner with
/// neither has an empty list).
pub fn pages_for<T>(
    mut grouped: HashMap<Uuid, (Vec<T>, Option<u64>)>,
    owners: &[Uuid],
    page: &PageArgs,
) -> HashMap<Uuid, Page<T>> {
    owners
        .iter()
        .map(|id| match grouped.remove(id) {
            Some((items, total)) => (*id, Page::from_rows(items, page, total)),
            None => (*id, Page::empty(page)),
        })
        .collect()
}

/// One page of the rows `matching` selects, by `order` (columns of its rows) and
/// after `keyset`, with their total when `page.count_total`: counted in the same pass
/// by a window over every match, before the cursor and the limit narrow them, or
/// apart for a page past the last match, which carries no total of its own.
pub async fn single_page(
    conn: &impl ConnectionTrait,
    matching: SelectStatement,
    order: &[&'static str],
    keyset: Option<Expr>,
    page: &PageArgs,
) -> AppResult<(Vec<QueryResult>, Option<u64>)> {
    let listed = if page.count_total {
        Query::select()
            .column(("m", Asterisk))
            .expr_as(Expr::cust("COUNT(*) OVER ()"), "total")
            .from_subquery(matching.clone(), "m")
            .to_owned()
    } else {
        matching.clone()
    };
    let mut select = Query::select()
        .column(Asterisk)
        .from_subquery(listed, "listed")
        .limit(page.limit())
        .to_owned();
    for column in order {
        select.order_by(*column, Order::Asc);
    }
    if let Some(keyset) = keyset {
        select.and_where(keyset);
    }
    let rows = conn.query_all(&select).await?;
    let total = page_total(conn, &rows, matching, page).await?;
    Ok((rows, total))
}

/// The total of a page's list: carried by its rows (`total`), counted apart for a
/// page past the last match, None unless asked for.
async fn page_total(
    conn: &impl ConnectionTrait,
    rows: &[QueryResult],
    matching: SelectStatement,
    page: &PageArgs,
) -> AppResult<Option<u64>> {
    Ok(match rows.first() {
        _ if !page.count_total => None,
        Some(row) => row_total(row, page)?,
        None if page.after.is_some() => Some(count_rows(conn, matching).await?),
        None => Some(0),
    })
}

/// One page of the rows of `table` whose `id`s `ids` selects, by id, after `after`:
/// the page's ids are chosen among the ids alone, and only they are joined back to
/// their rows. The total, when asked, is counted over the same ids in the same
/// statement.
pub async fn page_of_ids(
    conn: &impl ConnectionTrait,
    table: &'static str,
    ids: SelectStatement,
    after: Option<Uuid>,
    page: &PageArgs,
) -> AppResult<(Vec<QueryResult>, Option<u64>)> {
    let mut chosen = Query::select();
    chosen
        .column("id")
        .from("listed_ids")
        .order_by("id", Order::Asc)
        .limit(page.limit());
    if let Some(after) = after {
        chosen.and_where(Expr::col("id").gt(after));
    }
    let mut select = Query::select();
    select
        .column(("t", Asterisk))
        .from_as(table, "t")
        .and_where(Expr::col(("t", "id")).in_subquery(chosen))
        .order_by(("t", "id"), Order::Asc);
    if page.count_total {
        select.expr_as(Expr::cust("(SELECT COUNT(*) FROM listed_ids)"), "total");
    }
    let listed = CommonTableExpression::new()
        .query(ids.clone())
        .table_name("listed_ids")
        .to_owned();
    let rows = conn
        .query_all(&select.with(WithClause::new().cte(listed).to_owned()))
        .await?;
    let total = page_total(conn, &rows, ids, page).await?;
    Ok((rows, total))
}

/// How many rows `matching` selects.
async fn count_rows(conn: &impl ConnectionTrait, matching: SelectStatement) -> AppResult<u64> {
    let count = Query::select()
        .expr_as(Expr::col(Asterisk).count(), "total")
        .from_subquery(matching, "m")
        .to_owned();
    let total = match conn.query_one(&count).await? {
        Some(row) => row.try_get::<i64>("", "total")?,
        None => 0,
    };
    Ok(u64::try_from(total).unwrap_or(0))
}

/// `(major, minor)` comes after `(major_after, minor_after)` in that order.
pub fn after_pair<A, B>(
    major: impl IntoColumnRef + Clone,
    minor: impl IntoColumnRef,
    after: (A, B),
) -> Expr
where
    A: Into<Value> + Clone,
    B: Into<Value>,
{
    Expr::col(major.clone())
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
        .from(table)
        .and_where(Expr::col("project_id").is_in(project_ids.iter().copied()))
        .to_owned();
    if let Some(condition) = condition {
        everyone.and_where(condition);
    }
    let keyset = page.after_id()?.map(|after| Expr::col("id").lt(after));
    let statement = pages_of(everyone, "project_id", "id DESC", keyset, page);
    let rows = conn.query_all(&statement).await?;
    pages_by(&rows, "project_id", project_ids, page)
}

/// Splits rows fetched for several owners (by `pages_of`) into one page per owner:
/// `owner_column` names the owner of each row.
pub fn pages_by<M: FromQueryResult>(
    rows: &[QueryResult],
    owner_column: &str,
    owners: &[Uuid],
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<M>>> {
    pages_of_items(rows, owner_column, owners, page, |row| {
        Ok(M::from_query_result(row, "")?)
    })
}

/// As `pages_by`, with each item built from its row by `item`.
pub fn pages_of_items<T>(
    rows: &[QueryResult],
    owner_column: &str,
    owners: &[Uuid],
    page: &PageArgs,
    item: impl Fn(&QueryResult) -> AppResult<T>,
) -> AppResult<HashMap<Uuid, Page<T>>> {
    let mut grouped: HashMap<Uuid, (Vec<T>, Option<u64>)> = HashMap::new();
    for row in rows {
        let owner: Uuid = row.try_get("", owner_column)?;
        let entry = grouped.entry(owner).or_default();
        if row_listed(row, page)? {
            entry.0.push(item(row)?);
        }
        entry.1 = row_total(row, page)?;
    }
    Ok(pages_for(grouped, owners, page))
}
