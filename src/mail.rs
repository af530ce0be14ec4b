//! Outgoing email through a transactional outbox. `enqueue` writes the message in
//! the caller's transaction, so it exists exactly when the change that caused it
//! does; `Sender` delivers due messages over SMTP, retrying with backoff, and claims
//! each one first so that several instances never send the same message twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbound_email;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use tokio::sync::watch;
use uuid::Uuid;

use crate::{error::AppResult, state::AppState};

/// A message to send.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues an email on the caller's connection (normally the mutation's transaction).
/// Call `state.mail_queued.notify_one()` after the commit to send it at once.
pub async fn enqueue(conn: &impl ConnectionTrait, state: &AppState, email: Email) -> AppResult<()> {
    let now = state.clock.now();
    outbound_email::ActiveModel {
        id: Set(Uuid::now_v7()),
        to_address: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        body_text: Set(Some(email.text)),
        body_html: Set(Some(email.html)),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        last_error: Set(None),
    }
    .insert(conn)
    .await?;
    if state.config.smtp_url.is_none() {
        // The bodies hold the secret; only the envelope is logged.
        tracing::info!(to = %email.to, subject = %email.subject, "email queued; no SMTP server is configured (ROSTER_SMTP_URL), so it stays in the outbox");
    }
    Ok(())
}

/// How long a claimed message is reserved for the sender that claimed it.
const CLAIM_LEASE: Duration = Duration::from_secs(300);
/// Messages handled per look at the outbox.
const BATCH: u64 = 20;
const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

/// Delivers due messages from the outbox.
pub struct Sender {
    state: AppState,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Sender {
    /// A sender for the configured SMTP server; None when there is none.
    pub fn from_config(state: &AppState) -> anyhow::Result<Option<Self>> {
        let Some(url) = &state.config.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| anyhow::anyhow!("ROSTER_SMTP_URL: {error}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = state
            .config
            .mail_from
            .parse()
            .map_err(|error| anyhow::anyhow!("ROSTER_MAIL_FROM: {error}"))?;
        Ok(Some(Self {
            state: state.clone(),
            transport,
            from,
        }))
    }

    /// Sends what is due whenever email is queued or the poll interval passes,
    /// until `stop` changes.
    pub async fn run(self, mut stop: watch::Receiver<()>) {
        let poll = Duration::from_secs(self.state.config.mail_poll_secs);
        loop {
            if let Err(error) = self.send_due().await {
                tracing::warn!(error = %error, "email delivery round failed");
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = self.state.mail_queued.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// One round: claims and sends every message that is due now.
    pub async fn send_due(&self) -> AppResult<usize> {
        let db = &self.state.db;
        let now = self.state.clock.now();
        let due = outbound_email::Entity::find()
            .filter(outbound_email::Column::SentAt.is_null())
            .filter(outbound_email::Column::NextAttemptAt.lte(now))
            .order_by_asc(outbound_email::Column::NextAttemptAt)
            .limit(BATCH)
            .all(db)
            .await?;
        let mut sent = 0;
        for message in due {
            if !self.claim(&message, now).await? {
                continue;
            }
            let attempts = message.attempts + 1;
            match self.deliver(&message).await {
                Ok(()) => {
                    sent += 1;
                    let mut done: outbound_email::ActiveModel = message.into();
                    done.sent_at = Set(Some(self.state.clock.now()));
                    done.attempts = Set(attempts);
                    done.body_text = Set(None);
                    done.body_html = Set(None);
                    done.last_error = Set(None);
                    done.update(db).await?;
                }
                Err(error) => {
                    tracing::warn!(email = %message.id, attempt = attempts, error = %error, "email delivery failed; will retry");
                    let retry_at = self.retry_at(attempts);
                    let mut failed: outbound_email::ActiveModel = message.into();
                    failed.attempts = Set(attempts);
                    failed.next_attempt_at = Set(retry_at);
                    failed.last_error = Set(Some(error.to_string()));
                    failed.update(db).await?;
                }
            }
        }
        Ok(sent)
    }

    /// Reserves a message for this sender; false when another got it first.
    async fn claim(&self, message: &outbound_email::Model, now: DateTime<Utc>) -> AppResult<bool> {
        let lease = chrono::Duration::from_std(CLAIM_LEASE).unwrap_or_default();
        let claimed = outbound_email::Entity::update_many()
            .col_expr(
                outbound_email::Column::NextAttemptAt,
                Expr::value(now + lease),
            )
            .filter(outbound_email::Column::Id.eq(message.id))
            .filter(outbound_email::Column::Attempts.eq(message.attempts))
            .filter(outbound_email::Column::SentAt.is_null())
            .filter(Expr::col(outbound_email::Column::NextAttemptAt).lte(now))
            .exec(&self.state.db)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    fn retry_at(&self, attempts: i32) -> DateTime<Utc> {
        let base = Duration::from_secs(self.state.config.mail_retry_secs);
        let factor = 2u32.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0));
        let delay = base.saturating_mul(factor).min(MAX_RETRY_DELAY);
        self.state.clock.now() + chrono::Duration::from_std(delay).unwrap_or_default()
    }

    async fn deliver(&self, message: &outbound_email::Model) -> anyhow::Result<()> {
        let email = Message::builder()
            .from(self.from.clone())
            .to(message.to_address.parse()?)
            .subject(message.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                message.body_text.clone().unwrap_or_default(),
                message.body_html.clone().unwrap_or_default(),
            ))?;
        self.transport.send(email).await?;
        Ok(())
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
