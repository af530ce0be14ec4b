//! Credentials: password hashing, access tokens (JWT), opaque secrets for refresh and
//! API tokens, and the `Viewer` every request carries.

pub mod jwt;
pub mod password;
pub mod seal;
pub mod secret;
pub mod viewer;

pub use viewer::Viewer;
