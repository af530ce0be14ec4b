//! SeaORM entities, one module per table. Nothing else lives here: no GraphQL types,
//! so a hash or token column can never reach a response by accident.

pub mod api_token;
pub mod audit_event;
pub mod email_secret;
pub mod group;
pub mod group_member;
pub mod group_role_assignment;
pub mod invitation;
pub mod login_failure;
pub mod outbound_email;
pub mod project;
pub mod refresh_token;
pub mod resource;
pub mod resource_share;
pub mod role_assignment;
pub mod setting_value;
pub mod user;
