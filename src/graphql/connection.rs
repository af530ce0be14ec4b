//! Relay connections built from domain pages. Cursors are opaque to clients: the
//! base64 of the list's sort key.

use async_graphql::{
    Context, Object, OutputType,
    connection::{
        CursorType, DefaultConnectionName, DefaultEdgeName, DisableNodesField, Edge, EmptyFields,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    domain::{Page, PageArgs, invalid_cursor},
    error::{AppError, AppResult},
};

/// An opaque cursor: the base64 of a sort key.
pub struct Cursor(pub String);

impl CursorType for Cursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string())?;
        String::from_utf8(bytes)
            .map(Cursor)
            .map_err(|e| e.to_string())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.as_bytes())
    }
}

/// The connection's `totalCount`, from a page fetched with its total (`page_args`
/// asks for it exactly when the connection selects `totalCount`).
pub struct TotalCount(Option<u64>);

#[Object]
impl TotalCount {
    /// How many items the whole list holds, across all pages.
    async fn total_count(&self) -> async_graphql::Result<i64> {
        let total = self.0.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "totalCount was selected on a page fetched without its total"
            ))
        })?;
        Ok(i64::try_from(total).unwrap_or(i64::MAX))
    }
}

pub type Connection<Node> = async_graphql::connection::Connection<
    Cursor,
    Node,
    TotalCount,
    EmptyFields,
    DefaultConnectionName,
    DefaultEdgeName,
    DisableNodesField,
>;

/// Turns the `first`/`after` arguments of the connection field `ctx` resolves into a
/// domain page request, counting the list only when the field selects `totalCount`.
pub fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<PageArgs> {
    let after = after
        .map(|cursor| {
            Cursor::decode_cursor(&cursor)
                .map(|c| c.0)
                .map_err(|_| invalid_cursor())
        })
        .transpose()?;
    let count_total = ctx.look_ahead().field("totalCount").exists();
    PageArgs::new(first, after, count_total)
}

/// Builds a connection from a page; `key` gives each item's sort key, `node` its
/// GraphQL object.
pub fn connection<T, Node: OutputType>(
    page: Page<T>,
    key: impl Fn(&T) -> String,
    node: impl Fn(T) -> Node,
) -> Connection<Node> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        TotalCount(page.total_count),
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(Cursor(key(&item)), node(item)))
        .collect();
    connection
}
