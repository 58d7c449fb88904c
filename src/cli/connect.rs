//! Building an API client from the global options and the environment (or an in-process
//! simulator for `--sim`).

use crate::api::client::Client;
use crate::api::config::{self, Flags};
use crate::cli::{CmdError, GlobalArgs};

/// Whether the command may change anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `plan`: every mutating call is refused before it is sent.
    ReadOnly,
    /// `apply`.
    ReadWrite,
}

/// A ready client, and what keeps its simulator alive under `--sim`.
#[derive(Debug)]
pub struct Connection {
    pub client: Client,
    /// Simulated seconds per real second: 1.0 for a real cloud.
    pub time_scale: f64,
    /// Where the client talks to, for progress lines (no secrets).
    pub target: String,
}

/// Connects as `global` and the process environment say.
pub async fn connect(global: &GlobalArgs, access: Access) -> Result<Connection, CmdError> {
    connect_with(global, access, &|name| std::env::var(name).ok()).await
}

/// [`connect`] with an explicit environment (for tests).
pub async fn connect_with(
    global: &GlobalArgs,
    access: Access,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, CmdError> {
    if global.sim.is_some() {
        return Err(CmdError::new(
            crate::cli::Exit::Error,
            miette::miette!(
                "--sim needs the embedded simulator, which this build does not have yet"
            ),
        ));
    }
    let flags = Flags {
        endpoint: global.endpoint.clone(),
        region: global.region.clone(),
        ca_file: global.ca_file.clone(),
        cloud: global.os_cloud.clone(),
    };
    let mut config = config::resolve(&flags, env)?;
    config.read_only = access == Access::ReadOnly;
    let target = config
        .static_endpoint()
        .ok()
        .flatten()
        .or_else(|| config.region.clone())
        .unwrap_or_else(|| "the endpoint of the token's service catalog".to_owned());
    let client = Client::new(config)?;
    Ok(Connection {
        client,
        time_scale: 1.0,
        target,
    })
}
