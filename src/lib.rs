//! dwsctl keeps GaussDB(DWS) clusters and snapshots in the state a checked-in YAML spec
//! describes.
//!
//! The crate is laid out along its pipeline (README.md, "Development", has the map):
//!
//! ```text
//! spec files ──▶ spec::load ───────────────────▶ Desired ─┐
//! live API   ──▶ api::client::Client::observe ──▶ Live ────┴▶ plan::diff ──▶ Plan ──▶ render | exec
//! ```
//!
//! Between `plan::diff` and the rest, `preflight` asks the cloud's checks without side
//! effects about the steps that add or remove nodes, and blocks the ones that would fail.
//!
//! `sim` is a faithful simulator of the DWS and IAM APIs that every integration test talks to
//! over loopback; it shares the wire types of `api::wire` and the value rules of
//! `api::rules` with the client and the spec validator.

pub mod api;
pub mod cli;
pub mod exec;
pub mod export;
pub mod files;
pub mod plan;
pub mod preflight;
pub mod render;
pub mod secret;
pub mod sim;
pub mod spec;
pub mod term;
