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
    // Registered now, not when the task first runs: a signal that arrives in between would
    // otherwise get the default action and kill the process without the cooperative stop.
    let mut signals = Signals::install();
    tokio::spawn(async move {
        if !signals.next().await {
            return;
        }
        tx.send_replace(true);
        notice(
            "Interrupt received: starting nothing new; operations already running in the cloud \
             continue. Press Ctrl-C again to exit at once.",
        );
        if signals.next().await {
            notice("Second interrupt: exiting now.");
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
    rx
}

/// Runs `work` until it ends or the first interrupt comes, whichever is first; `None` means
/// interrupted. For the calls before execution (token, listing): a hung endpoint must not
/// hold the user for the length of a request timeout and its retries, and since nothing has
/// been sent yet, dropping the call loses nothing.
pub async fn unless_interrupted<T>(
    interrupt: Option<&watch::Receiver<bool>>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    let Some(interrupt) = interrupt else {
        return Some(work.await);
    };
    let mut interrupt = interrupt.clone();
    tokio::select! {
        done = work => Some(done),
        _ = super::ctx::stopped(&mut interrupt) => None,
    }
}

/// Ctrl-C and SIGTERM, with their handlers installed.
#[cfg(unix)]
struct Signals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        Self {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Waits for Ctrl-C or SIGTERM; false if no handler could be installed.
    async fn next(&mut self) -> bool {
        async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) -> bool {
            match signal {
                Some(signal) => signal.recv().await.is_some(),
                None => std::future::pending().await,
            }
        }
        if self.interrupt.is_none() && self.terminate.is_none() {
            return false;
        }
        tokio::select! {
            received = recv(&mut self.interrupt) => received,
            received = recv(&mut self.terminate) => received,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Self {
        Self
    }

    async fn next(&mut self) -> bool {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
