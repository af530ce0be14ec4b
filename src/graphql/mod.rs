//! The GraphQL surface: one module per area, merged into `Query` and `Mutation`.
//! Resolvers are adapters: they take the viewer from the context, call one domain
//! function and map its result to an explicit GraphQL type.

pub mod audit;
pub mod auth;
pub mod batching;
pub mod connection;
pub mod documents;
pub mod enums;
pub mod groups;
pub mod invitations;
pub mod limits;
pub mod loaders;
pub mod persisted;
pub mod projects;
pub mod resources;
pub mod roles;
pub mod rules;
pub mod settings;
pub mod subscriptions;
pub mod users;

use std::sync::Arc;

use async_graphql::{Context, ID, MergedObject, Schema, SchemaBuilder};
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

#[derive(MergedObject, Default)]
pub struct Query(
    users::UserQuery,
    auth::AuthQuery,
    projects::ProjectQuery,
    invitations::InvitationQuery,
    resources::ResourceQuery,
    settings::SettingQuery,
    audit::AuditQuery,
    groups::GroupQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    auth::AuthMutation,
    users::UserMutation,
    projects::ProjectMutation,
    roles::RoleMutation,
    invitations::InvitationMutation,
    resources::ResourceMutation,
    settings::SettingMutation,
    groups::GroupMutation,
);

pub type RosterSchema = Schema<Query, Mutation, subscriptions::Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, subscriptions::Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscriptions::Subscription,
    )
}

/// The schemas that serve requests, with the limits of the configuration: one for
/// HTTP, whose requests meet `rules` before they run, and one for WebSocket, where
/// an extension applies them (see `rules`).
pub struct Schemas {
    pub http: RosterSchema,
    pub websocket: RosterSchema,
    pub rules: Arc<rules::OperationRules>,
}

pub fn build_schemas(state: AppState) -> Schemas {
    let config = state.config.clone();
    let rules = Arc::new(rules::OperationRules {
        metrics: state.metrics.clone(),
        max_fields: config.max_query_fields as usize,
        persisted: persisted::PersistedQueries::new(config.apq_cache_size as usize),
    });
    let build = |websocket: bool| {
        let mut builder = builder()
            .data(state.clone())
            .limit_depth(config.max_query_depth as usize)
            .limit_complexity(config.max_query_complexity as usize);
        if websocket {
            builder = builder.extension(rules::OverWebSocket(rules.clone()));
        }
        if !config.introspection {
            builder = builder.disable_introspection();
        }
        builder.finish()
    };
    Schemas {
        http: build(false),
        websocket: build(true),
        rules,
    }
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The shared state. Missing only if the schema was built without it, a bug.
pub(crate) fn state<'a>(ctx: &Context<'a>) -> AppResult<&'a AppState> {
    ctx.data::<AppState>()
        .map_err(|_| AppError::internal(anyhow::anyhow!("the schema was built without its state")))
}

static ANONYMOUS: Viewer = Viewer::ANONYMOUS;

/// Who is asking; anonymous when the request carried no credentials.
pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

/// Parses a client-supplied ID. One that cannot be an ID names no object: NOT_FOUND.
pub(crate) fn parse_id(id: &ID, what: &str) -> AppResult<Uuid> {
    id.parse::<Uuid>().map_err(|_| AppError::not_found(what))
}
