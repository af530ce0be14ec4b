//! Settings (SODAR Core's app settings): typed values of three scopes, a project
//! (PROJECT), a user in a project (PROJECT_USER) and a user (USER), validated against
//! their definitions in `registry`. Reads give the default when nothing is stored;
//! every write is audited, without the value when the definition is secret.

pub mod registry;

use std::{collections::HashMap, sync::Arc};

use entity::{setting_value, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use self::registry::{
    Definition, INVITE_EXPIRY_DAYS, IP_ALLOW_LIST, IP_RESTRICT, NAMESPACE, Scope,
};
use super::{
    audit::{self, Event},
    projects,
};
use crate::{
    access::{self, ProjectAccess},
    auth::Viewer,
    error::{AppError, AppResult},
    state::AppState,
};

/// Whose value: the stored row of a definition for one owner.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ValueKey {
    pub namespace: String,
    pub name: String,
    pub project_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
}

impl ValueKey {
    fn new(definition: &Definition, project_id: Option<Uuid>, user_id: Option<Uuid>) -> Self {
        Self {
            namespace: definition.namespace.clone(),
            name: definition.name.clone(),
            project_id,
            user_id,
        }
    }
}

/// A setting as a reader sees it.
#[derive(Clone, Debug)]
pub struct Setting {
    pub definition: Arc<Definition>,
    pub project_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// The stored value or the default; None when the definition is secret and the
    /// viewer is not a superuser.
    pub value: Option<Value>,
    /// Nothing is stored: `value` is the definition's default.
    pub is_default: bool,
}

impl Setting {
    /// What `viewer` may see of the value stored under `key` (None: unset).
    pub fn present(
        viewer: &Viewer,
        definition: Arc<Definition>,
        key: &ValueKey,
        stored: Option<Value>,
    ) -> Self {
        let is_default = stored.is_none();
        let hidden = definition.secret && !access::may_see_secret_settings(viewer);
        let value = (!hidden).then(|| stored.unwrap_or_else(|| definition.default.clone()));
        Self {
            definition,
            project_id: key.project_id,
            user_id: key.user_id,
            value,
            is_default,
        }
    }
}

/// Refuses a definition of another scope than the call is for.
fn require_scope(definition: &Definition, scopes: &[Scope], call: &str) -> AppResult<()> {
    if scopes.contains(&definition.scope) {
        return Ok(());
    }
    Err(AppError::BadUserInput(format!(
        "{} is a {} setting: {call} does not take it",
        definition.key(),
        definition.scope.name()
    )))
}

/// The stored values of many keys, in one statement. Missing keys are unset.
pub async fn load_values(
    conn: &impl ConnectionTrait,
    keys: &[ValueKey],
) -> AppResult<HashMap<ValueKey, Value>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut condition = Condition::any();
    for key in keys {
        condition = condition.add(key_condition(key));
    }
    let rows = setting_value::Entity::find()
        .filter(condition)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let key = ValueKey {
                namespace: row.namespace,
                name: row.name,
                project_id: row.project_id,
                user_id: row.user_id,
            };
            (key, row.value)
        })
        .collect())
}

fn key_condition(key: &ValueKey) -> Condition {
    let owner = |column: setting_value::Column, id: Option<Uuid>| match id {
        Some(id) => column.eq(id),
        None => column.is_null(),
    };
    Condition::all()
        .add(setting_value::Column::Namespace.eq(key.namespace.as_str()))
        .add(setting_value::Column::Name.eq(key.name.as_str()))
        .add(owner(setting_value::Column::ProjectId, key.project_id))
        .add(owner(setting_value::Column::UserId, key.user_id))
}

async fn stored(
    conn: &impl ConnectionTrait,
    key: &ValueKey,
) -> AppResult<Option<setting_value::Model>> {
    Ok(setting_value::Entity::find()
        .filter(key_condition(key))
        .one(conn)
        .await?)
}

/// Every definition, or those of one scope.
pub fn definitions(
    state: &AppState,
    viewer: &Viewer,
    scope: Option<Scope>,
) -> AppResult<Vec<Arc<Definition>>> {
    viewer.require_user()?;
    Ok(state.settings.all(scope))
}

/// For `Project.setting`: the key to load for a project the viewer may view. A
/// PROJECT_USER definition reads the viewer's own value in this project.
pub fn project_key(
    state: &AppState,
    viewer: &Viewer,
    project: &ProjectAccess,
    namespace: &str,
    name: &str,
) -> AppResult<(Arc<Definition>, ValueKey)> {
    access::require_read_project_setting(project)?;
    let definition = state.settings.get(namespace, name)?;
    require_scope(
        &definition,
        &[Scope::Project, Scope::ProjectUser],
        "Project.setting",
    )?;
    let user_id = match definition.scope {
        Scope::ProjectUser => Some(viewer.require_user()?.id),
        _ => None,
    };
    let key = ValueKey::new(&definition, Some(project.project_id), user_id);
    Ok((definition, key))
}

/// A user's value in a project: the viewer's own, or (for superusers and the
/// project's OWNER and DELEGATEs) another user's.
pub async fn project_user_setting(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    namespace: &str,
    name: &str,
    user_id: Option<Uuid>,
) -> AppResult<Setting> {
    let me = viewer.require_user()?;
    let project = projects::view(&state.db, state, viewer, project_id).await?;
    let definition = state.settings.get(namespace, name)?;
    require_scope(&definition, &[Scope::ProjectUser], "projectUserSetting")?;
    let owner = user_id.unwrap_or(me.id);
    access::require_read_project_user_setting(viewer, &project.access, owner)?;
    let key = ValueKey::new(&definition, Some(project_id), Some(owner));
    let value = stored(&state.db, &key).await?.map(|row| row.value);
    Ok(Setting::present(viewer, definition, &key, value))
}

/// A user's own value (superusers: anyone's).
pub async fn user_setting(
    state: &AppState,
    viewer: &Viewer,
    namespace: &str,
    name: &str,
    user_id: Option<Uuid>,
) -> AppResult<Setting> {
    let me = viewer.require_user()?;
    let owner = user_id.unwrap_or(me.id);
    access::require_read_user_setting(viewer, owner)?;
    let definition = state.settings.get(namespace, name)?;
    require_scope(&definition, &[Scope::User], "userSetting")?;
    require_account(&state.db, owner, false).await?;
    let key = ValueKey::new(&definition, None, Some(owner));
    let value = stored(&state.db, &key).await?.map(|row| row.value);
    Ok(Setting::present(viewer, definition, &key, value))
}

/// Fails with NOT_FOUND unless the account exists. With `lock`, its row stays locked
/// until the transaction ends, so writes of the user's values run one at a time.
async fn require_account(conn: &impl ConnectionTrait, id: Uuid, lock: bool) -> AppResult<()> {
    let mut query = user::Entity::find_by_id(id)
        .select_only()
        .column(user::Column::Id);
    if lock {
        query = query.lock_exclusive();
    }
    query
        .into_tuple::<Uuid>()
        .one(conn)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found("user"))
}

/// Sets a project's value (MANAGE_SETTINGS).
pub async fn set_project_setting(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    namespace: &str,
    name: &str,
    value: Value,
) -> AppResult<Setting> {
    viewer.require_user()?;
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, project_id).await?;
    let definition = state.settings.get(namespace, name)?;
    require_scope(&definition, &[Scope::Project], "setProjectSetting")?;
    access::require_write_project_setting(viewer, &project.access, definition.user_modifiable)?;
    definition.check(&value)?;
    projects::lock(&txn, project_id).await?;
    let key = ValueKey::new(&definition, Some(project_id), None);
    if definition.namespace == NAMESPACE
        && (definition.name == IP_RESTRICT || definition.name == IP_ALLOW_LIST)
    {
        require_not_locked_out(&txn, viewer, &key, &value).await?;
    }
    let setting = write(&txn, state, viewer, definition, key, value).await?;
    txn.commit().await?;
    Ok(setting)
}

/// Refuses an address restriction that would shut out the viewer who sets it, given
/// the value about to be written and the other setting as stored.
async fn require_not_locked_out(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    key: &ValueKey,
    value: &Value,
) -> AppResult<()> {
    let other = |name: &str| ValueKey {
        name: name.to_owned(),
        ..key.clone()
    };
    let (restrict, allow_list) = if key.name == IP_RESTRICT {
        let allow_list = stored(conn, &other(IP_ALLOW_LIST))
            .await?
            .map(|row| row.value);
        (value.clone(), allow_list)
    } else {
        let restrict = stored(conn, &other(IP_RESTRICT))
            .await?
            .map(|row| row.value);
        (restrict.unwrap_or(Value::Bool(false)), Some(value.clone()))
    };
    if restrict != Value::Bool(true) {
        return Ok(());
    }
    let networks = allow_list
        .map(|list| registry::networks(&list).unwrap_or_default())
        .unwrap_or_default();
    access::require_not_locked_out(viewer, Some(&networks))
}

/// Sets a user's value in a project: the viewer's own, or (superusers) another's.
pub async fn set_project_user_setting(
    state: &AppState,
    viewer: &Viewer,
    project_id: Uuid,
    namespace: &str,
    name: &str,
    value: Value,
    user_id: Option<Uuid>,
) -> AppResult<Setting> {
    let me = viewer.require_user()?;
    let owner = user_id.unwrap_or(me.id);
    let txn = state.db.begin().await?;
    let project = projects::view(&txn, state, viewer, project_id).await?;
    let definition = state.settings.get(namespace, name)?;
    require_scope(&definition, &[Scope::ProjectUser], "setProjectUserSetting")?;
    access::require_write_project_user_setting(
        viewer,
        &project.access,
        owner,
        definition.user_modifiable,
    )?;
    definition.check(&value)?;
    // Values in a project are serialised by the project's row, as roles are.
    projects::lock(&txn, project_id).await?;
    require_account(&txn, owner, false).await?;
    let key = ValueKey::new(&definition, Some(project_id), Some(owner));
    let setting = write(&txn, state, viewer, definition, key, value).await?;
    txn.commit().await?;
    Ok(setting)
}

/// Sets a user's own value (superusers: anyone's).
pub async fn set_user_setting(
    state: &AppState,
    viewer: &Viewer,
    namespace: &str,
    name: &str,
    value: Value,
    user_id: Option<Uuid>,
) -> AppResult<Setting> {
    let me = viewer.require_user()?;
    let owner = user_id.unwrap_or(me.id);
    access::require_read_user_setting(viewer, owner)?;
    let definition = state.settings.get(namespace, name)?;
    require_scope(&definition, &[Scope::User], "setUserSetting")?;
    access::require_write_user_setting(viewer, owner, definition.user_modifiable)?;
    definition.check(&value)?;
    let txn = state.db.begin().await?;
    require_account(&txn, owner, true).await?;
    let key = ValueKey::new(&definition, None, Some(owner));
    let setting = write(&txn, state, viewer, definition, key, value).await?;
    txn.commit().await?;
    Ok(setting)
}

/// Removes a stored value, so that the default applies again (`isDefault: true`).
/// The definition's scope says which ids it needs; the rules are those of writing
/// a value of that scope. Nothing stored: nothing changes, and nothing is audited.
pub async fn reset(
    state: &AppState,
    viewer: &Viewer,
    namespace: &str,
    name: &str,
    project_id: Option<Uuid>,
    user_id: Option<Uuid>,
) -> AppResult<Setting> {
    let me = viewer.require_user()?;
    let definition = state.settings.get(namespace, name)?;
    let needs = |what: &str| {
        AppError::BadUserInput(format!(
            "{} is a {} setting: {what}",
            definition.key(),
            definition.scope.name()
        ))
    };
    let txn = state.db.begin().await?;
    let key = match (definition.scope, project_id) {
        (Scope::Project, Some(project_id)) => {
            if user_id.is_some() {
                return Err(needs("give projectId alone"));
            }
            let project = projects::view(&txn, state, viewer, project_id).await?;
            access::require_write_project_setting(
                viewer,
                &project.access,
                definition.user_modifiable,
            )?;
            projects::lock(&txn, project_id).await?;
            let key = ValueKey::new(&definition, Some(project_id), None);
            if definition.namespace == NAMESPACE && definition.name == IP_ALLOW_LIST {
                // An emptied list can shut the viewer out as surely as a new one.
                require_not_locked_out(&txn, viewer, &key, &definition.default).await?;
            }
            key
        }
        (Scope::ProjectUser, Some(project_id)) => {
            let owner = user_id.unwrap_or(me.id);
            let project = projects::view(&txn, state, viewer, project_id).await?;
            access::require_write_project_user_setting(
                viewer,
                &project.access,
                owner,
                definition.user_modifiable,
            )?;
            projects::lock(&txn, project_id).await?;
            ValueKey::new(&definition, Some(project_id), Some(owner))
        }
        (Scope::User, None) => {
            let owner = user_id.unwrap_or(me.id);
            access::require_write_user_setting(viewer, owner, definition.user_modifiable)?;
            require_account(&txn, owner, true).await?;
            ValueKey::new(&definition, None, Some(owner))
        }
        (Scope::User, Some(_)) => return Err(needs("it takes no projectId")),
        (_, None) => return Err(needs("give projectId")),
    };
    if let Some(row) = stored(&txn, &key).await? {
        setting_value::Entity::delete_by_id(row.id)
            .exec(&txn)
            .await?;
        let details = audit_details(&definition, &key, Some(row.value), None);
        record(&txn, state, viewer, "setting.reset", &key, details).await?;
    }
    txn.commit().await?;
    Ok(Setting::present(viewer, definition, &key, None))
}

/// What `setting.set` and `setting.reset` record: which value, and (unless the
/// definition is secret) the old and new ones.
fn audit_details(
    definition: &Definition,
    key: &ValueKey,
    old: Option<Value>,
    new: Option<Value>,
) -> Value {
    let mut details = json!({
        "namespace": key.namespace,
        "name": key.name,
        "scope": definition.scope.name(),
        "projectId": key.project_id,
        "userId": key.user_id,
    });
    if definition.secret {
        // Neither value is recorded: the trail is readable by more than superusers.
        details["secret"] = json!(true);
    } else {
        details["old"] = old.unwrap_or(Value::Null);
        details["new"] = new.unwrap_or(Value::Null);
    }
    details
}

async fn record(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    viewer: &Viewer,
    action: &'static str,
    key: &ValueKey,
    details: Value,
) -> AppResult<()> {
    // The user whose value it is, else the project.
    let target = key.user_id.or(key.project_id);
    let mut event = Event::new(action, target, details);
    if let Some(project_id) = key.project_id {
        event = event.in_project(project_id);
    }
    audit::record(txn, state, viewer.id(), event).await
}

/// Stores a checked value (inserting or replacing) and records `setting.set`. The
/// caller holds the lock of the owning row (project or user), so concurrent writes
/// of one key run one after the other.
async fn write(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    viewer: &Viewer,
    definition: Arc<Definition>,
    key: ValueKey,
    value: Value,
) -> AppResult<Setting> {
    let now = state.clock.now();
    let existing = stored(txn, &key).await?;
    let old = existing.as_ref().map(|row| row.value.clone());
    match existing {
        Some(row) => {
            let mut active: setting_value::ActiveModel = row.into();
            active.value = Set(value.clone());
            active.updated_at = Set(now);
            active.update(txn).await?;
        }
        None => {
            setting_value::ActiveModel {
                id: Set(Uuid::now_v7()),
                namespace: Set(key.namespace.clone()),
                name: Set(key.name.clone()),
                project_id: Set(key.project_id),
                user_id: Set(key.user_id),
                value: Set(value.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    let details = audit_details(&definition, &key, old, Some(value.clone()));
    record(txn, state, viewer, "setting.set", &key, details).await?;
    Ok(Setting::present(viewer, definition, &key, Some(value)))
}

/// The default expiry of a project's invitations, in days: its
/// `roster.invite_expiry_days`, else the configured default.
pub async fn invite_expiry_days(
    conn: &impl ConnectionTrait,
    state: &AppState,
    project_id: Uuid,
) -> AppResult<i64> {
    let fallback = i64::from(state.config.invitation_expiry_days);
    let key = ValueKey {
        namespace: NAMESPACE.into(),
        name: INVITE_EXPIRY_DAYS.into(),
        project_id: Some(project_id),
        user_id: None,
    };
    Ok(stored(conn, &key)
        .await?
        .and_then(|row| row.value.as_i64())
        .filter(|days| (1..=365).contains(days))
        .unwrap_or(fallback))
}
