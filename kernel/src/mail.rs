//! Outgoing mail (invitations) through the operator's SMTP server, with
//! `lettre`: a maintained SMTP client that does STARTTLS, authentication
//! and correct message encoding, none of which is worth writing by hand.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpConfig;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("`{address}` is not a valid mail address")]
    Address { address: String },
    #[error("`tls` must be `none` or `starttls`, not `{0}`")]
    Tls(String),
    #[error("cannot set up the SMTP connection: {0}")]
    Setup(String),
    #[error("the mail server did not accept the message: {0}")]
    Send(String),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address.trim().parse().map_err(|_| MailError::Address {
        address: address.to_owned(),
    })
}

impl Mailer {
    pub fn new(config: &SmtpConfig) -> Result<Mailer, MailError> {
        let builder = match config.tls.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|error| MailError::Setup(error.to_string()))?,
            other => return Err(MailError::Tls(other.to_owned())),
        };
        let mut builder = builder.port(config.port);
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: mailbox(&config.from)?,
        })
    }

    /// Sends a plain-text message to one recipient.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox(to)?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|error| MailError::Send(error.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| MailError::Send(error.to_string()))
    }
}
