//! E-mail: the reminder digest, written in the reader's language from a template per language,
//! and sent over SMTP by a job handler of the durable queue (`app::jobs`).

mod digest;

pub use digest::{Rendered, render_digest};

use app::App;
use app::jobs::JobHandler;
use app::reminders::{DIGEST_JOB, DigestJob};
use domain::job::Job;
use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// Why the mail settings are not usable.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("smtp_url: {0}")]
    Url(String),
    #[error("mail_from: {0}")]
    From(String),
}

/// Where e-mail goes and whom it is from.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The address people open Styrbord at, for links (`https://styrbord.region.se`).
    public_url: String,
}

impl Mailer {
    /// `smtp_url`: `smtp://host:25` (plain, for a relay on the local network), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465`. `from`: `Styrbord <styrbord@region.se>`.
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> Result<Self, SettingsError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| SettingsError::Url(e.to_string()))?
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| SettingsError::From(e.to_string()))?;
        Ok(Self {
            transport,
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// Sends reminder digests: the job names a person and a day; what the digest lists is read when
/// it is sent.
pub struct DigestSender {
    pub app: App,
    pub mailer: Mailer,
}

const KINDS: [&str; 1] = [DIGEST_JOB];

#[async_trait::async_trait]
impl JobHandler for DigestSender {
    async fn run(&self, job: &Job) -> Result<(), String> {
        let payload: DigestJob =
            serde_json::from_value(job.payload.clone()).map_err(|e| format!("payload: {e}"))?;
        let Some(digest) = self.app.digest(&payload).await.map_err(|e| e.to_string())? else {
            tracing::info!(job = %job.id, user = %payload.user, "nothing to remind of any more");
            return Ok(());
        };
        let to: Mailbox = format!(
            "{} <{}>",
            digest.user.name.replace(['<', '>', '"'], ""),
            digest.user.email
        )
        .parse()
        .or_else(|_| digest.user.email.parse())
        .map_err(|e: lettre::address::AddressError| {
            format!("address {}: {e}", digest.user.email)
        })?;
        let rendered = render_digest(&digest, &self.mailer.public_url);
        let message = Message::builder()
            .from(self.mailer.from.clone())
            .to(to)
            .subject(rendered.subject)
            // The same job sent twice (a worker that died after sending) is one message to the reader's client.
            .message_id(Some(format!("<{}.{}@styrbord>", DIGEST_JOB, job.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(rendered.text)
            .map_err(|e| format!("message: {e}"))?;
        self.mailer.send(message).await?;
        tracing::info!(job = %job.id, user = %payload.user, items = digest.items.len(), "reminder digest sent");
        Ok(())
    }

    fn kinds(&self) -> Option<&[&str]> {
        Some(&KINDS)
    }
}
