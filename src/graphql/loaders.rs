//! DataLoaders: one per lookup, created per request (so their caches never outlive
//! it), permission-blind. Lists resolve nested objects through them in one batched
//! statement instead of one per row.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context,
    dataloader::{DataLoader, Loader},
};
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Users by id.
pub struct UserLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let users = user::Entity::find()
            .filter(user::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(users.into_iter().map(|user| (user.id, user)).collect())
    }
}

impl UserLoader {
    pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<user::Model>> {
        loader::<Self>(ctx)?.load_one(id).await.map_err(db_error)
    }
}

fn loader<'a, L: Send + Sync + 'static>(ctx: &Context<'a>) -> AppResult<&'a DataLoader<L>> {
    ctx.data::<DataLoader<L>>().map_err(|_| {
        AppError::internal(anyhow::anyhow!("a DataLoader is missing from the request"))
    })
}

fn db_error(error: Arc<DbErr>) -> AppError {
    AppError::internal(anyhow::anyhow!("{error}"))
}

/// Adds a fresh set of loaders to a request's data.
pub fn attach(data: &mut async_graphql::Data, db: &DatabaseConnection) {
    data.insert(DataLoader::new(UserLoader { db: db.clone() }, tokio::spawn));
}
