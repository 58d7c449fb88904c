//! Talking to the DWS and IAM APIs: wire types, request signing, the live state, and the
//! HTTP client with its auth and retries.

pub mod live;
pub mod sign;
pub mod wire;

pub use live::Live;
