//! Decoders for the rows that the hot paths read by the hundred (chains, members,
//! users). Nullable columns are read through sqlx directly: sea-orm reads a NULL
//! into an `Option` by first building an error that names the column (a `format!`
//! escaping the name), which was an eighth of a dashboard's instructions and of a
//! check's.

use entity::{project, role_assignment, user};
use sea_orm::{
    ActiveEnum, DbErr, QueryResult, RuntimeErr, TryGetable,
    sea_query::{Expr, SelectStatement},
    sqlx::{Decode, Postgres, Row, Sqlite, Type},
};

/// The value of a nullable column of a PostgreSQL or SQLite row.
pub fn nullable<T>(row: &QueryResult, column: &str) -> Result<Option<T>, DbErr>
where
    T: for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> Decode<'r, Sqlite> + Type<Sqlite>,
    Option<T>: TryGetable,
{
    let decoded = if let Some(row) = row.try_as_pg_row() {
        row.try_get(column)
    } else if let Some(row) = row.try_as_sqlite_row() {
        row.try_get(column)
    } else {
        return row.try_get("", column);
    };
    decoded.map_err(|error| DbErr::Query(RuntimeErr::SqlxError(error.into())))
}

/// The value of a nullable column holding an enumeration stored as its string.
pub fn nullable_enum<E>(row: &QueryResult, column: &str) -> Result<Option<E>, DbErr>
where
    E: ActiveEnum<Value = String>,
{
    nullable::<String>(row, column)?
        .map(|value| E::try_from_value(&value))
        .transpose()
}

/// A project from the columns of `projects` in a row (no prefix).
pub fn project(row: &QueryResult) -> Result<project::Model, DbErr> {
    Ok(project::Model {
        id: row.try_get("", "id")?,
        title: row.try_get("", "title")?,
        title_key: row.try_get("", "title_key")?,
        project_type: row.try_get("", "project_type")?,
        parent_id: nullable(row, "parent_id")?,
        description: nullable(row, "description")?,
        readme: nullable(row, "readme")?,
        public_access: nullable_enum(row, "public_access")?,
        archived: row.try_get("", "archived")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
    })
}

/// A role assignment from the columns of `role_assignments` in a row (no prefix).
pub fn assignment(row: &QueryResult) -> Result<role_assignment::Model, DbErr> {
    Ok(role_assignment::Model {
        id: row.try_get("", "id")?,
        project_id: row.try_get("", "project_id")?,
        user_id: row.try_get("", "user_id")?,
        role: row.try_get("", "role")?,
        expires_at: nullable(row, "expires_at")?,
        email_shared: row.try_get("", "email_shared")?,
        self_granted: row.try_get("", "self_granted")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
    })
}

/// The names under which a row holds the columns of `users` that `role_assignments`
/// also has; the other columns of `users` keep their own names.
pub struct UserColumns {
    id: &'static str,
    created_at: &'static str,
    updated_at: &'static str,
}

/// A row of `users` alone.
const USER: UserColumns = UserColumns {
    id: "id",
    created_at: "created_at",
    updated_at: "updated_at",
};

/// A member's account beside its assignment (`select_member_user`): the id is the
/// assignment's `user_id`.
pub const MEMBER_USER: UserColumns = UserColumns {
    id: "user_id",
    created_at: "user_created_at",
    updated_at: "user_updated_at",
};

/// Selects, from `users` joined under the alias `users`, the columns that
/// `user_at(row, &MEMBER_USER)` reads beside an assignment's.
pub fn select_member_user(statement: &mut SelectStatement, users: &'static str) {
    for column in [
        "username",
        "email",
        "email_verified",
        "pending_email",
        "name",
        "password_hash",
        "is_superuser",
        "is_system",
        "is_active",
        "session_epoch",
    ] {
        statement.column((users, column));
    }
    statement
        .expr_as(Expr::col((users, "created_at")), MEMBER_USER.created_at)
        .expr_as(Expr::col((users, "updated_at")), MEMBER_USER.updated_at);
}

/// A user from the columns of `users` in a row (no prefix).
pub fn user(row: &QueryResult) -> Result<user::Model, DbErr> {
    user_at(row, &USER)
}

/// A user from a row that holds the columns of `users` under `columns`' names.
pub fn user_at(row: &QueryResult, columns: &UserColumns) -> Result<user::Model, DbErr> {
    Ok(user::Model {
        id: row.try_get("", columns.id)?,
        username: row.try_get("", "username")?,
        email: row.try_get("", "email")?,
        email_verified: row.try_get("", "email_verified")?,
        pending_email: nullable(row, "pending_email")?,
        name: row.try_get("", "name")?,
        password_hash: row.try_get("", "password_hash")?,
        is_superuser: row.try_get("", "is_superuser")?,
        is_system: row.try_get("", "is_system")?,
        is_active: row.try_get("", "is_active")?,
        session_epoch: row.try_get("", "session_epoch")?,
        created_at: row.try_get("", columns.created_at)?,
        updated_at: row.try_get("", columns.updated_at)?,
    })
}

#[cfg(test)]
mod tests {
    use entity::role_assignment::Role;
    use sea_orm::{ConnectionTrait, Database, Statement};
    use uuid::Uuid;

    use super::*;

    #[tokio::test]
    async fn nullable_columns_read_as_none_or_their_value() {
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        let id = Uuid::now_v7();
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT NULL AS no_text, 'OWNER' AS role, NULL AS no_role, 'KING' AS bad_role, ? AS id",
                [id.into()],
            ))
            .await
            .expect("query")
            .expect("a row");
        assert_eq!(nullable::<String>(&row, "no_text").expect("null"), None);
        assert_eq!(
            nullable_enum::<Role>(&row, "role").expect("role"),
            Some(Role::Owner)
        );
        assert_eq!(
            nullable_enum::<Role>(&row, "no_role").expect("null role"),
            None
        );
        assert!(nullable_enum::<Role>(&row, "bad_role").is_err());
        assert_eq!(nullable::<Uuid>(&row, "id").expect("uuid"), Some(id));
        assert!(nullable::<String>(&row, "not_selected").is_err());
    }
}
