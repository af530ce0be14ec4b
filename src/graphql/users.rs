//! Users: the `User` type, `me`, `user`, `users` and the account mutations.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::user;

use super::{
    connection::{Connection, connection, page_args},
    loaders::CoMemberLoader,
    parse_id, state, viewer,
};
use crate::{
    access,
    auth::Viewer,
    domain::{
        users::{self as domain, NewUser, UserChanges, UserFilter},
        verification,
    },
};

/// A person or system account.
pub struct User {
    model: user::Model,
    /// Set when the account is the one just signed in (login, refresh), whose
    /// request carried no credentials yet.
    signed_in_as: Option<Viewer>,
}

impl User {
    pub fn new(model: user::Model) -> Self {
        Self {
            model,
            signed_in_as: None,
        }
    }

    /// The account of a session that is being handed out.
    pub fn of_new_session(model: user::Model) -> Self {
        let viewer = Viewer::signed_in(model.clone());
        Self {
            model,
            signed_in_as: Some(viewer),
        }
    }
}

impl User {
    /// Whether the viewer may read this user's email (`access::may_see_email`).
    pub async fn may_see_email(&self, ctx: &Context<'_>) -> Result<bool> {
        let viewer = self.signed_in_as.as_ref().unwrap_or_else(|| viewer(ctx));
        // Only ask the database when nothing else already decides.
        let shares_a_project = !access::may_see_email(viewer, self.model.id, false)
            && viewer.user().is_some()
            && CoMemberLoader::load(ctx, self.model.id).await?;
        Ok(access::may_see_email(
            viewer,
            self.model.id,
            shares_a_project,
        ))
    }

    pub fn model(&self) -> &user::Model {
        &self.model
    }

    fn may_see_account_state(&self, ctx: &Context<'_>) -> bool {
        let viewer = self.signed_in_as.as_ref().unwrap_or_else(|| viewer(ctx));
        access::may_see_account_state(viewer, self.model.id)
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// Unique, lower-case.
    async fn username(&self) -> &str {
        &self.model.username
    }

    /// Null unless the viewer is this user, a superuser, or a member of a project
    /// this user joined by their own act (or was assigned to by a superuser).
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self
            .may_see_email(ctx)
            .await?
            .then_some(self.model.email.as_str()))
    }

    /// An address waiting for confirmation; self and superusers only, else null.
    async fn pending_email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.may_see_account_state(ctx)
            .then_some(self.model.pending_email.as_deref())
            .flatten()
    }

    /// Whether `email` is proven; self and superusers only, else null.
    async fn email_verified(&self, ctx: &Context<'_>) -> Option<bool> {
        self.may_see_account_state(ctx)
            .then_some(self.model.email_verified)
    }

    async fn name(&self) -> &str {
        &self.model.name
    }

    async fn is_superuser(&self) -> bool {
        self.model.is_superuser
    }

    /// System accounts (services, robots) are hidden from `users` by default.
    async fn is_system(&self) -> bool {
        self.model.is_system
    }

    async fn is_active(&self) -> bool {
        self.model.is_active
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user; null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let viewer = viewer(ctx);
        viewer.reject_invalid()?;
        Ok(viewer.user().cloned().map(User::new))
    }

    /// One account, for any signed-in viewer.
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let id = parse_id(&id, "user")?;
        Ok(Some(User::new(
            domain::get(state(ctx)?, viewer(ctx), id).await?,
        )))
    }

    /// Accounts ordered by username. System accounts only for superusers who ask.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + super::limits::LIST_FIELD_COST"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        #[graphql(default_with = "Some(false)")] include_system_users: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<User>> {
        let page = page_args(ctx, first, after)?;
        let filter = UserFilter {
            search,
            include_system_users: include_system_users.unwrap_or(false),
        };
        let page = domain::list(state(ctx)?, viewer(ctx), filter, page).await?;
        Ok(connection(page, |user| user.username.clone(), User::new))
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    username: String,
    email: String,
    name: Option<String>,
    password: String,
    #[graphql(default_with = "Some(false)")]
    is_superuser: Option<bool>,
    #[graphql(default_with = "Some(false)")]
    is_system: Option<bool>,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    email: Option<String>,
    name: Option<String>,
    password: Option<String>,
    /// Required when users change their own email or password this way.
    current_password: Option<String>,
    is_superuser: Option<bool>,
    is_active: Option<bool>,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates an account (superusers only).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let input = NewUser {
            username: input.username,
            email: input.email,
            name: input.name,
            password: input.password,
            is_superuser: input.is_superuser.unwrap_or(false),
            is_system: input.is_system.unwrap_or(false),
        };
        Ok(User::new(
            domain::create(state(ctx)?, viewer(ctx), input).await?,
        ))
    }

    /// Changes an account. Superusers may change anything; users their own name,
    /// email and password, the last two with `currentPassword`. A user's own new
    /// email stays `pendingEmail` until the link sent to it is used. Deactivating or
    /// setting a password ends the user's sessions.
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let id = parse_id(&id, "user")?;
        let changes = UserChanges {
            email: input.email,
            name: input.name,
            password: input.password,
            current_password: input.current_password,
            is_superuser: input.is_superuser,
            is_active: input.is_active,
        };
        Ok(User::new(
            domain::update(state(ctx)?, viewer(ctx), id, changes).await?,
        ))
    }

    /// Confirms a pending email change with the secret from the verification email.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> Result<User> {
        let client = ctx.data::<crate::app::ClientAddr>()?.0;
        Ok(User::new(
            verification::verify(state(ctx)?, &token, client).await?,
        ))
    }

    /// Sends the verification email for the viewer's pending address again, with a
    /// new link. False when no address is pending.
    async fn resend_email_verification(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(verification::resend(state(ctx)?, viewer(ctx)).await?)
    }

    /// Deletes an account (superusers only); refused while the user owns a project.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        let id = parse_id(&id, "user")?;
        Ok(User::new(
            domain::delete(state(ctx)?, viewer(ctx), id).await?,
        ))
    }
}
