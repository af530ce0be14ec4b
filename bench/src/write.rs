//! Writes a planned dataset through the entities, in multi-row INSERTs of
//! `CHUNK_ROWS` rows, one transaction per table.

use std::time::Instant;

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    TransactionTrait,
};

use crate::plan::Dataset;

/// Rows per INSERT: large enough to be fast, and well below PostgreSQL's 65,535
/// bind parameters for the widest table (resources, 10 columns).
const CHUNK_ROWS: usize = 1000;

async fn insert_chunked<A>(
    db: &DatabaseConnection,
    table: &str,
    models: Vec<<A::Entity as EntityTrait>::Model>,
) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let started = Instant::now();
    let rows = models.len();
    let txn = db.begin().await?;
    let mut models = models.into_iter().peekable();
    while models.peek().is_some() {
        let chunk: Vec<A> = models
            .by_ref()
            .take(CHUNK_ROWS)
            .map(IntoActiveModel::into_active_model)
            .collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    eprintln!(
        "  {table}: {rows} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Fails unless the database holds no users yet: the seeder fills a fresh database
/// and never mixes its rows with others.
pub async fn require_empty(db: &DatabaseConnection) -> anyhow::Result<()> {
    let users = entity::user::Entity::find().one(db).await?;
    anyhow::ensure!(
        users.is_none(),
        "the database already holds users: seed a freshly created one"
    );
    Ok(())
}

/// Inserts every row, parents before children, then vacuums and analyses: the
/// planner gets its statistics, and the visibility map and hint bits are set, so
/// that neither the first queries nor an autovacuum during the measured runs pay
/// for the bulk load.
pub async fn write(db: &DatabaseConnection, dataset: Dataset) -> anyhow::Result<()> {
    insert_chunked::<entity::user::ActiveModel>(db, "users", dataset.users).await?;
    insert_chunked::<entity::project::ActiveModel>(db, "projects", dataset.projects).await?;
    migration::rebuild_project_ancestors(db).await?;
    insert_chunked::<entity::role_assignment::ActiveModel>(
        db,
        "role_assignments",
        dataset.role_assignments,
    )
    .await?;
    insert_chunked::<entity::group::ActiveModel>(db, "groups", dataset.groups.groups).await?;
    insert_chunked::<entity::group_member::ActiveModel>(
        db,
        "group_members",
        dataset.groups.members,
    )
    .await?;
    insert_chunked::<entity::group_role_assignment::ActiveModel>(
        db,
        "group_role_assignments",
        dataset.groups.grants,
    )
    .await?;
    insert_chunked::<entity::invitation::ActiveModel>(db, "invitations", dataset.invitations)
        .await?;
    insert_chunked::<entity::resource::ActiveModel>(db, "resources", dataset.resources).await?;
    insert_chunked::<entity::resource_share::ActiveModel>(db, "resource_shares", dataset.shares)
        .await?;
    db.execute_unprepared("VACUUM (ANALYZE)").await?;
    Ok(())
}
