//! GraphQL subscriptions over WebSocket (`/graphql/ws`). The audit event written in a
//! mutation's transaction is the one source of truth: once it commits, `source`
//! loads it (PostgreSQL: announced by NOTIFY, so from any instance; SQLite: seen by
//! a commit hook), `impact` works out what it means, and the `hub` offers it to the
//! subscribers it may concern, each through a bounded buffer. `streams` turns that
//! into each subscription's events, checking access again at every delivery, and
//! `ws` speaks the protocol.

pub mod connection;
pub mod hub;
pub mod impact;
pub mod source;
pub mod streams;
pub mod ws;

pub use connection::Connection;
pub use hub::Hub;
pub use streams::{AccessChange, Ended};
