//! The closure table of the project tree (`project_ancestors`): every project with
//! each of its ancestors and itself (depth 0). Written in the transaction of every
//! create and move; a delete removes its rows through foreign keys.

use sea_orm::{
    ConnectionTrait,
    sea_query::{Expr, ExprTrait, JoinType, Query},
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const TABLE: &str = "project_ancestors";

/// Links a new project below `parent_id` (None: at the top level).
pub async fn insert(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    parent_id: Option<Uuid>,
) -> AppResult<()> {
    let own = Query::insert()
        .into_table(TABLE)
        .columns(["project_id", "ancestor_id", "depth"])
        .values([project_id.into(), project_id.into(), 0.into()])
        .map_err(unbuildable)?
        .to_owned();
    conn.execute(&own).await?;
    if let Some(parent_id) = parent_id {
        let above = Query::select()
            .expr(Expr::val(project_id))
            .column("ancestor_id")
            .expr(Expr::col("depth").add(1))
            .from(TABLE)
            .and_where(Expr::col("project_id").eq(parent_id))
            .to_owned();
        let inherited = Query::insert()
            .into_table(TABLE)
            .columns(["project_id", "ancestor_id", "depth"])
            .select_from(above)
            .map_err(unbuildable)?
            .to_owned();
        conn.execute(&inherited).await?;
    }
    Ok(())
}

/// Moves `project_id` and everything below it under `new_parent` (None: to the top
/// level): the links from the subtree to its old ancestors go, links to the new
/// ones come.
pub async fn reparent(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    new_parent: Option<Uuid>,
) -> AppResult<()> {
    let subtree = Query::select()
        .column("project_id")
        .from(TABLE)
        .and_where(Expr::col("ancestor_id").eq(project_id))
        .to_owned();
    let old_ancestors = Query::select()
        .column("ancestor_id")
        .from(TABLE)
        .and_where(Expr::col("project_id").eq(project_id))
        .and_where(Expr::col("ancestor_id").ne(project_id))
        .to_owned();
    let unlink = Query::delete()
        .from_table(TABLE)
        .and_where(Expr::col("project_id").in_subquery(subtree))
        .and_where(Expr::col("ancestor_id").in_subquery(old_ancestors))
        .to_owned();
    conn.execute(&unlink).await?;
    let Some(new_parent) = new_parent else {
        return Ok(());
    };
    let links = Query::select()
        .column(("below", "project_id"))
        .column(("above", "ancestor_id"))
        .expr(
            Expr::col(("above", "depth"))
                .add(Expr::col(("below", "depth")))
                .add(1),
        )
        .from_as(TABLE, "above")
        .join_as(
            JoinType::InnerJoin,
            TABLE,
            "below",
            Expr::col(("below", "ancestor_id")).eq(project_id),
        )
        .and_where(Expr::col(("above", "project_id")).eq(new_parent))
        .to_owned();
    let link = Query::insert()
        .into_table(TABLE)
        .columns(["project_id", "ancestor_id", "depth"])
        .select_from(links)
        .map_err(unbuildable)?
        .to_owned();
    conn.execute(&link).await?;
    Ok(())
}

/// A statement whose shape does not match its values: a bug here, not bad input.
fn unbuildable(error: sea_orm::sea_query::error::Error) -> AppError {
    AppError::internal(anyhow::anyhow!("building a tree statement: {error}"))
}
