//! Ctrl-C and SIGTERM during an apply: the first stops the run cooperatively, the second
//! exits at once.
//!
//! The first signal flips a watch channel that the scheduler observes: nothing new starts,
//! waits end, and the report lists what is still running in the cloud (it carries on; the
//! next run waits for it). A run that does not come back in time must not hold the user
//! hostage, so a second signal ends the process immediately with exit code 130.

use tokio::sync::watch;

/// The exit code of an interrupted run.
pub const EXIT_INTERRUPTED: i32 = 130;

/// Installs the handlers and returns the receiver `Options::interrupt` expects. `notice` is
/// called once per signal with a line for the user (the CLI's status printer).
pub fn listen(notice: fn(&str)) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        if !next_signal().await {
            return;
        }
        tx.send_replace(true);
        notice(
            "Interrupt received: starting nothing new; operations already running in the cloud \
             continue. Press Ctrl-C again to exit at once.",
        );
        if next_signal().await {
            notice("Second interrupt: exiting now.");
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
    rx
}

/// Waits for Ctrl-C or SIGTERM; false if no handler could be installed.
#[cfg(unix)]
async fn next_signal() -> bool {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        return tokio::signal::ctrl_c().await.is_ok();
    };
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.is_ok(),
        received = terminate.recv() => received.is_some(),
    }
}

#[cfg(not(unix))]
async fn next_signal() -> bool {
    tokio::signal::ctrl_c().await.is_ok()
}
