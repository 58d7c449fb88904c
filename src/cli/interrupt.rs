//! Ctrl-C and SIGTERM during an apply: the first stops the run cooperatively, the second
//! ends it at once.
//!
//! Signals are the process's business, so they are handled here and not in the executor. The
//! first signal flips the watch channel that `exec::Options::interrupt` carries: nothing new
//! starts, waits end, and the executor returns its report (status interrupted), listing what
//! is still running in the cloud. A run that does not come back in time must not hold the
//! user hostage, so `apply` races the run against [`Interrupts::second`] and, when the second
//! signal wins, drops the run and ends with the interrupted kind; the exit code (130) comes
//! from `error::exit_code` like every other.

use tokio::sync::watch;

/// The signals of one run, as two flags that only ever turn true.
pub struct Interrupts {
    first: watch::Receiver<bool>,
    second: watch::Receiver<bool>,
}

/// Installs the handlers. `notice` is called once per signal with a line for the user (the
/// CLI's status printer).
pub fn listen(notice: fn(&str)) -> Interrupts {
    let (first_tx, first) = watch::channel(false);
    let (second_tx, second) = watch::channel(false);
    // Registered now, not when the task first runs: a signal that arrives in between would
    // otherwise get the default action and kill the process without the cooperative stop.
    let mut signals = Signals::install();
    tokio::spawn(async move {
        if !signals.next().await {
            return;
        }
        first_tx.send_replace(true);
        notice(
            "Interrupt received: starting nothing new; operations already running in the cloud \
             continue. Press Ctrl-C again to exit at once.",
        );
        if signals.next().await {
            notice("Second interrupt: exiting now.");
            second_tx.send_replace(true);
        }
    });
    Interrupts { first, second }
}

impl Interrupts {
    /// The receiver `exec::Options::interrupt` expects: true from the first signal on.
    pub fn first(&self) -> watch::Receiver<bool> {
        self.first.clone()
    }

    /// Resolves on the second signal (never, if the handlers are gone).
    pub async fn second(&self) {
        crate::exec::stopped(&mut self.second.clone()).await;
    }
}

/// Runs `work` until it ends or the first interrupt comes, whichever is first; `None` means
/// interrupted. For the calls before execution (token, listing): a hung endpoint must not
/// hold the user for the length of a request timeout and its retries, and since nothing has
/// been sent yet, dropping the call loses nothing.
pub async fn unless_interrupted<T>(
    interrupts: Option<&Interrupts>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    let Some(interrupts) = interrupts else {
        return Some(work.await);
    };
    let mut first = interrupts.first();
    tokio::select! {
        done = work => Some(done),
        _ = crate::exec::stopped(&mut first) => None,
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
