//! The spec: YAML files → `RawSpec` (with spans) → validated, resolved [`Desired`] state.

pub mod desired;

pub use desired::{
    DeletePolicy, Desired, DesiredCluster, DesiredSnapshot, Origin, Ownership, Presence,
    PublicIpSpec,
};
