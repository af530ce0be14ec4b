//! `seed`: builds the benchmark's dataset on a fresh PostgreSQL database from a seed,
//! after applying the service's migrations, and writes the personas the scenarios
//! sign in as to `<out>/personas.json` (and the inviter's projects, one id a line,
//! to `<out>/invite_projects.txt`).

mod plan;
mod write;

use std::{path::PathBuf, time::Instant};

use anyhow::Context;
use argon2::{Argon2, PasswordHasher};
use clap::Parser;
use migration::MigratorTrait;
use sea_orm::{ConnectOptions, Database};
use serde_json::json;

use plan::{Dataset, Sizes};

#[derive(Parser, Debug)]
#[command(about = "Seed a PostgreSQL database with Roster's benchmark dataset")]
struct Args {
    /// A fresh PostgreSQL database (`postgres://user@host:5432/roster_bench`).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Everything but the password's salt and the expiry instants follows from it.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Where personas.json and invite_projects.txt go.
    #[arg(long, default_value = "bench/out")]
    out: PathBuf,
    /// The password of every seeded user.
    #[arg(long, default_value = "bench password 2026")]
    password: String,
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    #[arg(long, default_value_t = 20_000)]
    projects: usize,
    #[arg(long, default_value_t = 300_000)]
    role_assignments: usize,
    #[arg(long, default_value_t = 5_000)]
    invitations: usize,
    #[arg(long, default_value_t = 100_000)]
    resources: usize,
    #[arg(long, default_value_t = 5_000)]
    reader_resources: usize,
    #[arg(long, default_value_t = 5_000)]
    inviter_projects: usize,
    /// Groups of 5–50 users holding a fifth of `role_assignments` (0: no groups,
    /// every grant a user's own).
    #[arg(long, default_value_t = 0)]
    groups: usize,
}

/// The personas with the ids the scenarios need, and the size of what was written.
fn personas_json(args: &Args, dataset: &Dataset) -> serde_json::Value {
    let targets = &dataset.targets;
    let user = |index: usize| {
        let user = &dataset.users[index];
        json!({ "username": user.username, "email": user.email, "id": user.id })
    };
    let project_id = |index: usize| dataset.projects[index].id;
    let with = |index: usize, extra: serde_json::Value| {
        let mut value = user(index);
        if let (Some(object), serde_json::Value::Object(extra)) = (value.as_object_mut(), extra) {
            object.extend(extra);
        }
        value
    };
    json!({
        "seed": args.seed,
        "password": args.password,
        "counts": {
            "users": dataset.users.len(),
            "projects_and_categories": dataset.projects.len(),
            "role_assignments": dataset.role_assignments.len(),
            "pending_invitations": dataset.invitations.len(),
            "resources": dataset.resources.len(),
            "resource_shares": dataset.shares.len(),
            "groups": dataset.groups.groups.len(),
            "group_members": dataset.groups.members.len(),
            "group_role_assignments": dataset.groups.grants.len(),
        },
        "grouped": targets.grouped.map(|(index, project)| with(index, json!({
            "about": "manages the first group, which holds roles on 60 projects, project_id among them",
            "project_id": project_id(project),
        }))),
        "member": with(plan::MEMBER, json!({
            "about": "GUEST directly on project_id (nothing above it), and direct roles on 59 other projects",
            "project_id": project_id(targets.direct_project),
        })),
        "heir": with(plan::HEIR, json!({
            "about": "CONTRIBUTOR on category_id only: inherits it on project_id, five levels below",
            "project_id": project_id(targets.inherited_project),
            "category_id": project_id(targets.inherited_category),
        })),
        "onlooker": with(plan::ONLOOKER, json!({
            "about": "no role anywhere; project_id has public GUEST access",
            "project_id": project_id(targets.public_project),
        })),
        "reader": with(plan::READER, json!({
            "about": "GUEST on a level-1 category, plus shares: may read readable_resources resources",
            "category_id": project_id(targets.reader_category),
            "readable_resources": targets.reader_readable,
        })),
        "inviter": with(plan::INVITER, json!({
            "about": "OWNER of the projects in invite_projects.txt, where no invitee belongs",
            "projects": targets.inviter_projects.len(),
        })),
        "invited": with(plan::INVITED, json!({
            "about": "has pending invitations (myInvitations)",
        })),
        "invitees": (plan::FIRST_INVITEE..plan::FIRST_INVITEE + plan::INVITEES)
            .map(user)
            .collect::<Vec<_>>(),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();

    // One hash for everyone: argon2 is slow by design, and 10,000 of them would be
    // most of the seeding time without changing what is measured.
    let password_hash = Argon2::default()
        .hash_password(args.password.as_bytes())
        .map_err(|error| anyhow::anyhow!("hashing the password failed: {error}"))?
        .to_string();

    let sizes = Sizes {
        users: args.users,
        projects: args.projects,
        role_assignments: args.role_assignments,
        pending_invitations: args.invitations,
        resources: args.resources,
        reader_resources: args.reader_resources,
        inviter_projects: args.inviter_projects,
        groups: args.groups,
    };
    let dataset = plan::plan(args.seed, &sizes, &password_hash, chrono::Utc::now())?;
    eprintln!(
        "planned in {:.1} s; writing",
        started.elapsed().as_secs_f64()
    );
    let personas = personas_json(&args, &dataset);
    let invite_projects: String = dataset
        .targets
        .inviter_projects
        .iter()
        .map(|&i| format!("{}\n", dataset.projects[i].id))
        .collect();

    let mut options = ConnectOptions::new(args.database_url.clone());
    options.max_connections(2).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("connecting to the database")?;
    migration::Migrator::up(&db, None)
        .await
        .context("applying the migrations")?;
    write::require_empty(&db).await?;
    write::write(&db, dataset).await?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let personas_path = args.out.join("personas.json");
    std::fs::write(&personas_path, serde_json::to_string_pretty(&personas)?)
        .with_context(|| format!("writing {}", personas_path.display()))?;
    let projects_path = args.out.join("invite_projects.txt");
    std::fs::write(&projects_path, invite_projects)
        .with_context(|| format!("writing {}", projects_path.display()))?;
    eprintln!(
        "seeded in {:.1} s; personas in {}",
        started.elapsed().as_secs_f64(),
        personas_path.display()
    );
    Ok(())
}
