//! The one place that decides who may do what. Domain functions and GraphQL guards
//! ask here; nothing else compares roles or checks ownership.

pub mod sql;

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
/// members of a project that `target` joined by their own act or was assigned to by
/// a superuser (`shares_a_project`, decided by `sql::email_visible_through_projects`).
/// Nothing a user does alone (creating a project, assigning a role, inviting)
/// reveals another user's email.
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
    /// A grant held by a group the subject belongs to, here or on an ancestor.
    Group,
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
    /// The group holding the grant, for kind `Group`.
    pub group_id: Option<Uuid>,
}

/// A role one of the subject's groups holds on a project, expired or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupGrant {
    pub group_id: Uuid,
    pub role: Role,
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
    /// The grants held here by groups the subject belongs to, expired or not.
    pub group_grants: Vec<GroupGrant>,
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
                group_id: None,
            });
        }
        for grant in &link.group_grants {
            if in_force(grant.expires_at, now) {
                access.sources.push(AccessSource {
                    kind: SourceKind::Group,
                    role: grant.role,
                    project_id: link.project_id,
                    expires_at: grant.expires_at,
                    group_id: Some(grant.group_id),
                });
            }
        }
        if let Some(role) = link.public_access {
            access.sources.push(AccessSource {
                kind: SourceKind::Public,
                role,
                project_id: link.project_id,
                expires_at: None,
                group_id: None,
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
            group_id: None,
        });
    }
    // Highest first; among equals the nearer grant, then the more specific kind
    // (the subject's own, then a group's, then public).
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

    /// The role comes from an ancestor, a group or public access, not the subject's
    /// own direct assignment.
    pub fn inherited(&self) -> bool {
        self.sources.first().is_some_and(|source| {
            matches!(
                source.kind,
                SourceKind::Inherited | SourceKind::Group | SourceKind::Public
            )
        })
    }

    /// Whatever role the subject holds here comes only through their groups: they
    /// have no assignment of their own to give up.
    pub fn only_through_groups(&self) -> bool {
        self.sources
            .iter()
            .any(|source| source.kind == SourceKind::Group)
            && !self
                .sources
                .iter()
                .any(|source| matches!(source.kind, SourceKind::Direct | SourceKind::Inherited))
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

/// What names a project to a viewer who may not find it through a grant. The object
/// itself was handed out through its own decision, and it shows only that the project
/// exists: its id and titles, nothing above or below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Introduction {
    /// An invitation addressed to the viewer (by its link or their verified email).
    Invitation,
    /// A resource the viewer may read (a share, or PUBLIC).
    Resource,
    /// An assignment listed among the members of a project the viewer may view: the
    /// category it is inherited from.
    InheritedAssignment,
    /// The project the viewer has just changed (e.g. given away its ownership).
    ActedOn,
}

/// The decision that a viewer may be shown a project object at all. Only this module
/// makes one, so no path (nested fields, aliases) hands out a project nobody decided on.
#[derive(Clone, Debug)]
pub struct Found {
    access: ProjectAccess,
    introduced_by: Option<Introduction>,
}

impl Found {
    /// Found through the viewer's grants (FIND); None when they hold none.
    pub fn granted(access: ProjectAccess) -> Option<Self> {
        access.allows(Permission::Find).then_some(Self {
            access,
            introduced_by: None,
        })
    }

    /// Found through the viewer's grants when they have them, otherwise through the
    /// object that names the project.
    pub fn introduced(access: ProjectAccess, by: Introduction) -> Self {
        let introduced_by = (!access.allows(Permission::Find)).then_some(by);
        Self {
            access,
            introduced_by,
        }
    }

    pub fn access(&self) -> &ProjectAccess {
        &self.access
    }

    /// Only a grant opens what lies below: FIND inherits down the tree, an
    /// introduction does not.
    pub fn may_list_children(&self) -> bool {
        self.introduced_by.is_none()
    }

    /// Fails unless `permission` is held. The viewer knows the project exists, so a
    /// refusal is FORBIDDEN, never NOT_FOUND.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.introduced_by.is_some() && !self.access.allows(permission) {
            return Err(AppError::Forbidden(format!(
                "you may not {} this project",
                permission.describe()
            )));
        }
        self.access.require(permission)
    }

    /// Fails with FORBIDDEN (naming nothing) when the project was only introduced.
    pub fn require_granted(&self) -> AppResult<()> {
        if self.may_list_children() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "you may see this project's name, not what it holds".into(),
            ))
        }
    }
}

pub use entity::group_member::MemberRole as GroupMemberRole;

/// What a viewer may do with a group, from their place in it (DESIGN.md, "Groups").
#[derive(Clone, Copy, Debug)]
pub struct GroupAccess {
    /// The viewer's place in the group; None: not a member.
    pub membership: Option<GroupMemberRole>,
    pub superuser: bool,
    /// The viewer may see the group at all.
    pub visible: bool,
}

impl GroupAccess {
    /// A group is visible to its members, to holders of a non-public role in a
    /// project where it holds a grant (`holds_role_where_granted`, decided by
    /// `sql::holds_role_where_group_granted`) and to superusers.
    pub fn new(
        viewer: &Viewer,
        membership: Option<GroupMemberRole>,
        holds_role_where_granted: bool,
    ) -> Self {
        let active = viewer.user().is_some_and(|user| user.is_active);
        let superuser = active && viewer.is_superuser();
        let membership = membership.filter(|_| active);
        Self {
            membership,
            superuser,
            visible: superuser || membership.is_some() || (active && holds_role_where_granted),
        }
    }

    /// NOT_FOUND unless the group is visible: its existence must not leak.
    pub fn require_visible(&self) -> AppResult<()> {
        if self.visible {
            Ok(())
        } else {
            Err(AppError::not_found("group"))
        }
    }

    /// A group named by a grant on a project the viewer may view shows its name;
    /// its members and grants only to those it is visible to.
    pub fn require_see_inside(&self) -> AppResult<()> {
        if self.visible {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "you may see this group's name, not what it holds".into(),
            ))
        }
    }

    /// A manager of the group (superusers count as one).
    pub fn manages(&self) -> bool {
        self.superuser || self.membership == Some(GroupMemberRole::Manager)
    }

    /// Managers (and superusers) change the group, its members and remove it.
    pub fn require_manage(&self) -> AppResult<()> {
        self.require_visible()?;
        if self.manages() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only the group's managers may do this".into(),
            ))
        }
    }

    /// A member leaves by themselves; managers remove anyone.
    pub fn require_remove_member(&self, viewer: &Viewer, member: Uuid) -> AppResult<()> {
        if viewer.is(member) && self.membership.is_some() {
            return Ok(());
        }
        self.require_manage()
    }

    /// Granting a role to a group needs membership of it (or superuser rights), so
    /// that nobody hands access to a group they know nothing of.
    pub fn require_grant_from(&self) -> AppResult<()> {
        self.require_visible()?;
        if self.superuser || self.membership.is_some() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only members of the group may give it a role".into(),
            ))
        }
    }
}

/// A role a group may hold in a project of this type: CONTRIBUTOR, GUEST, VIEWER,
/// and FINDER on categories. Managing a project stays personal.
pub fn require_group_role(role: Role, project_type: entity::project::ProjectType) -> AppResult<()> {
    if role >= Role::Delegate {
        return Err(AppError::BadUserInput(
            "a group holds CONTRIBUTOR, GUEST, VIEWER or FINDER, never OWNER or DELEGATE".into(),
        ));
    }
    if role == Role::Finder && project_type != entity::project::ProjectType::Category {
        return Err(AppError::BadUserInput(
            "FINDER exists for categories only".into(),
        ));
    }
    Ok(())
}

/// Refuses a group grant below one the same group inherits from above.
pub fn require_group_not_below_inherited(role: Role, inherited: Option<Role>) -> AppResult<()> {
    match inherited {
        Some(inherited) if role < inherited => Err(AppError::Conflict(format!(
            "the group already inherits {} here; {} would be below it",
            role_name(inherited),
            role_name(role)
        ))),
        _ => Ok(()),
    }
}

/// Refuses a change that would leave a group without a manager.
pub fn require_a_manager_remains(managers_left: u64) -> AppResult<()> {
    if managers_left == 0 {
        Err(AppError::Conflict(
            "a group keeps at least one manager: promote another member first".into(),
        ))
    } else {
        Ok(())
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

/// Moving a project out of its category needs UPDATE_PROJECT on the category too, so
/// that an archived or address-restricted category cannot be escaped from inside.
pub fn require_move_out_of(category: &ProjectAccess) -> AppResult<()> {
    if category.allows(Permission::UpdateProject) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "moving a project out of its category needs UPDATE_PROJECT on the category".into(),
        ))
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

/// Fails unless an ACL may be changed now: by those `may_change_acl` names, and
/// never in an archived project (read-only means its ACLs too).
pub fn require_acl_change(may_change_acl: bool, project: &ProjectAccess) -> AppResult<()> {
    if !may_change_acl {
        return Err(AppError::Forbidden(
            "only the resource's owner, the project's OWNER and DELEGATEs and superusers may change its ACL".into(),
        ));
    }
    if project.read_only {
        return Err(AppError::Forbidden(
            "the project is archived, so its ACLs are frozen".into(),
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn person(superuser: bool, active: bool) -> Viewer {
        let now = Utc::now();
        Viewer::signed_in(entity::user::Model {
            id: Uuid::now_v7(),
            username: "someone".into(),
            email: "someone@example.org".into(),
            email_verified: true,
            pending_email: None,
            name: String::new(),
            password_hash: String::new(),
            is_superuser: superuser,
            is_system: false,
            is_active: active,
            session_epoch: 0,
            created_at: now,
            updated_at: now,
        })
    }

    fn link(assignment: Option<(Role, Option<DateTime<Utc>>)>) -> ChainLink {
        ChainLink {
            project_id: Uuid::now_v7(),
            public_access: None,
            archived: false,
            assignment,
            group_grants: Vec::new(),
            ip_allow_list: None,
        }
    }

    #[test]
    fn the_highest_unexpired_grant_of_the_chain_wins() {
        let now = Utc::now();
        let chain = [
            link(Some((Role::Guest, None))),
            link(Some((Role::Owner, Some(now - Duration::seconds(1))))),
            link(Some((Role::Delegate, Some(now + Duration::hours(1))))),
        ];
        let access = project_access(&person(false, true), &chain, now);
        assert_eq!(access.role, Some(Role::Delegate));
        assert_eq!(access.direct_role, Some(Role::Guest));
        assert!(access.inherited());
        assert!(access.allows(Permission::ManageMembers));
        assert!(!access.allows(Permission::Delete));
    }

    #[test]
    fn a_group_grant_counts_like_any_other_and_is_never_the_subjects_own() {
        let now = Utc::now();
        let group_id = Uuid::now_v7();
        let grant = |role, expires_at| GroupGrant {
            group_id,
            role,
            expires_at,
        };
        let mut here = link(Some((Role::Viewer, None)));
        here.group_grants = vec![grant(Role::Guest, Some(now - Duration::seconds(1)))];
        let mut above = link(None);
        above.group_grants = vec![grant(Role::Contributor, None)];
        let access = project_access(&person(false, true), &[here.clone(), above], now);
        assert_eq!(access.role, Some(Role::Contributor));
        assert_eq!(access.direct_role, Some(Role::Viewer));
        assert!(access.inherited());
        assert!(!access.only_through_groups());
        assert_eq!(access.sources[0].kind, SourceKind::Group);
        assert_eq!(access.sources[0].group_id, Some(group_id));
        // The expired grant is no source at all.
        assert_eq!(access.sources.len(), 2);
        let mut only_group = link(None);
        only_group.group_grants = vec![grant(Role::Viewer, None)];
        let access = project_access(&person(false, true), &[only_group], now);
        assert!(access.only_through_groups());
        assert!(!access.allows(Permission::Read));
        // Among equal roles the subject's own direct assignment wins.
        let mut tie = link(Some((Role::Guest, None)));
        tie.group_grants = vec![grant(Role::Guest, None)];
        let access = project_access(&person(false, true), &[tie], now);
        assert!(!access.inherited());
    }

    #[test]
    fn a_group_is_seen_by_its_members_role_holders_where_it_is_granted_and_superusers() {
        let member = GroupAccess::new(&person(false, true), Some(GroupMemberRole::Member), false);
        assert!(member.visible && !member.manages());
        assert!(matches!(
            member.require_manage(),
            Err(AppError::Forbidden(_))
        ));
        let holder = GroupAccess::new(&person(false, true), None, true);
        assert!(holder.visible);
        assert!(matches!(
            holder.require_grant_from(),
            Err(AppError::Forbidden(_))
        ));
        let stranger = GroupAccess::new(&person(false, true), None, false);
        assert!(matches!(
            stranger.require_visible(),
            Err(AppError::NotFound(_))
        ));
        let inactive =
            GroupAccess::new(&person(false, false), Some(GroupMemberRole::Manager), true);
        assert!(!inactive.visible);
        let superuser = GroupAccess::new(&person(true, true), None, false);
        assert!(superuser.manages() && superuser.require_grant_from().is_ok());
        assert!(require_a_manager_remains(0).is_err());
        assert!(
            require_group_role(Role::Delegate, entity::project::ProjectType::Category).is_err()
        );
        assert!(require_group_role(Role::Finder, entity::project::ProjectType::Project).is_err());
        assert!(require_group_role(Role::Finder, entity::project::ProjectType::Category).is_ok());
    }

    #[test]
    fn public_access_is_for_the_signed_in_and_nothing_is_for_the_inactive() {
        let now = Utc::now();
        let mut public = link(None);
        public.public_access = Some(Role::Viewer);
        let chain = [link(Some((Role::Owner, None))), public];
        assert_eq!(
            project_access(&person(false, true), &chain, now).role,
            Some(Role::Owner)
        );
        assert_eq!(
            project_access(&Viewer::anonymous(), &chain[1..], now).role,
            None
        );
        assert_eq!(
            project_access(&person(false, false), &chain, now).role,
            None
        );
        let superuser = project_access(&person(true, true), &[link(None)], now);
        assert!(Permission::ALL.iter().all(|p| superuser.allows(*p)));
    }

    #[test]
    fn an_archived_ancestor_makes_the_project_read_only_for_everyone() {
        let now = Utc::now();
        let mut archived = link(None);
        archived.archived = true;
        let chain = [link(Some((Role::Owner, None))), archived];
        for viewer in [person(false, true), person(true, true)] {
            let access = project_access(&viewer, &chain, now);
            assert!(!access.allows(Permission::Write));
            assert!(!access.allows(Permission::Execute));
            assert!(access.allows(Permission::UpdateProject));
            assert!(require_acl_change(true, &access).is_err());
        }
    }

    #[test]
    fn an_address_restriction_above_closes_the_project_to_other_addresses() {
        let now = Utc::now();
        let mut restricted = link(None);
        restricted.ip_allow_list = Some(vec!["10.0.0.0/8".parse().expect("a network")]);
        let chain = [link(Some((Role::Owner, None))), restricted];
        let inside = person(false, true).from_address("10.1.2.3".parse().expect("an address"));
        let outside = person(false, true).from_address("192.0.2.1".parse().expect("an address"));
        assert_eq!(project_access(&inside, &chain, now).role, Some(Role::Owner));
        assert!(!project_access(&outside, &chain, now).allows(Permission::Find));
        assert!(project_access(&person(true, true), &chain, now).reachable);
    }

    #[test]
    fn owners_manage_up_to_delegate_and_delegates_up_to_contributor() {
        let now = Utc::now();
        let owner = project_access(
            &person(false, true),
            &[link(Some((Role::Owner, None)))],
            now,
        );
        let delegate = project_access(
            &person(false, true),
            &[link(Some((Role::Delegate, None)))],
            now,
        );
        let contributor = project_access(
            &person(false, true),
            &[link(Some((Role::Contributor, None)))],
            now,
        );
        for role in [Role::Delegate, Role::Contributor, Role::Finder] {
            assert!(owner.may_manage_role(role));
        }
        assert!(!owner.may_manage_role(Role::Owner));
        assert!(delegate.may_manage_role(Role::Contributor));
        assert!(!delegate.may_manage_role(Role::Delegate));
        assert!(!contributor.may_manage_role(Role::Guest));
    }

    #[test]
    fn an_introduced_project_opens_nothing_below_and_refuses_with_forbidden() {
        let now = Utc::now();
        let stranger = project_access(&person(false, true), &[link(None)], now);
        assert!(Found::granted(stranger.clone()).is_none());
        let found = Found::introduced(stranger, Introduction::Invitation);
        assert!(!found.may_list_children());
        assert!(matches!(
            found.require(Permission::View),
            Err(AppError::Forbidden(_))
        ));
        let member = project_access(
            &person(false, true),
            &[link(Some((Role::Guest, None)))],
            now,
        );
        let found = Found::introduced(member, Introduction::Invitation);
        assert!(found.may_list_children());
        assert!(found.require(Permission::Read).is_ok());
    }

    #[test]
    fn leaving_a_category_needs_update_project_there() {
        let now = Utc::now();
        let delegate = project_access(
            &person(false, true),
            &[link(Some((Role::Delegate, None)))],
            now,
        );
        let guest = project_access(
            &person(false, true),
            &[link(Some((Role::Guest, None)))],
            now,
        );
        assert!(require_move_out_of(&delegate).is_ok());
        assert!(matches!(
            require_move_out_of(&guest),
            Err(AppError::Forbidden(_))
        ));
    }

    #[test]
    fn resources_read_by_level_follow_the_project_roles() {
        assert_eq!(lowest_role_reading(SafetyLevel::Public), Some(Role::Guest));
        assert_eq!(
            lowest_role_reading(SafetyLevel::Internal),
            Some(Role::Guest)
        );
        assert_eq!(
            lowest_role_reading(SafetyLevel::Private),
            Some(Role::Delegate)
        );
    }
}
