//! Integration tests: one binary, every test against a real HTTP endpoint with its
//! own database (see `common`).

mod audit;
mod auth;
mod budget;
mod cli;
mod common;
mod groups;
mod hardening;
mod http;
mod invitations;
mod mail_server;
mod matrix;
mod metrics;
mod projects;
mod properties;
mod resources;
mod roles;
mod schema;
mod settings;
mod users;
