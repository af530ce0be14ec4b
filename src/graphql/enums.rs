//! GraphQL enums that mirror domain enums. The entity crate knows nothing of GraphQL,
//! so each has its own type here and a conversion both ways.

use async_graphql::Enum;
use entity::{project::ProjectType as DbProjectType, role_assignment::Role as DbRole};

use crate::{
    access::{self, SourceKind},
    domain::settings::registry::{Scope, ValueType},
};

/// Highest first. A role includes every capability of the roles below it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Owner,
    Delegate,
    Contributor,
    Guest,
    Viewer,
    Finder,
}

impl From<DbRole> for Role {
    fn from(role: DbRole) -> Self {
        match role {
            DbRole::Owner => Self::Owner,
            DbRole::Delegate => Self::Delegate,
            DbRole::Contributor => Self::Contributor,
            DbRole::Guest => Self::Guest,
            DbRole::Viewer => Self::Viewer,
            DbRole::Finder => Self::Finder,
        }
    }
}

impl From<Role> for DbRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Delegate => Self::Delegate,
            Role::Contributor => Self::Contributor,
            Role::Guest => Self::Guest,
            Role::Viewer => Self::Viewer,
            Role::Finder => Self::Finder,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProjectType {
    Project,
    Category,
}

impl From<DbProjectType> for ProjectType {
    fn from(value: DbProjectType) -> Self {
        match value {
            DbProjectType::Project => Self::Project,
            DbProjectType::Category => Self::Category,
        }
    }
}

impl From<ProjectType> for DbProjectType {
    fn from(value: ProjectType) -> Self {
        match value {
            ProjectType::Project => Self::Project,
            ProjectType::Category => Self::Category,
        }
    }
}

/// What a role lets one do, in one place (see DESIGN.md, "The permission matrix").
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Know the project exists: id, title, type, parent.
    Find,
    /// See its metadata and member list.
    View,
    /// Read its resources.
    Read,
    /// Create and change its resources.
    Write,
    /// Run work on its resources.
    Execute,
    /// Invite, assign and remove roles below one's own.
    ManageMembers,
    /// Change project settings.
    ManageSettings,
    /// Change title, description, readme, public access, parent.
    UpdateProject,
    /// Archive and unarchive.
    Archive,
    /// Delete the project.
    Delete,
    TransferOwnership,
}

impl From<access::Permission> for Permission {
    fn from(permission: access::Permission) -> Self {
        use access::Permission as P;
        match permission {
            P::Find => Self::Find,
            P::View => Self::View,
            P::Read => Self::Read,
            P::Write => Self::Write,
            P::Execute => Self::Execute,
            P::ManageMembers => Self::ManageMembers,
            P::ManageSettings => Self::ManageSettings,
            P::UpdateProject => Self::UpdateProject,
            P::Archive => Self::Archive,
            P::Delete => Self::Delete,
            P::TransferOwnership => Self::TransferOwnership,
        }
    }
}

impl From<Permission> for access::Permission {
    fn from(permission: Permission) -> Self {
        use Permission as P;
        match permission {
            P::Find => Self::Find,
            P::View => Self::View,
            P::Read => Self::Read,
            P::Write => Self::Write,
            P::Execute => Self::Execute,
            P::ManageMembers => Self::ManageMembers,
            P::ManageSettings => Self::ManageSettings,
            P::UpdateProject => Self::UpdateProject,
            P::Archive => Self::Archive,
            P::Delete => Self::Delete,
            P::TransferOwnership => Self::TransferOwnership,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessSourceKind {
    Direct,
    Inherited,
    Public,
    Superuser,
    /// Held by a group the viewer belongs to, here or on an ancestor.
    Group,
}

impl From<SourceKind> for AccessSourceKind {
    fn from(kind: SourceKind) -> Self {
        match kind {
            SourceKind::Direct => Self::Direct,
            SourceKind::Inherited => Self::Inherited,
            SourceKind::Public => Self::Public,
            SourceKind::Superuser => Self::Superuser,
            SourceKind::Group => Self::Group,
        }
    }
}

/// Whom a setting's value belongs to.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingScope {
    /// One value per user.
    User,
    /// One value per project.
    Project,
    /// One value per user and project.
    ProjectUser,
}

impl From<Scope> for SettingScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::User => Self::User,
            Scope::Project => Self::Project,
            Scope::ProjectUser => Self::ProjectUser,
        }
    }
}

impl From<SettingScope> for Scope {
    fn from(scope: SettingScope) -> Self {
        match scope {
            SettingScope::User => Self::User,
            SettingScope::Project => Self::Project,
            SettingScope::ProjectUser => Self::ProjectUser,
        }
    }
}

/// The JSON type of a setting's value.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingType {
    Boolean,
    /// A whole number that fits in 64 bits.
    Integer,
    String,
    /// Any JSON value, optionally held to a JSON Schema.
    Json,
}

impl From<ValueType> for SettingType {
    fn from(value_type: ValueType) -> Self {
        match value_type {
            ValueType::Boolean => Self::Boolean,
            ValueType::Integer => Self::Integer,
            ValueType::String => Self::String,
            ValueType::Json => Self::Json,
        }
    }
}

/// A user's place in a group.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupMemberRole {
    /// Changes the group, its members and its name; removes its grants.
    Manager,
    /// Holds what the group is granted.
    Member,
}

impl From<access::GroupMemberRole> for GroupMemberRole {
    fn from(role: access::GroupMemberRole) -> Self {
        match role {
            access::GroupMemberRole::Manager => Self::Manager,
            access::GroupMemberRole::Member => Self::Member,
        }
    }
}

impl From<GroupMemberRole> for access::GroupMemberRole {
    fn from(role: GroupMemberRole) -> Self {
        match role {
            GroupMemberRole::Manager => Self::Manager,
            GroupMemberRole::Member => Self::Member,
        }
    }
}
