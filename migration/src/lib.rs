//! Database migrations, numbered. A migration that has landed on `main` is never
//! edited: change the schema with a new one.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_accounts;
mod m20261123_000002_projects;
mod m20261123_000003_invitations;
mod m20261123_000004_resources;
mod m20261123_000005_settings;
mod m20261123_000006_access_indexes;
mod m20261130_000007_email_verification;
mod m20261130_000008_ancestors_and_membership;
mod m20261130_000009_subscriptions;
mod m20261130_000012_groups;
mod m20261130_000013_resources_by_project_level;
mod m20261201_000014_members_by_project;

pub use m20261130_000008_ancestors_and_membership::{
    backfill_membership, rebuild_project_ancestors,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_accounts::Migration),
            Box::new(m20261123_000002_projects::Migration),
            Box::new(m20261123_000003_invitations::Migration),
            Box::new(m20261123_000004_resources::Migration),
            Box::new(m20261123_000005_settings::Migration),
            Box::new(m20261123_000006_access_indexes::Migration),
            Box::new(m20261130_000007_email_verification::Migration),
            Box::new(m20261130_000008_ancestors_and_membership::Migration),
            Box::new(m20261130_000009_subscriptions::Migration),
            Box::new(m20261130_000012_groups::Migration),
            Box::new(m20261130_000013_resources_by_project_level::Migration),
            Box::new(m20261201_000014_members_by_project::Migration),
        ]
    }
}
