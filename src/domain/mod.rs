//! The rules of each area, as plain async functions over the database. Every function
//! that changes something checks access first (through `access`), runs in one
//! transaction and records its audit event in it. No GraphQL types here.

pub mod audit;
pub mod events;
pub mod invitations;
pub mod projects;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod users;
pub mod validate;

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, FromQueryResult, QueryResult, Value};
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

/// A raw statement written with `?` placeholders, numbered `$1…` for PostgreSQL.
/// Used for the recursive tree queries that the query builder cannot express well.
pub fn raw_statement(
    backend: sea_orm::DbBackend,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 16);
            let mut index = 0;
            for c in sql.chars() {
                if c == '?' {
                    index += 1;
                    numbered.push('$');
                    numbered.push_str(&index.to_string());
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

/// How `join_each` joins.
#[derive(Clone, Copy)]
pub enum Join {
    Inner,
    Left,
}

/// `[LEFT] JOIN {table} {alias} ON {condition}`, written so that PostgreSQL finds
/// each row through an index. Its planner guesses the rows of a recursive CTE far too
/// high and would hash a whole table instead; a LATERAL subquery with `OFFSET 0`
/// (which it cannot flatten) keeps the join row by row. SQLite always joins row by
/// row and has no LATERAL.
pub fn join_each(
    backend: sea_orm::DbBackend,
    join: Join,
    table: &str,
    alias: &str,
    condition: &str,
) -> String {
    match (backend, join) {
        (sea_orm::DbBackend::Postgres, Join::Inner) => format!(
            "CROSS JOIN LATERAL (SELECT * FROM {table} {alias} WHERE {condition} OFFSET 0) {alias}"
        ),
        (sea_orm::DbBackend::Postgres, Join::Left) => format!(
            "LEFT JOIN LATERAL (SELECT * FROM {table} {alias} WHERE {condition} OFFSET 0) {alias} ON TRUE"
        ),
        (_, Join::Inner) => format!("JOIN {table} {alias} ON {condition}"),
        (_, Join::Left) => format!("LEFT JOIN {table} {alias} ON {condition}"),
    }
}

/// `?, ?, …` for an IN list of `count` values.
pub fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// One page of `table`'s rows for each of many projects, newest (highest id) first,
/// in one statement. `condition` (`AND …` with `?` placeholders for `values`) narrows
/// the rows, and so the total counts.
pub async fn newest_per_project<M: FromQueryResult>(
    conn: &impl ConnectionTrait,
    table: &str,
    project_ids: &[Uuid],
    condition: &str,
    condition_values: Vec<Value>,
    page: &PageArgs,
) -> AppResult<HashMap<Uuid, Page<M>>> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut values: Vec<Value> = project_ids.iter().map(|id| Value::from(*id)).collect();
    values.extend(condition_values);
    let after = match page.after_id()? {
        Some(after) => {
            values.push(after.into());
            "WHERE id < ?"
        }
        None => "",
    };
    let sql = format!(
        "WITH everyone AS ( \
             SELECT {table}.*, COUNT(*) OVER (PARTITION BY project_id) AS total \
             FROM {table} WHERE project_id IN ({}) {condition} \
         ), ranked AS ( \
             SELECT everyone.*, ROW_NUMBER() OVER (PARTITION BY project_id ORDER BY id DESC) AS position \
             FROM everyone {after} \
         ) \
         SELECT * FROM ranked WHERE position <= {} ORDER BY project_id, position",
        placeholders(project_ids.len()),
        page.limit()
    );
    let rows = conn
        .query_all_raw(raw_statement(conn.get_database_backend(), &sql, values))
        .await?;
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
