//! Telling the customer on their screen that they are back in the session
//! after a restart: a desktop notification over the session bus
//! (`org.freedesktop.Notifications`), and always the agent's own line in
//! its terminal, which is what remains where no session bus runs.

use std::time::Duration;

/// How long one try to show the notification may take.
const TRY_FOR: Duration = Duration::from_secs(5);
/// Tries, and the pause between them: right after log-in the desktop's
/// notification service may not be up yet.
const TRIES: u32 = 3;
const PAUSE: Duration = Duration::from_secs(2);

pub const SUMMARY: &str = "Back in your support session";

pub fn body(session: &str) -> String {
    format!("Your computer rejoined support session {session} after the restart.")
}

/// Says it in the terminal at once, and on the desktop in the background.
pub fn back_in_session(session: &str) {
    println!("You are back in support session {session} after the restart.");
    let session = session.to_owned();
    tokio::spawn(async move {
        for attempt in 1..=TRIES {
            match show(&session).await {
                Ok(()) => {
                    tracing::info!(%session, "told the customer on the desktop that they are back");
                    return;
                }
                Err(error) => {
                    tracing::info!(%session, attempt, %error, "no desktop notification");
                }
            }
            tokio::time::sleep(PAUSE).await;
        }
    });
}

async fn show(session: &str) -> Result<(), String> {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Tether")
        .summary(SUMMARY)
        .body(&body(session))
        .icon("dialog-information");
    match tokio::time::timeout(TRY_FOR, notification.show_async()).await {
        Ok(Ok(_handle)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err("the notification service did not answer in time".into()),
    }
}
