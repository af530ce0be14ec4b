//! The one place that decides who may do what. Domain functions and GraphQL guards
//! ask here; nothing else compares roles or checks ownership.

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
        UserAction::EditProfile => is_self,
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
