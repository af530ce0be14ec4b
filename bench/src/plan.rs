//! The dataset, planned in memory from a seed before anything is written: users, a
//! forest of categories six levels deep with projects below, role assignments,
//! pending invitations, resources with their ACLs, and the personas the scenarios
//! sign in as. The same seed and sizes give the same rows (ids included); only the
//! password's salt and the expiry instants, which are relative to the time of
//! seeding so that the same share of them is in force, differ between runs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{
    group, group_member, group_role_assignment,
    invitation::{self, InvitationStatus},
    project::{self, ProjectType},
    resource::{self, SafetyLevel},
    resource_share::{self, ShareAccess},
    role_assignment::{self, Role},
    user,
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use uuid::{Builder, Uuid};

/// How many rows of each kind to make.
#[derive(Clone, Debug)]
pub struct Sizes {
    pub users: usize,
    /// PROJECT-type nodes; the categories above them come on top.
    pub projects: usize,
    /// All direct assignments, the one OWNER of every project and category included.
    pub role_assignments: usize,
    pub pending_invitations: usize,
    pub resources: usize,
    /// How many resources the `reader` persona may read; topped up with shares.
    pub reader_resources: usize,
    /// How many projects the `inviter` persona owns (scenario 5 invites into them).
    pub inviter_projects: usize,
    /// Groups of 5–50 ordinary users; with any, they hold a fifth of
    /// `role_assignments` (their grants) and users the rest.
    pub groups: usize,
}

/// Top-level categories; each level below has `BRANCHING[level]` children per
/// category, so categories span six levels (0 to 5) and projects sit on level 6.
const ROOT_CATEGORIES: usize = 20;
const BRANCHING: [usize; 5] = [3, 3, 2, 2, 2];
const CATEGORY_LEVELS: usize = BRANCHING.len() + 1;

/// Users reserved as personas, by index; the random rows never touch them, so that
/// each has exactly the access its scenario describes.
pub const MEMBER: usize = 0;
pub const HEIR: usize = 1;
pub const ONLOOKER: usize = 2;
pub const READER: usize = 3;
pub const INVITER: usize = 4;
pub const INVITED: usize = 5;
pub const FIRST_INVITEE: usize = 6;
pub const INVITEES: usize = 20;
const PERSONA_COUNT: usize = FIRST_INVITEE + INVITEES;

/// Direct project roles of the `member` persona (its dashboard's first page is full).
const MEMBER_PROJECTS: usize = 60;
/// Pending invitations addressed to the `invited` persona (scenario 4).
const INVITED_PENDING: usize = 25;

const RESOURCE_KINDS: [&str; 4] = ["dataset", "model", "notebook", "report"];

/// A direct role and its expiry, if any.
type Grant = (Role, Option<DateTime<Utc>>);

/// One project or category while planning; becomes a `project::Model`.
struct Node {
    parent: Option<usize>,
    level: usize,
    is_category: bool,
    public_access: Option<Role>,
    archived: bool,
    owner: usize,
    created_at: DateTime<Utc>,
}

/// The persona users and the objects their scenarios ask about, as indexes.
#[derive(Clone, Debug)]
pub struct PersonaTargets {
    /// A project where `member` holds GUEST directly, and nothing above it.
    pub direct_project: usize,
    /// A project whose access `heir` inherits from `inherited_category`, five levels up.
    pub inherited_project: usize,
    pub inherited_category: usize,
    /// A project with public GUEST access; `onlooker` holds no role anywhere.
    pub public_project: usize,
    /// The level-1 category where `reader` holds GUEST.
    pub reader_category: usize,
    /// Projects `inviter` owns and no invitee belongs to.
    pub inviter_projects: Vec<usize>,
    /// How many resources `reader` may read, by the service's rules.
    pub reader_readable: usize,
    /// With groups: (user, project) where the user, the first group's manager, holds
    /// a role through that group, which holds roles on `MEMBER_PROJECTS` projects.
    pub grouped: Option<(usize, usize)>,
}

pub struct Dataset {
    pub users: Vec<user::Model>,
    /// Parents before children.
    pub projects: Vec<project::Model>,
    pub role_assignments: Vec<role_assignment::Model>,
    pub invitations: Vec<invitation::Model>,
    /// Parents before children.
    pub resources: Vec<resource::Model>,
    pub shares: Vec<resource_share::Model>,
    pub groups: Groups,
    pub targets: PersonaTargets,
}

/// The groups, their members and the roles they hold.
#[derive(Default)]
pub struct Groups {
    pub groups: Vec<group::Model>,
    pub members: Vec<group_member::Model>,
    pub grants: Vec<group_role_assignment::Model>,
}

/// Time-ordered ids (UUIDv7, as the service makes them) whose clock and random bits
/// both come from the plan, so that a seed always gives the same ids.
struct Clock {
    millis: u64,
}

impl Clock {
    fn next(&mut self, rng: &mut StdRng) -> (Uuid, DateTime<Utc>) {
        // A few milliseconds between rows, as if they had been made one by one.
        self.millis += rng.random_range(1..5);
        let mut random = [0u8; 10];
        rng.fill(&mut random);
        let id = Builder::from_unix_timestamp_millis(self.millis, &random).into_uuid();
        let at = i64::try_from(self.millis)
            .ok()
            .and_then(|millis| Utc.timestamp_millis_opt(millis).single())
            .unwrap_or_default();
        (id, at)
    }
}

/// The username of a persona or of an ordinary user.
pub fn username(index: usize) -> String {
    match index {
        MEMBER => "bench-member".into(),
        HEIR => "bench-heir".into(),
        ONLOOKER => "bench-onlooker".into(),
        READER => "bench-reader".into(),
        INVITER => "bench-inviter".into(),
        INVITED => "bench-invited".into(),
        i if (FIRST_INVITEE..PERSONA_COUNT).contains(&i) => {
            format!("bench-invitee-{:02}", i - FIRST_INVITEE + 1)
        }
        i => format!("user{i:05}"),
    }
}

fn email(index: usize) -> String {
    format!("{}@bench.example", username(index))
}

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.random_range(0..total);
    for (value, weight) in weighted {
        if ticket < *weight {
            return *value;
        }
        ticket -= weight;
    }
    weighted[weighted.len() - 1].0
}

struct Planner {
    rng: StdRng,
    clock: Clock,
    now: DateTime<Utc>,
    nodes: Vec<Node>,
    /// Direct roles and their expiry by (node, user): one per pair, as the unique
    /// index demands.
    roles: HashMap<(usize, usize), Grant>,
    role_assignments: Vec<role_assignment::Model>,
    node_ids: Vec<Uuid>,
    user_ids: Vec<Uuid>,
}

impl Planner {
    fn project_indexes(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| !self.nodes[i].is_category)
            .collect()
    }

    fn ancestors(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.nodes[node].parent, |&i| self.nodes[i].parent)
    }

    fn chain(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(node).chain(self.ancestors(node))
    }

    /// The highest role `user` holds directly on an ancestor of `node`, expired or
    /// not: a direct role is never planned below it (the service refuses that).
    fn inherited_role(&self, node: usize, user: usize) -> Option<Role> {
        self.ancestors(node)
            .filter_map(|ancestor| self.roles.get(&(ancestor, user)).map(|(role, _)| *role))
            .max()
    }

    fn chain_is_public(&self, node: usize) -> bool {
        self.chain(node)
            .any(|i| self.nodes[i].public_access.is_some())
    }

    fn ordinary_user(&mut self) -> usize {
        self.rng.random_range(PERSONA_COUNT..self.user_ids.len())
    }

    fn assign(&mut self, node: usize, user: usize, role: Role, expires_at: Option<DateTime<Utc>>) {
        let (id, created_at) = self.clock.next(&mut self.rng);
        self.roles.insert((node, user), (role, expires_at));
        self.role_assignments.push(role_assignment::Model {
            id,
            project_id: self.node_ids[node],
            user_id: self.user_ids[user],
            role,
            expires_at,
            // Seeded as if each member had joined by accepting an invitation.
            email_shared: true,
            self_granted: false,
            created_at,
            updated_at: created_at,
        });
    }

    /// Categories level by level, then projects: 90% on level 6 below the deepest
    /// categories, the rest directly below a category of any other level.
    fn plan_tree(&mut self, projects: usize) {
        let mut level_start = 0;
        for _ in 0..ROOT_CATEGORIES {
            self.push_node(None, true);
        }
        for branching in BRANCHING {
            let level_end = self.nodes.len();
            for parent in level_start..level_end {
                for _ in 0..branching {
                    self.push_node(Some(parent), true);
                }
            }
            level_start = level_end;
        }
        let deepest: Vec<usize> = (level_start..self.nodes.len()).collect();
        let shallower: Vec<usize> = (0..level_start).collect();
        for _ in 0..projects {
            let parent = if self.rng.random_bool(0.9) {
                deepest[self.rng.random_range(0..deepest.len())]
            } else {
                shallower[self.rng.random_range(0..shallower.len())]
            };
            self.push_node(Some(parent), false);
        }
    }

    fn push_node(&mut self, parent: Option<usize>, is_category: bool) {
        let level = parent.map_or(0, |p| self.nodes[p].level + 1);
        let (id, created_at) = self.clock.next(&mut self.rng);
        let owner = self.ordinary_user();
        self.node_ids.push(id);
        self.nodes.push(Node {
            parent,
            level,
            is_category,
            public_access: None,
            archived: false,
            owner,
            created_at,
        });
    }

    /// 2% of projects are public (half GUEST, half VIEWER), two level-4 categories
    /// are public VIEWER for all below them, and 1% of projects are archived.
    fn plan_public_and_archived(&mut self) {
        let projects = self.project_indexes();
        for &i in &projects {
            if self.rng.random_bool(0.02) {
                self.nodes[i].public_access = Some(if self.rng.random_bool(0.5) {
                    Role::Guest
                } else {
                    Role::Viewer
                });
            } else if self.rng.random_bool(0.01) {
                self.nodes[i].archived = true;
            }
        }
        let level4: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].is_category && self.nodes[i].level == 4)
            .collect();
        for _ in 0..2 {
            let category = level4[self.rng.random_range(0..level4.len())];
            self.nodes[category].public_access = Some(Role::Viewer);
        }
    }

    /// A random project on level 6 that satisfies `accept`.
    fn find_project(
        &mut self,
        what: &str,
        accept: impl Fn(&Self, usize) -> bool,
    ) -> anyhow::Result<usize> {
        let mut candidates: Vec<usize> = self
            .project_indexes()
            .into_iter()
            .filter(|&i| self.nodes[i].level == CATEGORY_LEVELS && accept(self, i))
            .collect();
        candidates.shuffle(&mut self.rng);
        candidates.first().copied().ok_or_else(|| {
            anyhow::anyhow!("no project fits the {what} persona: seed more projects")
        })
    }

    fn plan_persona_targets(&mut self, inviter_projects: usize) -> anyhow::Result<PersonaTargets> {
        let plain = |planner: &Self, i: usize| {
            !planner.chain_is_public(i) && !planner.chain(i).any(|n| planner.nodes[n].archived)
        };
        let direct_project = self.find_project("member", |p, i| plain(p, i))?;
        let level1: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].is_category && self.nodes[i].level == 1)
            .collect();
        let inherited_category = level1[self.rng.random_range(0..level1.len())];
        let inherited_project = self.find_project("heir", |p, i| {
            i != direct_project && plain(p, i) && p.ancestors(i).any(|a| a == inherited_category)
        })?;
        let public_project = self.find_project("onlooker", |p, i| {
            p.nodes[i].public_access == Some(Role::Guest)
                && !p.ancestors(i).any(|a| p.nodes[a].public_access.is_some())
        })?;
        let reader_category = loop {
            let candidate = level1[self.rng.random_range(0..level1.len())];
            if candidate != inherited_category {
                break candidate;
            }
        };
        // The inviter owns plain projects outside the personas' targets, so every
        // invitation of scenario 5 is allowed and every acceptance is too.
        let reserved = [direct_project, inherited_project, public_project];
        let mut candidates: Vec<usize> = self
            .project_indexes()
            .into_iter()
            .filter(|&i| !reserved.contains(&i) && plain(self, i))
            .collect();
        candidates.shuffle(&mut self.rng);
        candidates.truncate(inviter_projects);
        candidates.sort_unstable();
        for &i in &candidates {
            self.nodes[i].owner = INVITER;
        }
        Ok(PersonaTargets {
            direct_project,
            inherited_project,
            inherited_category,
            public_project,
            reader_category,
            inviter_projects: candidates,
            reader_readable: 0,
            grouped: None,
        })
    }

    /// A role of the mix the random assignments use, at least `floor`; FINDER only
    /// on categories, DELEGATE only for users.
    fn random_role(&mut self, on_category: bool, for_group: bool, floor: Option<Role>) -> Role {
        let mut choices = Vec::with_capacity(5);
        if !for_group {
            choices.push((Role::Delegate, 5));
        }
        choices.extend([
            (Role::Contributor, 30),
            (Role::Guest, 40),
            (Role::Viewer, 25),
        ]);
        if on_category {
            choices.push((Role::Finder, 20));
        }
        pick(&mut self.rng, &choices).max(floor.unwrap_or(Role::Finder))
    }

    /// One in ten expires: half of those have already, half will within 90 days.
    fn random_expiry(&mut self) -> Option<DateTime<Utc>> {
        if !self.rng.random_bool(0.1) {
            return None;
        }
        let days = self.rng.random_range(1..90);
        Some(if self.rng.random_bool(0.5) {
            self.now - Duration::days(days)
        } else {
            self.now + Duration::days(days)
        })
    }

    /// One OWNER per node, then the personas' roles, then random ones up to `total`.
    fn plan_role_assignments(&mut self, targets: &PersonaTargets, total: usize) {
        for node in 0..self.nodes.len() {
            let owner = self.nodes[node].owner;
            self.assign(node, owner, Role::Owner, None);
        }
        self.assign(targets.direct_project, MEMBER, Role::Guest, None);
        let member_projects: Vec<usize> = {
            let mut candidates: Vec<usize> = self
                .project_indexes()
                .into_iter()
                .filter(|&i| i != targets.direct_project && self.nodes[i].owner != INVITER)
                .collect();
            candidates.shuffle(&mut self.rng);
            candidates.truncate(MEMBER_PROJECTS - 1);
            candidates
        };
        for node in member_projects {
            let role = pick(
                &mut self.rng,
                &[(Role::Contributor, 2), (Role::Guest, 2), (Role::Viewer, 1)],
            );
            self.assign(node, MEMBER, role, None);
        }
        self.assign(targets.inherited_category, HEIR, Role::Contributor, None);
        self.assign(targets.reader_category, READER, Role::Guest, None);

        let categories: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].is_category)
            .collect();
        let projects = self.project_indexes();
        while self.role_assignments.len() < total {
            let on_category = self.rng.random_bool(0.03);
            let node = if on_category {
                categories[self.rng.random_range(0..categories.len())]
            } else {
                projects[self.rng.random_range(0..projects.len())]
            };
            let user = self.ordinary_user();
            if self.roles.contains_key(&(node, user)) {
                continue;
            }
            let inherited = self.inherited_role(node, user);
            if inherited == Some(Role::Owner) {
                // Only OWNER would not be below it, and OWNER is taken.
                continue;
            }
            let role = self.random_role(on_category, false, inherited);
            let expires_at = self.random_expiry();
            self.assign(node, user, role, expires_at);
        }
    }

    fn plan_invitations(&mut self, total: usize) -> Vec<invitation::Model> {
        let mut invitations = Vec::with_capacity(total);
        let mut pending: HashSet<(usize, String)> = HashSet::new();
        let projects = self.project_indexes();
        let mut invited_left = INVITED_PENDING;
        while invitations.len() < total {
            let node = if self.rng.random_bool(0.9) {
                projects[self.rng.random_range(0..projects.len())]
            } else {
                self.rng.random_range(0..self.nodes.len())
            };
            if self.nodes[node].owner == INVITER {
                continue;
            }
            let address = if invited_left > 0 {
                invited_left -= 1;
                email(INVITED)
            } else if self.rng.random_bool(0.5) {
                let user = self.ordinary_user();
                // The service refuses to invite a member by email.
                if self.roles.contains_key(&(node, user)) {
                    continue;
                }
                email(user)
            } else {
                format!(
                    "guest{:05}@external.example",
                    self.rng.random_range(0..50_000)
                )
            };
            if !pending.insert((node, address.clone())) {
                continue;
            }
            let mut choices = vec![
                (Role::Guest, 50),
                (Role::Viewer, 30),
                (Role::Contributor, 20),
            ];
            if self.nodes[node].is_category {
                choices.push((Role::Finder, 10));
            }
            let role = pick(&mut self.rng, &choices);
            let (id, created_at) = self.clock.next(&mut self.rng);
            // Nobody holds the link's secret: a random digest stands in for one.
            let mut digest = [0u8; 32];
            self.rng.fill(&mut digest);
            let token_hash: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            let expires_at = self.now + Duration::hours(self.rng.random_range(1..14 * 24));
            invitations.push(invitation::Model {
                id,
                project_id: self.node_ids[node],
                email: address,
                role,
                message: self
                    .rng
                    .random_bool(0.3)
                    .then(|| "Welcome to the project!".to_owned()),
                issuer_id: Some(self.user_ids[self.nodes[node].owner]),
                status: InvitationStatus::Pending,
                token_hash,
                created_at,
                updated_at: created_at,
                expires_at,
            });
        }
        invitations
    }

    /// Resources spread over projects (a fifth nested under another of the same
    /// project), owned by the project owner or a contributor, and shares on a tenth.
    fn plan_resources(
        &mut self,
        total: usize,
    ) -> (Vec<resource::Model>, Vec<resource_share::Model>, Vec<usize>) {
        let projects = self.project_indexes();
        let mut writers: HashMap<usize, Vec<usize>> = HashMap::new();
        for (&(node, user), &(role, _)) in &self.roles {
            if role >= Role::Contributor && !self.nodes[node].is_category {
                writers.entry(node).or_default().push(user);
            }
        }
        for list in writers.values_mut() {
            // HashMap order is not reproducible; sorted, the draws below are.
            list.sort_unstable();
        }
        let mut resources = Vec::with_capacity(total);
        let mut resource_nodes = Vec::with_capacity(total);
        let mut shares = Vec::new();
        let mut last_top_level: HashMap<usize, Uuid> = HashMap::new();
        for n in 0..total {
            let node = projects[self.rng.random_range(0..projects.len())];
            let parent_id = if self.rng.random_bool(0.2) {
                last_top_level.get(&node).copied()
            } else {
                None
            };
            let owner = match writers.get(&node) {
                Some(list) if self.rng.random_bool(0.3) => {
                    list[self.rng.random_range(0..list.len())]
                }
                _ => self.nodes[node].owner,
            };
            let safety_level = pick(
                &mut self.rng,
                &[
                    (SafetyLevel::Public, 1),
                    (SafetyLevel::Internal, 69),
                    (SafetyLevel::Private, 30),
                ],
            );
            let (id, created_at) = self.clock.next(&mut self.rng);
            let name = format!("resource-{n:06}");
            if parent_id.is_none() {
                last_top_level.insert(node, id);
            }
            if self.rng.random_bool(0.1) {
                let mut with: Vec<usize> = Vec::new();
                for _ in 0..self.rng.random_range(1..=3) {
                    let user = self.ordinary_user();
                    if user != owner && !with.contains(&user) {
                        with.push(user);
                    }
                }
                for user in with {
                    let access = if self.rng.random_bool(0.7) {
                        ShareAccess::Read
                    } else {
                        ShareAccess::ReadWrite
                    };
                    shares.push(resource_share::Model {
                        resource_id: id,
                        user_id: self.user_ids[user],
                        access,
                        created_at,
                    });
                }
            }
            resources.push(resource::Model {
                id,
                project_id: self.node_ids[node],
                parent_id,
                kind: RESOURCE_KINDS[self.rng.random_range(0..RESOURCE_KINDS.len())].to_owned(),
                name_key: name.clone(),
                name,
                owner_id: self.user_ids[owner],
                safety_level,
                created_at,
                updated_at: created_at,
            });
            resource_nodes.push(node);
        }
        (resources, shares, resource_nodes)
    }

    /// The highest role `user` holds in `node` by the service's rules: direct or
    /// inherited assignments in force, and public access on the chain.
    fn effective_role(&self, node: usize, user: usize) -> Option<Role> {
        self.chain(node)
            .flat_map(|i| {
                let held = self
                    .roles
                    .get(&(i, user))
                    .filter(|(_, expires_at)| expires_at.is_none_or(|at| at > self.now))
                    .map(|(role, _)| *role);
                [held, self.nodes[i].public_access]
            })
            .flatten()
            .max()
    }

    /// Shares resources with `reader` until it may read `target` of them (when the
    /// roles and public data alone give fewer). Returns how many it may read.
    fn top_up_reader(
        &mut self,
        resources: &[resource::Model],
        resource_nodes: &[usize],
        shares: &mut Vec<resource_share::Model>,
        target: usize,
    ) -> usize {
        let mut role_cache: HashMap<usize, Option<Role>> = HashMap::new();
        let mut readable = vec![false; resources.len()];
        for (i, resource) in resources.iter().enumerate() {
            let node = resource_nodes[i];
            let role = *role_cache
                .entry(node)
                .or_insert_with(|| self.effective_role(node, READER));
            readable[i] = match resource.safety_level {
                SafetyLevel::Public => true,
                SafetyLevel::Internal => role >= Some(Role::Guest),
                SafetyLevel::Private => role >= Some(Role::Delegate),
            };
        }
        let mut count = readable.iter().filter(|&&r| r).count();
        let mut others: Vec<usize> = (0..resources.len()).filter(|&i| !readable[i]).collect();
        others.shuffle(&mut self.rng);
        for i in others {
            if count >= target {
                break;
            }
            shares.push(resource_share::Model {
                resource_id: resources[i].id,
                user_id: self.user_ids[READER],
                access: ShareAccess::Read,
                created_at: resources[i].created_at,
            });
            count += 1;
        }
        count
    }
}

/// Plans groups apart from everything else, after it, so that a dataset without
/// groups is the same with or without this code.
struct GroupPlanner<'a> {
    planner: &'a mut Planner,
    groups: Groups,
    /// The role each group holds on each node, by (node, group).
    held: HashMap<(usize, usize), Role>,
}

impl GroupPlanner<'_> {
    /// `count` groups of 5–50 distinct ordinary users, the first of each a MANAGER.
    fn plan_members(&mut self, count: usize) {
        let users = self.planner.user_ids.len();
        for index in 0..count {
            let (id, created_at) = self.planner.clock.next(&mut self.planner.rng);
            self.groups.groups.push(group::Model {
                id,
                name: format!("Group {index:04}"),
                description: None,
                created_at,
                updated_at: created_at,
            });
            let size = self
                .planner
                .rng
                .random_range(5..=50)
                .min(users - PERSONA_COUNT);
            let mut chosen = HashSet::new();
            while chosen.len() < size {
                let user = self.planner.ordinary_user();
                if !chosen.insert(user) {
                    continue;
                }
                let role = if chosen.len() == 1 {
                    group_member::MemberRole::Manager
                } else {
                    group_member::MemberRole::Member
                };
                self.groups.members.push(group_member::Model {
                    group_id: id,
                    user_id: self.planner.user_ids[user],
                    role,
                    added_at: created_at,
                });
            }
        }
    }

    fn grant(&mut self, node: usize, group: usize, role: Role, expires_at: Option<DateTime<Utc>>) {
        let (id, created_at) = self.planner.clock.next(&mut self.planner.rng);
        self.held.insert((node, group), role);
        self.groups.grants.push(group_role_assignment::Model {
            id,
            project_id: self.planner.node_ids[node],
            group_id: self.groups.groups[group].id,
            role,
            expires_at,
            created_at,
            updated_at: created_at,
        });
    }

    /// The first group's roles on `MEMBER_PROJECTS` projects (its first member is the
    /// `grouped` persona), then random grants up to `total`, never below what the
    /// same group holds above (the service refuses that).
    fn plan_grants(&mut self, total: usize) -> (usize, usize) {
        let mut projects = self.planner.project_indexes();
        projects.shuffle(&mut self.planner.rng);
        for &node in projects.iter().take(MEMBER_PROJECTS) {
            let role = self.planner.random_role(false, true, None);
            self.grant(node, 0, role, None);
        }
        let categories: Vec<usize> = (0..self.planner.nodes.len())
            .filter(|&i| self.planner.nodes[i].is_category)
            .collect();
        while self.groups.grants.len() < total {
            let on_category = self.planner.rng.random_bool(0.03);
            let pool = if on_category { &categories } else { &projects };
            let node = pool[self.planner.rng.random_range(0..pool.len())];
            let group = self.planner.rng.random_range(0..self.groups.groups.len());
            if self.held.contains_key(&(node, group)) {
                continue;
            }
            let inherited = self
                .planner
                .ancestors(node)
                .filter_map(|ancestor| self.held.get(&(ancestor, group)).copied())
                .max();
            let role = self.planner.random_role(on_category, true, inherited);
            let expires_at = self.planner.random_expiry();
            self.grant(node, group, role, expires_at);
        }
        let grouped = self.groups.members.first().map_or(PERSONA_COUNT, |member| {
            self.planner
                .user_ids
                .iter()
                .position(|id| *id == member.user_id)
                .unwrap_or(PERSONA_COUNT)
        });
        (grouped, projects[0])
    }
}

/// Plans the whole dataset. `password_hash` is shared by every user.
pub fn plan(
    seed: u64,
    sizes: &Sizes,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Dataset> {
    anyhow::ensure!(
        sizes.users > PERSONA_COUNT + 100,
        "at least {} users are needed",
        PERSONA_COUNT + 101
    );
    let mut rng = StdRng::seed_from_u64(seed);
    // The rows' own timestamps start at a fixed instant, so ids repeat with the seed.
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single();
    let millis = start.map_or(0, |at| u64::try_from(at.timestamp_millis()).unwrap_or(0));
    let mut clock = Clock { millis };
    let users: Vec<user::Model> = (0..sizes.users)
        .map(|i| {
            let (id, created_at) = clock.next(&mut rng);
            user::Model {
                id,
                username: username(i),
                email: email(i),
                email_verified: true,
                pending_email: None,
                name: format!("Bench User {i}"),
                password_hash: password_hash.to_owned(),
                is_superuser: false,
                is_system: false,
                is_active: true,
                session_epoch: 0,
                created_at,
                updated_at: created_at,
            }
        })
        .collect();
    let mut planner = Planner {
        rng,
        clock,
        now,
        nodes: Vec::new(),
        roles: HashMap::new(),
        role_assignments: Vec::new(),
        node_ids: Vec::new(),
        user_ids: users.iter().map(|u| u.id).collect(),
    };
    planner.plan_tree(sizes.projects);
    planner.plan_public_and_archived();
    let mut targets = planner.plan_persona_targets(sizes.inviter_projects)?;
    // With groups, they hold a fifth of the grants (planned last) and users the rest.
    let group_grants = if sizes.groups > 0 {
        sizes.role_assignments / 5
    } else {
        0
    };
    planner.plan_role_assignments(&targets, sizes.role_assignments - group_grants);
    let invitations = planner.plan_invitations(sizes.pending_invitations);
    let (resources, mut shares, resource_nodes) = planner.plan_resources(sizes.resources);
    targets.reader_readable = planner.top_up_reader(
        &resources,
        &resource_nodes,
        &mut shares,
        sizes.reader_resources,
    );
    let groups = if sizes.groups > 0 {
        let mut groups = GroupPlanner {
            planner: &mut planner,
            groups: Groups::default(),
            held: HashMap::new(),
        };
        groups.plan_members(sizes.groups);
        targets.grouped = Some(groups.plan_grants(group_grants));
        groups.groups
    } else {
        Groups::default()
    };

    let projects = planner
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (title, project_type) = if node.is_category {
                (format!("Category {i:05}"), ProjectType::Category)
            } else {
                (format!("Project {i:05}"), ProjectType::Project)
            };
            let created_at = node.created_at;
            project::Model {
                id: planner.node_ids[i],
                title_key: title.to_lowercase(),
                title,
                project_type,
                parent_id: node.parent.map(|p| planner.node_ids[p]),
                description: Some(format!("Benchmark node on level {}", node.level)),
                readme: None,
                public_access: node.public_access,
                archived: node.archived,
                created_at,
                updated_at: created_at,
            }
        })
        .collect();
    Ok(Dataset {
        users,
        projects,
        role_assignments: planner.role_assignments,
        invitations,
        resources,
        shares,
        groups,
        targets,
    })
}
