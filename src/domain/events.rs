//! Reading committed audit events for subscriptions: by id (what PostgreSQL
//! announces), by SQLite row id (what SQLite's commit hook sees), and in order after
//! a cursor (a replay). Who may read them is decided by the subscription.

use std::time::Duration;

use entity::audit_event;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::error::AppResult;

/// The events with these ids that exist, oldest first.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<audit_event::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(audit_event::Column::Id)
        .all(conn)
        .await?)
}

/// The events stored in these SQLite row ids, with the row id of each.
pub async fn by_sqlite_rowids(
    conn: &impl ConnectionTrait,
    rowids: &[i64],
) -> AppResult<Vec<(i64, audit_event::Model)>> {
    if rowids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = audit_event::Entity::find()
        .column_as(Expr::cust("audit_events.rowid"), "event_rowid")
        .filter(Expr::cust("audit_events.rowid").is_in(rowids.iter().copied()))
        .order_by_asc(audit_event::Column::Id)
        .into_model::<RowidEvent>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.event_rowid, row.event))
        .collect())
}

struct RowidEvent {
    event_rowid: i64,
    event: audit_event::Model,
}

impl sea_orm::FromQueryResult for RowidEvent {
    fn from_query_result(row: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self {
            event_rowid: row.try_get(pre, "event_rowid")?,
            event: audit_event::Model::from_query_result(row, pre)?,
        })
    }
}

/// Up to `limit` events after `after` (by id), oldest first; only one project's
/// when `project_id` is given.
pub async fn after(
    conn: &impl ConnectionTrait,
    project_id: Option<Uuid>,
    after: Uuid,
    limit: u64,
) -> AppResult<Vec<audit_event::Model>> {
    let mut query = audit_event::Entity::find().filter(audit_event::Column::Id.gt(after));
    if let Some(project_id) = project_id {
        query = query.filter(audit_event::Column::ProjectId.eq(project_id));
    }
    Ok(query
        .order_by_asc(audit_event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The ids of events committed lately (ids made in the last `window`), at most
/// `limit`; one project's when `project_id` is given.
pub async fn recent_ids(
    conn: &impl ConnectionTrait,
    project_id: Option<Uuid>,
    window: Duration,
    limit: u64,
) -> AppResult<Vec<Uuid>> {
    let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let window = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
    let since = floor_id(now.saturating_sub(window));
    let mut query = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Id)
        .filter(audit_event::Column::Id.gt(since));
    if let Some(project_id) = project_id {
        query = query.filter(audit_event::Column::ProjectId.eq(project_id));
    }
    Ok(query
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(conn)
        .await?)
}

/// The smallest UUIDv7 of millisecond `ms`: every id made at or after it sorts after.
pub fn floor_id(ms: u64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_of_a_millisecond_sorts_before_its_ids_and_after_older_ones() {
        let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
        let id = Uuid::now_v7();
        assert!(floor_id(now.saturating_sub(5)) < id);
        assert!(floor_id(now + 5) > id);
    }
}
