//! Talking to the DWS and IAM APIs: wire types, request signing, the live state, and the
//! HTTP client with its auth and retries.
//!
//! `config` (with `clouds` and `endpoints`) says where the cloud is and who we are; `auth`
//! turns that into tokens or signatures; `transport` sends one request with the retry rules of
//! `retry`; `client` offers one typed method per API call; `error` says what went wrong;
//! `state` says what a cluster's or snapshot's live state means (for the planner and the
//! executor alike).

pub mod auth;
pub mod body;
pub mod client;
pub mod clouds;
pub mod config;
pub mod cron;
pub mod endpoints;
pub mod error;
pub mod live;
pub mod observe;
pub mod ops;
pub mod policy;
pub mod redact;
pub mod retry;
pub mod routes;
pub mod rules;
pub mod sign;
pub mod sim_probe;
pub mod state;
pub mod tags;
pub mod transport;
pub mod wire;

pub use client::Client;
pub use config::ClientConfig;
pub use error::ApiError;
pub use live::Live;
