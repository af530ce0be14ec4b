//! Integration tests: one binary, every test against a real HTTP endpoint with its
//! own database (see `common`).

mod account_limits;
mod admission;
mod audit;
mod auth;
mod budget;
mod cli;
mod common;
mod email_verification;
mod fuzz_findings;
mod groups;
mod hardening;
mod http;
mod input_hygiene;
mod invitations;
mod mail_server;
mod matrix;
mod metrics;
mod pages;
mod password_reset;
mod persisted;
mod playground;
mod projects;
mod properties;
mod resources;
mod roles;
mod schema;
mod settings;
mod subscriptions;
mod users;
mod viewer_cache;
