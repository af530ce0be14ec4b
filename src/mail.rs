//! Outgoing email through a transactional outbox. `enqueue` writes the message in
//! the caller's transaction, so it exists exactly when the change that caused it
//! does; `Sender` delivers due messages over SMTP, retrying with backoff, and claims
//! each one first so that several instances never send the same message twice.
//!
//! No secret is stored in the clear, not even here: a message's one-time secret is
//! sealed (`auth::seal`) in its own column, and the bodies hold `SECRET` where it
//! goes; `render` fills it in at send time. Bodies and seal are cleared once sent.

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

/// Where a message's secret goes in its bodies. Control characters are refused in
/// every text a user can put into an email, so no user text can contain it.
pub const SECRET: &str = "\u{1}secret\u{1}";

/// A message to send.
pub struct Email {
    pub to: String,
    pub subject: String,
    /// Bodies that hold `SECRET` wherever `secret` belongs.
    pub text: String,
    pub html: String,
    /// The one-time secret of the message's link, if it has one.
    pub secret: Option<String>,
}

/// Queues an email on the caller's connection (normally the mutation's transaction).
/// Call `state.mail_queued.notify_one()` after the commit to send it at once.
pub async fn enqueue(conn: &impl ConnectionTrait, state: &AppState, email: Email) -> AppResult<()> {
    let now = state.clock.now();
    let id = Uuid::now_v7();
    let sealed_secret = email
        .secret
        .as_deref()
        .map(|secret| state.sealer.seal(id.as_bytes(), secret))
        .transpose()?;
    outbound_email::ActiveModel {
        id: Set(id),
        to_address: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        body_text: Set(Some(email.text)),
        body_html: Set(Some(email.html)),
        sealed_secret: Set(sealed_secret),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        last_error: Set(None),
    }
    .insert(conn)
    .await?;
    if state.config.smtp_url.is_none() {
        // Only the envelope is logged: never a body, never a link.
        tracing::info!(to = %email.to, subject = %email.subject, "email queued; no SMTP server is configured (ROSTER_SMTP_URL), so it stays in the outbox");
    }
    Ok(())
}

/// The text and HTML bodies of a queued message as they are sent, its secret
/// filled in.
pub fn render(
    state: &AppState,
    message: &outbound_email::Model,
) -> anyhow::Result<(String, String)> {
    let text = message.body_text.clone().unwrap_or_default();
    let html = message.body_html.clone().unwrap_or_default();
    let Some(sealed) = &message.sealed_secret else {
        return Ok((text, html));
    };
    let secret = state.sealer.open(message.id.as_bytes(), sealed)?;
    Ok((text.replace(SECRET, &secret), html.replace(SECRET, &secret)))
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
                    done.sealed_secret = Set(None);
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
        let (text, html) = render(&self.state, message)?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(message.to_address.parse()?)
            .subject(message.subject.clone())
            .multipart(MultiPart::alternative_plain_html(text, html))?;
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
