//! Planning: `diff(Desired, Live) → Plan`, a pure and deterministic function.

pub mod model;

pub use model::*;
