//! Settings: `SettingDefinition`, `Setting`, the queries `settingDefinitions`,
//! `userSetting` and `projectUserSetting`, the three `set…Setting` mutations and
//! `resetSetting`.
//! `Project.setting` lives with `Project` and loads through `SettingLoader`.

use std::sync::Arc;

use async_graphql::{Context, ID, Json, Object, Result};
use serde_json::Value;

use super::{
    enums::{SettingScope, SettingType},
    parse_id, state, viewer,
};
use crate::{
    access,
    domain::settings::{self as domain, registry::Definition},
};

/// What a setting is: who owns its values, their type, default and rules.
pub struct SettingDefinition(pub Arc<Definition>);

#[Object]
impl SettingDefinition {
    /// `roster` for the built-ins; others come from the settings file.
    async fn namespace(&self) -> &str {
        &self.0.namespace
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn scope(&self) -> SettingScope {
        self.0.scope.into()
    }

    #[graphql(name = "type")]
    async fn value_type(&self) -> SettingType {
        self.0.value_type.into()
    }

    /// What an unset value reads as; null for a secret unless the viewer is a superuser.
    async fn default(&self, ctx: &Context<'_>) -> Option<Json<Value>> {
        let hidden = self.0.secret && !access::may_see_secret_settings(viewer(ctx));
        (!hidden).then(|| Json(self.0.default.clone()))
    }

    /// The allowed values, when restricted.
    async fn options(&self) -> Option<Vec<Json<Value>>> {
        self.0
            .options
            .as_ref()
            .map(|options| options.iter().cloned().map(Json).collect())
    }

    /// False: only superusers may change it.
    async fn user_modifiable(&self) -> bool {
        self.0.user_modifiable
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The JSON Schema values must satisfy, if any.
    async fn schema(&self) -> Option<Json<Value>> {
        self.0
            .schema
            .as_ref()
            .map(|schema| Json(schema.source.clone()))
    }

    /// Values are write-only for all but superusers, and never logged or audited.
    async fn secret(&self) -> bool {
        self.0.secret
    }

    /// The largest value accepted, in bytes of compact JSON.
    async fn max_bytes(&self) -> u64 {
        self.0.max_bytes as u64
    }
}

/// A value and whose it is.
pub struct Setting(pub domain::Setting);

#[Object]
impl Setting {
    async fn definition(&self) -> SettingDefinition {
        SettingDefinition(self.0.definition.clone())
    }

    /// Set for PROJECT and PROJECT_USER settings.
    async fn project_id(&self) -> Option<ID> {
        self.0.project_id.map(|id| ID(id.to_string()))
    }

    /// Set for PROJECT_USER and USER settings.
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(|id| ID(id.to_string()))
    }

    /// Typed per definition.type; the default when unset. Null for a secret unless
    /// the viewer is a superuser.
    async fn value(&self) -> Option<Json<Value>> {
        self.0.value.clone().map(Json)
    }

    /// Nothing is stored: the value is the definition's default.
    async fn is_default(&self) -> bool {
        self.0.is_default
    }
}

fn optional_id(id: Option<&ID>, what: &str) -> Result<Option<uuid::Uuid>> {
    Ok(id.map(|id| parse_id(id, what)).transpose()?)
}

#[derive(Default)]
pub struct SettingQuery;

#[Object]
impl SettingQuery {
    /// Every setting definition, or those of one scope.
    async fn setting_definitions(
        &self,
        ctx: &Context<'_>,
        scope: Option<SettingScope>,
    ) -> Result<Vec<SettingDefinition>> {
        let definitions = domain::definitions(state(ctx)?, viewer(ctx), scope.map(Into::into))?;
        Ok(definitions.into_iter().map(SettingDefinition).collect())
    }

    /// One of the viewer's USER settings (superusers: any user's, with userId).
    async fn user_setting(
        &self,
        ctx: &Context<'_>,
        namespace: String,
        name: String,
        user_id: Option<ID>,
    ) -> Result<Setting> {
        let user_id = optional_id(user_id.as_ref(), "user")?;
        Ok(Setting(
            domain::user_setting(state(ctx)?, viewer(ctx), &namespace, &name, user_id).await?,
        ))
    }

    /// A user's PROJECT_USER setting in a project: the viewer's own, or with userId
    /// (superusers, and the project's OWNER and DELEGATEs) someone else's.
    async fn project_user_setting(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        namespace: String,
        name: String,
        user_id: Option<ID>,
    ) -> Result<Setting> {
        let project_id = parse_id(&project_id, "project")?;
        let user_id = optional_id(user_id.as_ref(), "user")?;
        Ok(Setting(
            domain::project_user_setting(
                state(ctx)?,
                viewer(ctx),
                project_id,
                &namespace,
                &name,
                user_id,
            )
            .await?,
        ))
    }
}

#[derive(Default)]
pub struct SettingMutation;

#[Object]
impl SettingMutation {
    /// Sets a PROJECT setting (MANAGE_SETTINGS; superusers only when not
    /// userModifiable).
    async fn set_project_setting(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        namespace: String,
        name: String,
        value: Json<Value>,
    ) -> Result<Setting> {
        let project_id = parse_id(&project_id, "project")?;
        Ok(Setting(
            domain::set_project_setting(
                state(ctx)?,
                viewer(ctx),
                project_id,
                &namespace,
                &name,
                value.0,
            )
            .await?,
        ))
    }

    /// Sets the viewer's own PROJECT_USER setting in a project (superusers: anyone's,
    /// with userId).
    async fn set_project_user_setting(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        namespace: String,
        name: String,
        value: Json<Value>,
        user_id: Option<ID>,
    ) -> Result<Setting> {
        let project_id = parse_id(&project_id, "project")?;
        let user_id = optional_id(user_id.as_ref(), "user")?;
        Ok(Setting(
            domain::set_project_user_setting(
                state(ctx)?,
                viewer(ctx),
                project_id,
                &namespace,
                &name,
                value.0,
                user_id,
            )
            .await?,
        ))
    }

    /// Removes a stored value so that the default applies again. The definition's
    /// scope says what to give: projectId for PROJECT, projectId (and userId) for
    /// PROJECT_USER, nothing (or userId) for USER. Who may: as for setting it.
    async fn reset_setting(
        &self,
        ctx: &Context<'_>,
        namespace: String,
        name: String,
        project_id: Option<ID>,
        user_id: Option<ID>,
    ) -> Result<Setting> {
        let project_id = optional_id(project_id.as_ref(), "project")?;
        let user_id = optional_id(user_id.as_ref(), "user")?;
        Ok(Setting(
            domain::reset(
                state(ctx)?,
                viewer(ctx),
                &namespace,
                &name,
                project_id,
                user_id,
            )
            .await?,
        ))
    }

    /// Sets one of the viewer's USER settings (superusers: anyone's, with userId).
    async fn set_user_setting(
        &self,
        ctx: &Context<'_>,
        namespace: String,
        name: String,
        value: Json<Value>,
        user_id: Option<ID>,
    ) -> Result<Setting> {
        let user_id = optional_id(user_id.as_ref(), "user")?;
        Ok(Setting(
            domain::set_user_setting(
                state(ctx)?,
                viewer(ctx),
                &namespace,
                &name,
                value.0,
                user_id,
            )
            .await?,
        ))
    }
}
