//! The executor: runs a `Plan` in dependency order against the API and reports.
//!
//! [`execute`] is generic over [`Cloud`] (the calls execution needs), so the scheduling,
//! polling and outcome-resolution logic is tested against an in-memory fake in virtual time
//! and runs against the HTTP client in production. The executor makes no decision the plan
//! did not record: it only orders steps, resolves names to ids, and observes the cloud.

mod bodies;
pub mod cloud;
mod coordinators;
mod ctx;
mod ended;
pub mod events;
pub mod expect;
mod find;
mod gate;
mod http_cloud;
mod lease;
mod mutate;
pub mod options;
mod policy;
mod poller;
mod power;
pub mod report;
mod schedule;
mod scheduler;
mod send;
mod settings;
mod step;
mod verify;
mod waits;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use cloud::{Cloud, CloudError};
pub use ctx::stopped;
pub use events::{Event, Events, NoEvents};
pub use options::{FingerprintFn, Options, Timeouts};
pub use report::{Counts, Outcome, Report, RunStatus, StepReport};
pub use scheduler::{check, execute, BlockedStep, ExecError};
