//! The transactional outbox: an email is written in the same transaction as the
//! change that causes it, and a background sender delivers it, retrying with backoff
//! until it goes through. Nothing is lost across a restart.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbound_emails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub to_address: String,
    pub subject: String,
    /// Cleared once sent. A one-time secret is never part of them: where the link
    /// goes, they hold a placeholder filled in at send time from `sealed_secret`.
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    /// The message's one-time secret, encrypted (see `roster::mail`); cleared once sent.
    pub sealed_secret: Option<String>,
    pub created_at: DateTimeUtc,
    pub attempts: i32,
    /// When the sender may try next; also the lease of a sender that claimed it.
    pub next_attempt_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
