//! Credentials: password hashing, access tokens (JWT), opaque secrets for refresh and
//! API tokens, the `Viewer` every request carries, and the cache of viewers' rows.

pub mod jwt;
pub mod password;
pub mod seal;
pub mod secret;
pub mod viewer;
pub mod viewer_cache;

pub use viewer::Viewer;
