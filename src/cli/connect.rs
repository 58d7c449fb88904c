//! Building an API client from the global options and the environment (or an in-process
//! simulator for `--sim`).
//!
//! With `--sim[=STATE]` no credentials are read from the environment at all: the embedded
//! simulator is started on a loopback port, its state kept in `STATE`, and the client logs in
//! with the simulator's default account, so that `plan` and `apply` work on a fresh clone.

use crate::api::client::Client;
use crate::api::config::{self, ClientConfig, Credentials, Flags, NameOrId, PasswordAuth, UserRef};
use crate::api::retry::RetryPolicy;
use crate::api::sim_probe;
use crate::cli::{CliError, CmdError, GlobalArgs};
use crate::secret::Secret;
use crate::sim;

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
    /// The embedded simulator under `--sim`; dropping the connection stops it.
    pub sim: Option<sim::SimHandle>,
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
    if let Some(state_file) = &global.sim {
        return connect_sim(global, access, state_file, env).await;
    }
    let flags = Flags {
        endpoint: global.endpoint.clone(),
        region: global.region.clone(),
        ca_file: global.ca_file.clone(),
        cloud: global.os_cloud.clone().or_else(|| env("OS_CLOUD")),
    };
    let mut config = config::resolve(&flags, env)?;
    config.read_only = access == Access::ReadOnly;
    // Against `dwsctl sim serve`, waits and durations follow the simulator's clock.
    let endpoint = config.static_endpoint().ok().flatten();
    let time_scale = match &endpoint {
        Some(endpoint) => sim_probe::time_scale(endpoint).await,
        None => None,
    };
    config.retry.time_scale = time_scale.unwrap_or(1.0);
    let target = config
        .static_endpoint()
        .ok()
        .flatten()
        .or_else(|| config.region.clone())
        .unwrap_or_else(|| "the endpoint of the token's service catalog".to_owned());
    let client = Client::new(config)?;
    Ok(Connection {
        client,
        time_scale: time_scale.unwrap_or(1.0),
        target,
        sim: None,
    })
}

/// Starts the embedded simulator and connects to it with its default account.
async fn connect_sim(
    global: &GlobalArgs,
    access: Access,
    state_file: &std::path::Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, CmdError> {
    let from_env = env("DWSCTL_SIM_TIME_SCALE").filter(|v| !v.trim().is_empty());
    let time_scale = match (global.sim_time_scale, from_env) {
        (Some(flag), _) => flag,
        (None, Some(text)) => text
            .trim()
            .parse()
            .map_err(|_| CliError::SimTimeScale(text.clone()))?,
        (None, None) => sim::DEFAULT_EMBEDDED_TIME_SCALE,
    };
    let handle = sim::spawn(sim::Config {
        state_file: Some(state_file.to_path_buf()),
        time_scale,
        profile: global.sim_profile.unwrap_or_default(),
        ..sim::Config::default()
    })
    .await?;
    let base = handle.base_url();
    let mut config = sim_client_config(&base, time_scale);
    config.read_only = access == Access::ReadOnly;
    let client = Client::new(config)?;
    Ok(Connection {
        client,
        time_scale,
        target: format!("the embedded simulator ({})", state_file.display()),
        sim: Some(handle),
    })
}

/// A client configuration for a simulator at `base`: its default account, password auth
/// scoped by project name (the getting-started flow), waits scaled by `time_scale`.
pub fn sim_client_config(base: &str, time_scale: f64) -> ClientConfig {
    let mut config = ClientConfig::new(Credentials::Password(PasswordAuth {
        auth_url: format!("{base}/v3"),
        user: UserRef::Name {
            name: sim::DEFAULT_USER.to_owned(),
            domain: NameOrId::Name(sim::DEFAULT_DOMAIN.to_owned()),
        },
        password: Secret::new(sim::DEFAULT_PASSWORD),
        project: NameOrId::Name(sim::DEFAULT_PROJECT_NAME.to_owned()),
    }));
    config.endpoint = Some(base.to_owned());
    config.region = Some(sim::DEFAULT_PROJECT_NAME.to_owned());
    config.retry = RetryPolicy {
        time_scale,
        ..RetryPolicy::default()
    };
    config
}
