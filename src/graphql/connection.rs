//! Relay connections built from domain pages. Cursors are opaque to clients: the
//! base64 of the list's sort key.

use async_graphql::{
    OutputType, SimpleObject,
    connection::{
        CursorType, DefaultConnectionName, DefaultEdgeName, DisableNodesField, Edge, EmptyFields,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    domain::{Page, PageArgs, invalid_cursor},
    error::AppResult,
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

#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many items the whole list holds, across all pages.
    pub total_count: i64,
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

/// Turns the `first`/`after` arguments into a domain page request.
pub fn page_args(first: Option<i32>, after: Option<String>) -> AppResult<PageArgs> {
    let after = after
        .map(|cursor| {
            Cursor::decode_cursor(&cursor)
                .map(|c| c.0)
                .map_err(|_| invalid_cursor())
        })
        .transpose()?;
    PageArgs::new(first, after)
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
        TotalCount {
            total_count: i64::try_from(page.total_count).unwrap_or(i64::MAX),
        },
    );
    connection.edges = page
        .items
        .into_iter()
        .map(|item| Edge::new(Cursor(key(&item)), node(item)))
        .collect();
    connection
}
