//! The one place that decides who may do what. Domain functions and GraphQL guards
//! ask here; nothing else compares roles or checks ownership.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
pub use entity::role_assignment::Role;
use ipnet::IpNet;
use uuid::Uuid;

use crate::{
    auth::Viewer,
    error::{AppError, AppResult},
};

/// What one may do to a user account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAction {
    /// See the account (everyone signed in).
    Read,
    Create,
    Delete,
    /// Change name and email.
    EditProfile,
    /// Set a new password without knowing the old one.
    ResetPassword,
    /// Set one's own password (with the current one).
    ChangeOwnPassword,
    /// Promote to or demote from superuser.
    SetSuperuser,
    /// Activate or deactivate.
    SetActive,
}

/// Whether the viewer may perform `action` on the account `target` (None: an account
/// not created yet).
pub fn may_manage_user(viewer: &Viewer, target: Option<Uuid>, action: UserAction) -> bool {
    let Some(user) = viewer.user() else {
        return false;
    };
    if viewer.is_superuser() {
        return true;
    }
    let is_self = target == Some(user.id);
    match action {
        UserAction::Read => true,
        UserAction::EditProfile | UserAction::ChangeOwnPassword => is_self,
        UserAction::Create
        | UserAction::Delete
        | UserAction::ResetPassword
        | UserAction::SetSuperuser
        | UserAction::SetActive => false,
    }
}

/// Fails with FORBIDDEN (or UNAUTHENTICATED for nobody) unless `may_manage_user`.
pub fn require_user_action(
    viewer: &Viewer,
    target: Option<Uuid>,
    action: UserAction,
) -> AppResult<()> {
    viewer.require_user()?;
    if may_manage_user(viewer, target, action) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Whether the viewer may read the email of `target`: themselves, superusers, and
/// anyone who shares a project with them.
pub fn may_see_email(viewer: &Viewer, target: Uuid, shares_a_project: bool) -> bool {
    viewer.is(target) || viewer.is_superuser() || (viewer.user().is_some() && shares_a_project)
}

/// Whether the viewer may read the state of `target`'s account (its pending email,
/// whether its email is verified): the user and superusers.
pub fn may_see_account_state(viewer: &Viewer, target: Uuid) -> bool {
    viewer.is(target) || viewer.is_superuser()
}

/// Whether the viewer's invitations skip the limits per user and per project:
/// superusers, who set those limits and may do anything the limits would slow.
pub fn bypasses_invitation_limits(viewer: &Viewer) -> bool {
    viewer.is_superuser()
}

/// Whether the viewer may list users. With `restrict_user_list` on, only superusers
/// and those who hold CONTRIBUTOR or above somewhere.
pub fn may_list_users(
    viewer: &Viewer,
    restrict_user_list: bool,
    contributes_somewhere: bool,
) -> bool {
    viewer.user().is_some()
        && (!restrict_user_list || viewer.is_superuser() || contributes_somewhere)
}

/// Whether the viewer sees system accounts in user lists when they ask for them.
pub fn may_see_system_users(viewer: &Viewer) -> bool {
    viewer.is_superuser()
}

/// Superusers only: the full audit trail.
pub fn require_superuser(viewer: &Viewer) -> AppResult<()> {
    viewer.require_user()?;
    if viewer.is_superuser() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only superusers may do this".into()))
    }
}

/// What a role lets one do in a project (DESIGN.md, "The permission matrix").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    Find,
    View,
    Read,
    Write,
    Execute,
    ManageMembers,
    ManageSettings,
    UpdateProject,
    Archive,
    Delete,
    TransferOwnership,
}

impl Permission {
    pub const ALL: [Self; 11] = [
        Self::Find,
        Self::View,
        Self::Read,
        Self::Write,
        Self::Execute,
        Self::ManageMembers,
        Self::ManageSettings,
        Self::UpdateProject,
        Self::Archive,
        Self::Delete,
        Self::TransferOwnership,
    ];

    /// The lowest role that holds this permission; every higher role holds it too.
    pub fn minimum_role(self) -> Role {
        match self {
            Self::Find => Role::Finder,
            Self::View => Role::Viewer,
            Self::Read => Role::Guest,
            Self::Write | Self::Execute => Role::Contributor,
            Self::ManageMembers | Self::ManageSettings | Self::UpdateProject | Self::Archive => {
                Role::Delegate
            }
            Self::Delete | Self::TransferOwnership => Role::Owner,
        }
    }

    /// Denied in an archived project, whoever asks.
    pub fn changes_content(self) -> bool {
        matches!(self, Self::Write | Self::Execute)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Find => "find",
            Self::View => "view",
            Self::Read => "read",
            Self::Write => "write to",
            Self::Execute => "run work in",
            Self::ManageMembers => "manage the members of",
            Self::ManageSettings => "change the settings of",
            Self::UpdateProject => "update",
            Self::Archive => "archive or unarchive",
            Self::Delete => "delete",
            Self::TransferOwnership => "transfer the ownership of",
        }
    }
}

/// Where a grant comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Direct,
    Inherited,
    Public,
    Superuser,
}

/// One grant that applies to a project, and the project that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessSource {
    pub kind: SourceKind,
    pub role: Role,
    pub project_id: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A project or one of its ancestors, as access needs it: nearest first.
#[derive(Clone, Debug)]
pub struct ChainLink {
    pub project_id: Uuid,
    pub public_access: Option<Role>,
    pub archived: bool,
    /// The subject's direct assignment here, expired or not.
    pub assignment: Option<(Role, Option<DateTime<Utc>>)>,
    /// Set when `roster.ip_restrict` is on here: only clients in these networks
    /// (`roster.ip_allow_list`) reach this project and everything below it.
    pub ip_allow_list: Option<Vec<IpNet>>,
}

/// What a subject may do in one project, and why.
#[derive(Clone, Debug)]
pub struct ProjectAccess {
    pub project_id: Uuid,
    /// The effective role: the highest grant. Superusers count as OWNER.
    pub role: Option<Role>,
    /// The unexpired direct role in this project.
    pub direct_role: Option<Role>,
    /// Every grant that applies, highest first.
    pub sources: Vec<AccessSource>,
    pub superuser: bool,
    /// The project or an ancestor is archived.
    pub read_only: bool,
    /// The client's address may reach the project (see `reachable_from`); when it
    /// may not, nothing in it, not even a PUBLIC resource, is open to the viewer.
    pub reachable: bool,
}

/// Computes the access of `viewer` (who, and from which address) to the first
/// project of `chain`, given that project and its ancestors, nearest first.
pub fn project_access(viewer: &Viewer, chain: &[ChainLink], now: DateTime<Utc>) -> ProjectAccess {
    let project_id = chain.first().map_or(Uuid::nil(), |link| link.project_id);
    let read_only = chain.iter().any(|link| link.archived);
    let mut access = ProjectAccess {
        project_id,
        role: None,
        direct_role: None,
        sources: Vec::new(),
        superuser: false,
        read_only,
        reachable: viewer.is_superuser() || reachable_from(chain, viewer.client_address()),
    };
    let Some(subject) = viewer.user().filter(|user| user.is_active) else {
        return access;
    };
    // Outside the allowed networks the project does not exist, whatever the role
    // (superusers excepted, so that someone can always lift a restriction).
    if !access.reachable {
        return access;
    }
    for (depth, link) in chain.iter().enumerate() {
        if let Some((role, expires_at)) = link.assignment
            && in_force(expires_at, now)
        {
            let kind = if depth == 0 {
                SourceKind::Direct
            } else {
                SourceKind::Inherited
            };
            if depth == 0 {
                access.direct_role = Some(role);
            }
            access.sources.push(AccessSource {
                kind,
                role,
                project_id: link.project_id,
                expires_at,
            });
        }
        if let Some(role) = link.public_access {
            access.sources.push(AccessSource {
                kind: SourceKind::Public,
                role,
                project_id: link.project_id,
                expires_at: None,
            });
        }
    }
    if subject.is_superuser {
        access.superuser = true;
        access.sources.push(AccessSource {
            kind: SourceKind::Superuser,
            role: Role::Owner,
            project_id,
            expires_at: None,
        });
    }
    // Highest first; among equals the nearer grant, then the more specific kind.
    access
        .sources
        .sort_by_key(|source| std::cmp::Reverse(source.role));
    access.role = access.sources.first().map(|source| source.role);
    access
}

impl ProjectAccess {
    /// Whether this access holds `permission`.
    pub fn allows(&self, permission: Permission) -> bool {
        if self.read_only && permission.changes_content() {
            return false;
        }
        self.superuser
            || self
                .role
                .is_some_and(|role| role >= permission.minimum_role())
    }

    /// Every permission held, in the matrix's order.
    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.allows(*p))
            .collect()
    }

    /// The role comes from an ancestor or public access, not a direct assignment.
    pub fn inherited(&self) -> bool {
        self.sources
            .first()
            .is_some_and(|source| matches!(source.kind, SourceKind::Inherited | SourceKind::Public))
    }

    /// Fails unless `permission` is held: NOT_FOUND when the project may not even be
    /// found (its existence must not leak), FORBIDDEN otherwise.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if !self.allows(Permission::Find) {
            return Err(AppError::not_found("project"));
        }
        if self.allows(permission) {
            return Ok(());
        }
        if self.read_only && permission.changes_content() {
            return Err(AppError::Forbidden(
                "the project is archived, so it is read-only".into(),
            ));
        }
        Err(AppError::Forbidden(format!(
            "you may not {} this project",
            permission.describe()
        )))
    }

    /// Whether this access may grant, change or take away `role` here: superusers
    /// any role below OWNER, an OWNER up to DELEGATE, a DELEGATE up to CONTRIBUTOR.
    /// OWNER itself only changes hands through a transfer.
    pub fn may_manage_role(&self, role: Role) -> bool {
        if role == Role::Owner || !self.allows(Permission::ManageMembers) {
            return false;
        }
        if self.superuser {
            return true;
        }
        match self.role {
            Some(Role::Owner) => role <= Role::Delegate,
            Some(Role::Delegate) => role <= Role::Contributor,
            _ => false,
        }
    }

    /// Fails with FORBIDDEN unless `may_manage_role`.
    pub fn require_manage_role(&self, role: Role) -> AppResult<()> {
        self.require(Permission::ManageMembers)?;
        if self.may_manage_role(role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "your role does not let you manage the role {}",
                role_name(role)
            )))
        }
    }

    /// Whether this access may ask what another user may do here.
    pub fn may_inspect_others(&self) -> bool {
        self.superuser || self.allows(Permission::ManageMembers)
    }
}

/// Whether a client at `client` reaches a project with this chain: every link that
/// restricts addresses must allow it. An unknown address reaches no restricted project.
pub fn reachable_from(chain: &[ChainLink], client: Option<IpAddr>) -> bool {
    chain
        .iter()
        .all(|link| restriction_admits(link.ip_allow_list.as_deref(), client))
}

/// Whether one project's own restriction (None: it has none) admits `client`.
pub fn restriction_admits(allow_list: Option<&[IpNet]>, client: Option<IpAddr>) -> bool {
    match allow_list {
        None => true,
        Some(networks) => client.is_some_and(|client| address_allowed(networks, client)),
    }
}

/// Whether `client` is in one of `networks`.
pub fn address_allowed(networks: &[IpNet], client: IpAddr) -> bool {
    let client = client.to_canonical();
    networks.iter().any(|network| network.contains(&client))
}

/// Whether an assignment with this expiry still grants its role at `now`: from the
/// instant it expires, it grants nothing.
pub fn in_force(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|at| at > now)
}

/// The highest unexpired role a user holds on the ancestors of a project (the
/// first link is the project itself and is skipped).
pub fn inherited_role(chain: &[ChainLink], now: DateTime<Utc>) -> Option<Role> {
    chain
        .iter()
        .skip(1)
        .filter_map(|link| link.assignment)
        .filter(|(_, expires_at)| in_force(*expires_at, now))
        .map(|(role, _)| role)
        .max()
}

/// Refuses a direct role that an inherited one already exceeds.
pub fn require_not_below_inherited(role: Role, inherited: Option<Role>) -> AppResult<()> {
    match inherited {
        Some(inherited) if role < inherited => Err(AppError::Conflict(format!(
            "the user already inherits {} here; a direct {} would be below it",
            role_name(inherited),
            role_name(role)
        ))),
        _ => Ok(()),
    }
}

/// Whether the viewer may create projects and categories at the top level.
pub fn may_create_top_level(viewer: &Viewer, superusers_only: bool) -> bool {
    viewer.user().is_some() && (!superusers_only || viewer.is_superuser())
}

/// Whether the viewer may name someone else as the owner of a new project.
pub fn may_choose_owner(viewer: &Viewer) -> bool {
    viewer.is_superuser()
}

/// The contract's name of a role, for messages.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "OWNER",
        Role::Delegate => "DELEGATE",
        Role::Contributor => "CONTRIBUTOR",
        Role::Guest => "GUEST",
        Role::Viewer => "VIEWER",
        Role::Finder => "FINDER",
    }
}

pub use entity::{resource::SafetyLevel, resource_share::ShareAccess};

/// What a project role grants on a resource of `level`, before ownership and shares:
/// on INTERNAL and PUBLIC resources project READ gives READ and project WRITE gives
/// READ_WRITE; PRIVATE resources are open only to the project's OWNER and DELEGATEs.
pub fn project_grant_on_resource(
    level: SafetyLevel,
    project: &ProjectAccess,
) -> Option<ShareAccess> {
    match level {
        SafetyLevel::Private => project
            .role
            .filter(|role| *role >= Role::Delegate)
            .map(|_| ShareAccess::ReadWrite),
        SafetyLevel::Internal | SafetyLevel::Public => {
            if project.allows(Permission::Write) {
                Some(ShareAccess::ReadWrite)
            } else if project.allows(Permission::Read) {
                Some(ShareAccess::Read)
            } else {
                None
            }
        }
    }
}

/// The lowest project role whose grant on a resource of `level` lets one read it,
/// derived from `project_grant_on_resource` so that SQL filters built from it
/// cannot drift from the rule.
pub fn lowest_role_reading(level: SafetyLevel) -> Option<Role> {
    [
        Role::Finder,
        Role::Viewer,
        Role::Guest,
        Role::Contributor,
        Role::Delegate,
        Role::Owner,
    ]
    .into_iter()
    .find(|role| {
        let access = ProjectAccess {
            project_id: Uuid::nil(),
            role: Some(*role),
            direct_role: Some(*role),
            sources: Vec::new(),
            superuser: false,
            read_only: false,
            reachable: true,
        };
        project_grant_on_resource(level, &access).is_some()
    })
}

/// What the viewer may do with a resource, given their access to its project and
/// the resource's share for them: the highest of superuser or owner (READ_WRITE),
/// their share, PUBLIC (READ, even anonymous) and what their project role grants.
/// In an archived project READ_WRITE becomes READ; from an address the project
/// refuses, nothing.
pub fn resource_access(
    viewer: &Viewer,
    resource: &entity::resource::Model,
    project: &ProjectAccess,
    share: Option<ShareAccess>,
) -> Option<ShareAccess> {
    if !project.reachable {
        return None;
    }
    let mut grants = Vec::with_capacity(4);
    if resource.safety_level == SafetyLevel::Public {
        grants.push(ShareAccess::Read);
    }
    if let Some(user) = viewer.user().filter(|user| user.is_active) {
        if user.is_superuser || resource.owner_id == user.id {
            grants.push(ShareAccess::ReadWrite);
        }
        grants.extend(share);
        grants.extend(project_grant_on_resource(resource.safety_level, project));
    }
    let best = grants.into_iter().max();
    if project.read_only {
        best.map(|_| ShareAccess::Read)
    } else {
        best
    }
}

/// Whether the viewer may change a resource's ACL: its owner, the project's OWNER
/// and DELEGATEs, and superusers (from an address the project admits).
pub fn may_change_acl(
    viewer: &Viewer,
    resource: &entity::resource::Model,
    project: &ProjectAccess,
) -> bool {
    project.reachable
        && viewer
            .user()
            .filter(|user| user.is_active)
            .is_some_and(|user| {
                user.is_superuser
                    || resource.owner_id == user.id
                    || project.role.is_some_and(|role| role >= Role::Delegate)
            })
}

/// What a project permission asks of a resource: READ (also FIND and VIEW) needs
/// READ; WRITE (and EXECUTE) need READ_WRITE; the others do not apply to resources.
pub fn resource_access_needed(permission: Permission) -> Option<ShareAccess> {
    match permission {
        Permission::Find | Permission::View | Permission::Read => Some(ShareAccess::Read),
        Permission::Write | Permission::Execute => Some(ShareAccess::ReadWrite),
        _ => None,
    }
}

/// Whether the viewer may list what another user may read: superusers only.
pub fn may_list_others_resources(viewer: &Viewer) -> bool {
    viewer.is_superuser()
}
/// Settings: project values are read with VIEW and written with MANAGE_SETTINGS; a
/// definition that is not `userModifiable` only superusers may write, whatever its
/// scope.
pub fn require_read_project_setting(access: &ProjectAccess) -> AppResult<()> {
    access.require(Permission::View)
}

pub fn require_write_project_setting(
    viewer: &Viewer,
    access: &ProjectAccess,
    user_modifiable: bool,
) -> AppResult<()> {
    viewer.require_user()?;
    access.require(Permission::ManageSettings)?;
    require_modifiable(viewer, user_modifiable)
}

fn require_modifiable(viewer: &Viewer, user_modifiable: bool) -> AppResult<()> {
    if user_modifiable || viewer.is_superuser() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only superusers may change this setting".into(),
        ))
    }
}

/// A user's value in a project (PROJECT_USER) is theirs: they read it where they
/// may find the project; superusers and the project's OWNER and DELEGATEs read
/// anyone's there.
pub fn require_read_project_user_setting(
    viewer: &Viewer,
    access: &ProjectAccess,
    owner: Uuid,
) -> AppResult<()> {
    viewer.require_user()?;
    access.require(Permission::Find)?;
    if viewer.is(owner) || access.superuser || access.role >= Some(Role::Delegate) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the project's OWNER and DELEGATEs may read another user's settings here".into(),
        ))
    }
}

/// Only its user (and superusers) writes a PROJECT_USER value.
pub fn require_write_project_user_setting(
    viewer: &Viewer,
    access: &ProjectAccess,
    owner: Uuid,
    user_modifiable: bool,
) -> AppResult<()> {
    viewer.require_user()?;
    access.require(Permission::Find)?;
    require_own_or_superuser(viewer, owner)?;
    require_modifiable(viewer, user_modifiable)
}

/// A USER value is read by its user and superusers.
pub fn require_read_user_setting(viewer: &Viewer, owner: Uuid) -> AppResult<()> {
    viewer.require_user()?;
    require_own_or_superuser(viewer, owner)
}

pub fn require_write_user_setting(
    viewer: &Viewer,
    owner: Uuid,
    user_modifiable: bool,
) -> AppResult<()> {
    require_read_user_setting(viewer, owner)?;
    require_modifiable(viewer, user_modifiable)
}

fn require_own_or_superuser(viewer: &Viewer, owner: Uuid) -> AppResult<()> {
    if viewer.is(owner) || viewer.is_superuser() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "a user's settings are theirs: only they and superusers may use them".into(),
        ))
    }
}

/// Values of definitions marked secret reach superusers only (others may write them,
/// when the rules above allow, but never read them back).
pub fn may_see_secret_settings(viewer: &Viewer) -> bool {
    viewer.is_superuser()
}

/// Refuses an address restriction for a project that would shut out the viewer who
/// sets it: only a superuser could lift it again.
pub fn require_not_locked_out(viewer: &Viewer, allow_list: Option<&[IpNet]>) -> AppResult<()> {
    let Some(networks) = allow_list else {
        return Ok(());
    };
    if viewer.is_superuser() {
        return Ok(());
    }
    match viewer.client_address() {
        Some(client) if address_allowed(networks, client) => Ok(()),
        Some(client) => Err(AppError::BadUserInput(format!(
            "roster.ip_allow_list does not include your address {client}: with roster.ip_restrict on, \
             you would lock yourself out"
        ))),
        None => Err(AppError::BadUserInput(
            "your address is unknown, so an address restriction would lock you out".into(),
        )),
    }
}
