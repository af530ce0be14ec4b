//! Roster: who may do what in which project. A GraphQL service over users, projects
//! nested in categories, inherited roles, invitations, resource ACLs and settings.

pub mod access;
pub mod app;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod mail;
pub mod pages;
pub mod playground;
pub mod realtime;
pub mod state;
pub mod telemetry;
