//! Planning: `diff(Desired, Live) → Plan`, a pure and deterministic function, the fingerprints
//! that let `apply PLAN` re-check a saved plan, and reading plan files.
//!
//! The rules live by noun: [`origin`] (create, restore), [`cluster`] (update, wait, delete),
//! [`inplace`] (what
//! an existing cluster can change in place and what it cannot), [`snapshot`] (take, wait,
//! delete, restore from, final snapshots), [`status`] (what each live status allows),
//! [`settings`] (security group and EIP changed in place).

mod changes;
pub(crate) mod cluster;
mod coordinators;
mod diff;
mod fingerprint;
mod hash;
mod impact;
mod index;
mod inplace;
pub mod model;
mod origin;
mod planfile;
pub mod policy;
mod power;
pub mod procedure;
mod provenance;
mod record;
pub mod secrets;
mod settings;
mod snapshot;
mod status;
pub mod window;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

pub use diff::diff;
pub use fingerprint::{fingerprint, is_stopped, is_stopped_status, what_moved};
pub use hash::{canonical_json, parse_plan_hash, plan_hash, PLAN_HASH_PREFIX};
pub use inplace::MIN_SCALE_OUT;
pub use model::*;
pub use planfile::{check_spec_digest, load_plan_file, save_plan_file, to_json, PlanFileError};
pub use snapshot::final_snapshot_name;
