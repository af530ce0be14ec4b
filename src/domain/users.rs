//! User accounts: creation (by superusers, or the first one from the command line),
//! profile changes, password changes, deactivation, deletion and listing.

use std::collections::HashMap;

use entity::{email_secret::SecretPurpose, refresh_token, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Page, PageArgs,
    audit::{self, Event},
    decode, email_secrets, resources, roles, sessions, validate, verification,
};
use crate::{
    access::{self, UserAction},
    auth::{Viewer, password},
    error::{AppError, AppResult},
    state::AppState,
};

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub name: Option<String>,
    pub password: String,
    pub is_superuser: bool,
    pub is_system: bool,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    /// Needed when users change their own email or password.
    pub current_password: Option<String>,
    pub is_superuser: Option<bool>,
    pub is_active: Option<bool>,
}

/// Creates an account on behalf of a superuser.
pub async fn create(state: &AppState, viewer: &Viewer, input: NewUser) -> AppResult<user::Model> {
    access::require_user_action(viewer, None, UserAction::Create)?;
    insert(state, viewer.id(), input).await
}

/// Creates a superuser without a signed-in actor: the `create-superuser` command.
pub async fn create_superuser(
    state: &AppState,
    username: &str,
    email: &str,
    password: &str,
) -> AppResult<user::Model> {
    let input = NewUser {
        username: username.to_owned(),
        email: email.to_owned(),
        name: None,
        password: password.to_owned(),
        is_superuser: true,
        is_system: false,
    };
    insert(state, None, input).await
}

async fn insert(state: &AppState, actor: Option<Uuid>, input: NewUser) -> AppResult<user::Model> {
    let prepared = prepare(input).await?;
    let txn = state.db.begin().await?;
    let created = insert_prepared(&txn, state, actor, prepared).await?;
    txn.commit().await?;
    Ok(created)
}

/// A new account whose input passed every rule and whose password is hashed,
/// ready to be inserted inside a transaction.
pub struct PreparedUser {
    is_superuser: bool,
    is_system: bool,
    username: String,
    email: String,
    name: String,
    password_hash: String,
}

/// Validates a new account and hashes its password (slow: do it before a
/// transaction begins).
pub async fn prepare(input: NewUser) -> AppResult<PreparedUser> {
    let username = validate::username(&input.username)?;
    let email = validate::email(&input.email)?;
    let name = validate::display_name(input.name.as_deref())?;
    password::check_strength(&input.password)?;
    let password_hash = password::hash(&input.password).await?;
    Ok(PreparedUser {
        is_superuser: input.is_superuser,
        is_system: input.is_system,
        username,
        email,
        name,
        password_hash,
    })
}

/// Inserts a prepared account and records its audit event on `conn`.
pub async fn insert_prepared(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: Option<Uuid>,
    prepared: PreparedUser,
) -> AppResult<user::Model> {
    let now = state.clock.now();
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(prepared.username),
        email: Set(prepared.email),
        // Every way in sets a proven address: a superuser's createUser, the
        // create-superuser command, or signing up through an invitation link.
        email_verified: Set(true),
        pending_email: Set(None),
        name: Set(prepared.name),
        password_hash: Set(prepared.password_hash),
        is_superuser: Set(prepared.is_superuser),
        is_system: Set(prepared.is_system),
        is_active: Set(true),
        session_epoch: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    let details = json!({
        "username": created.username,
        "isSuperuser": created.is_superuser,
        "isSystem": created.is_system,
    });
    audit::record(
        conn,
        state,
        actor,
        Event::new("user.create", Some(created.id), details),
    )
    .await?;
    Ok(created)
}

/// Any account, for a signed-in viewer.
pub async fn get(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<user::Model> {
    access::require_user_action(viewer, Some(id), UserAction::Read)?;
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// Accounts by id, in one statement, for nested fields (no permission check: the
/// caller decides what of them is shown). Unknown ids are absent from the map.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, user::Model>> {
    let select = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .into_query();
    conn.query_all(&select)
        .await?
        .iter()
        .map(|row| decode::user(row).map(|user| (user.id, user)))
        .collect::<Result<_, _>>()
        .map_err(AppError::from)
}

/// Which accounts to list.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Matched, case-insensitively, against username and name (and email, for
    /// superusers).
    pub search: Option<String>,
    pub include_system_users: bool,
}

/// Accounts ordered by username.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    filter: UserFilter,
    page: PageArgs,
) -> AppResult<Page<user::Model>> {
    let me = viewer.require_user()?;
    // Only the `restrict_user_list` rule needs to know; skip the query otherwise.
    let contributes_somewhere = state.config.restrict_user_list
        && !viewer.is_superuser()
        && roles::contributes_somewhere(&state.db, me.id, state.clock.now()).await?;
    if !access::may_list_users(
        viewer,
        state.config.restrict_user_list,
        contributes_somewhere,
    ) {
        return Err(AppError::Forbidden(
            "only superusers and project contributors may list users".into(),
        ));
    }
    let mut query = user::Entity::find();
    if !(filter.include_system_users && access::may_see_system_users(viewer)) {
        query = query.filter(user::Column::IsSystem.eq(false));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        let lower = |column: user::Column| Expr::expr(Func::lower(Expr::col(column)));
        let mut matches = Condition::any()
            .add(lower(user::Column::Username).like(LikeExpr::new(pattern.as_str()).escape('\\')))
            .add(lower(user::Column::Name).like(LikeExpr::new(pattern.as_str()).escape('\\')));
        if viewer.is_superuser() {
            matches = matches
                .add(lower(user::Column::Email).like(LikeExpr::new(pattern.as_str()).escape('\\')));
        }
        query = query.filter(matches);
    }
    let total = match page.count_total {
        true => Some(query.clone().count(&state.db).await?),
        false => None,
    };
    if let Some(after) = &page.after {
        query = query.filter(user::Column::Username.gt(after.as_str()));
    }
    let rows = query
        .order_by_asc(user::Column::Username)
        .limit(page.limit())
        .all(&state.db)
        .await?;
    Ok(Page::from_rows(rows, &page, total))
}

/// Escapes `%`, `_` and `\` so a search text matches itself in LIKE.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Applies changes to an account. Superusers may change anything; a user may change
/// their own name, email and password, the last two with their current password. A
/// user's own new email only becomes pending until its link is used (see
/// `verification`); one set by a superuser counts as verified at once.
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    changes: UserChanges,
) -> AppResult<user::Model> {
    authorize_update(viewer, id, &changes)?;
    let checked = check_changes(state, viewer, id, &changes).await?;
    let txn = state.db.begin().await?;
    let may_remove_a_superuser =
        changes.is_superuser == Some(false) || changes.is_active == Some(false);
    let superusers = if may_remove_a_superuser {
        lock_active_superusers(&txn).await?
    } else {
        Vec::new()
    };
    // Read under a row lock, so that the session epoch grows from its latest value
    // when two changes race.
    let target = verification::lock_user(&txn, id).await?;
    if may_remove_a_superuser && target.is_superuser && target.is_active {
        require_another(&superusers, id)?;
    }
    let ends_sessions =
        checked.password_hash.is_some() || (target.is_active && changes.is_active == Some(false));
    let mut active: user::ActiveModel = target.clone().into();
    let mut changed_fields =
        apply_profile(&txn, state, viewer, &target, &mut active, checked).await?;
    if let Some(is_superuser) = changes.is_superuser {
        changed_fields.push("isSuperuser");
        active.is_superuser = Set(is_superuser);
    }
    if let Some(is_active) = changes.is_active {
        changed_fields.push("isActive");
        active.is_active = Set(is_active);
    }
    if ends_sessions {
        active.session_epoch = Set(target.session_epoch + 1);
    }
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&txn).await?;
    if ends_sessions {
        revoke_refresh_tokens(&txn, state, id).await?;
    }
    let details = json!({
        "fields": changed_fields,
        "isSuperuser": changes.is_superuser,
        "isActive": changes.is_active,
    });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("user.update", Some(id), details),
    )
    .await?;
    txn.commit().await?;
    state.mail_queued.notify_one();
    Ok(updated)
}

/// Profile changes that passed their rules, the password hashed.
struct CheckedChanges {
    email: Option<String>,
    name: Option<String>,
    password_hash: Option<String>,
}

/// Validates the changes, checks the current password when users change their own
/// email or password, and hashes a new password (slow: before the transaction).
async fn check_changes(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    changes: &UserChanges,
) -> AppResult<CheckedChanges> {
    let email = changes.email.as_deref().map(validate::email).transpose()?;
    let name = changes
        .name
        .as_deref()
        .map(|name| validate::display_name(Some(name)))
        .transpose()?;
    if viewer.is(id) && (email.is_some() || changes.password.is_some()) {
        let me = viewer.require_user()?;
        let Some(current) = changes.current_password.as_deref() else {
            return Err(AppError::BadUserInput(
                "`currentPassword` is required to change your own email or password".into(),
            ));
        };
        sessions::check_current_password(state, me, current).await?;
    }
    let password_hash = match &changes.password {
        Some(new_password) => {
            password::check_strength(new_password)?;
            Some(password::hash(new_password).await?)
        }
        None => None,
    };
    Ok(CheckedChanges {
        email,
        name,
        password_hash,
    })
}

/// Applies email, name and password to `active`; returns the fields changed. A
/// user's own email only becomes pending; a superuser's choice is in force at once.
async fn apply_profile(
    txn: &DatabaseTransaction,
    state: &AppState,
    viewer: &Viewer,
    target: &user::Model,
    active: &mut user::ActiveModel,
    checked: CheckedChanges,
) -> AppResult<Vec<&'static str>> {
    let mut changed_fields = Vec::new();
    if let Some(email) = checked.email {
        if viewer.is(target.id) {
            let pending = verification::request_change(txn, state, target, email).await?;
            changed_fields.push("pendingEmail");
            active.pending_email = Set(pending);
        } else {
            changed_fields.push("email");
            set_verified_email(txn, active, target.id, email).await?;
        }
    }
    if let Some(name) = checked.name {
        changed_fields.push("name");
        active.name = Set(name);
    }
    if let Some(hash) = checked.password_hash {
        changed_fields.push("password");
        active.password_hash = Set(hash);
        email_secrets::void(txn, target.id, &[SecretPurpose::ResetPassword]).await?;
    }
    Ok(changed_fields)
}

/// Every change, even an empty one, needs at least the right to edit the profile
/// (oneself or a superuser); each field adds what it needs.
fn authorize_update(viewer: &Viewer, id: Uuid, changes: &UserChanges) -> AppResult<()> {
    access::require_user_action(viewer, Some(id), UserAction::EditProfile)?;
    if changes.password.is_some() {
        let action = if viewer.is(id) {
            UserAction::ChangeOwnPassword
        } else {
            UserAction::ResetPassword
        };
        access::require_user_action(viewer, Some(id), action)?;
    }
    if changes.is_superuser.is_some() {
        access::require_user_action(viewer, Some(id), UserAction::SetSuperuser)?;
    }
    if changes.is_active.is_some() {
        access::require_user_action(viewer, Some(id), UserAction::SetActive)?;
    }
    Ok(())
}

/// An email set by a superuser: in force and verified at once; it voids a pending
/// address and every emailed secret of the account.
async fn set_verified_email(
    txn: &DatabaseTransaction,
    active: &mut user::ActiveModel,
    id: Uuid,
    email: String,
) -> AppResult<()> {
    active.email = Set(email);
    active.email_verified = Set(true);
    active.pending_email = Set(None);
    email_secrets::void(txn, id, email_secrets::ALL).await
}

/// Changes the viewer's own password, given the current one, and ends all their
/// sessions (the caller's included).
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    old_password: &str,
    new_password: &str,
) -> AppResult<()> {
    let me = viewer.require_user()?;
    sessions::check_current_password(state, me, old_password).await?;
    password::check_strength(new_password)?;
    if old_password == new_password {
        return Err(AppError::BadUserInput(
            "the new password must differ from the current one".into(),
        ));
    }
    let password_hash = password::hash(new_password).await?;
    let txn = state.db.begin().await?;
    let result = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(
            user::Column::SessionEpoch,
            Expr::col(user::Column::SessionEpoch).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(state.clock.now()))
        .filter(user::Column::Id.eq(me.id))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::not_found("user"));
    }
    revoke_refresh_tokens(&txn, state, me.id).await?;
    email_secrets::void(&txn, me.id, &[SecretPurpose::ResetPassword]).await?;
    audit::record(
        &txn,
        state,
        Some(me.id),
        Event::new("user.change_password", Some(me.id), json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes an account (superusers only). Refused while the user owns a project.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<user::Model> {
    access::require_user_action(viewer, Some(id), UserAction::Delete)?;
    let txn = state.db.begin().await?;
    let target = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    if target.is_superuser && target.is_active {
        ensure_another_active_superuser(&txn, id).await?;
    }
    if resources::owns_a_resource(&txn, id).await? {
        return Err(AppError::Conflict(
            "this user owns resources: delete them or have them deleted first".into(),
        ));
    }
    if roles::owns_a_project(&txn, id).await? {
        return Err(AppError::Conflict(
            "this user owns projects: transfer their ownership first".into(),
        ));
    }
    user::Entity::delete_by_id(id).exec(&txn).await?;
    let details = json!({ "username": target.username });
    audit::record(
        &txn,
        state,
        viewer.id(),
        Event::new("user.delete", Some(id), details),
    )
    .await?;
    txn.commit().await?;
    Ok(target)
}

/// Refuses a change that would leave the service without an active superuser.
///
/// The active superusers are locked (always in id order, so two callers cannot
/// deadlock) until the transaction ends: two superusers demoting each other at once
/// then take turns, and the second sees that the first is no longer a superuser.
/// SQLite has no row locks, but it runs one writer at a time anyway.
async fn ensure_another_active_superuser(txn: &DatabaseTransaction, except: Uuid) -> AppResult<()> {
    let superusers = lock_active_superusers(txn).await?;
    require_another(&superusers, except)
}

/// The active superusers, locked in id order until the transaction ends. Changes
/// that may remove a superuser take these locks before any other user row, so two
/// of them never wait on each other.
async fn lock_active_superusers(txn: &DatabaseTransaction) -> AppResult<Vec<Uuid>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::IsSuperuser.eq(true))
        .filter(user::Column::IsActive.eq(true))
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await?)
}

fn require_another(superusers: &[Uuid], except: Uuid) -> AppResult<()> {
    if superusers.iter().all(|id| *id == except) {
        return Err(AppError::Conflict(
            "this is the last active superuser: promote another first".into(),
        ));
    }
    Ok(())
}

/// Ends every refresh-token family of a user.
pub async fn revoke_refresh_tokens(
    conn: &impl ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(state.clock.now()),
        )
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
