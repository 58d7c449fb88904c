//! `dwsctl sim serve`: run the DWS and IAM simulator as an HTTP server until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{print_status, CliError, CmdResult, Done, GlobalArgs};
use crate::sim::{self, Config, PasswordPolicy};

#[derive(Debug, Args)]
pub struct SimArgs {
    #[command(subcommand)]
    pub command: SimCommand,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulated IAM and DWS APIs over HTTP until Ctrl-C.
    Serve(ServeArgs),
}

/// The admin-password rule to enforce.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// 12–32 characters (current OTC documentation).
    Strict,
    /// 8–32 characters (2022 documentation, older SDKs' tests).
    Lenient,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Persist the simulated state in FILE (survives restarts; written atomically).
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Simulated seconds per real second (a 12-minute create takes 12 minutes at 1).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub time_scale: f64,
    /// Seed for ids and durations.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
    /// Admin password rule.
    #[arg(long, value_enum, default_value = "strict")]
    pub password_policy: PolicyArg,
    /// Most nodes all clusters of the project may have together.
    #[arg(long, value_name = "N", default_value_t = sim::DEFAULT_NODE_QUOTA)]
    pub node_quota: u32,
    /// Usable addresses of each subnet; every node takes one (raise with --node-quota).
    #[arg(long, value_name = "N", default_value_t = sim::DEFAULT_SUBNET_ADDRESSES)]
    pub subnet_addresses: u32,
    /// The cloud to answer as: otc, or huawei where Huawei Cloud differs.
    #[arg(long, value_enum, default_value = "otc")]
    pub profile: sim::Profile,
}

/// The environment that points `dwsctl plan`/`apply` at a simulator at `base`: password
/// login with its default account (the auth type is explicit, so a token or AK/SK pair left
/// in the shell does not win) and an explicit endpoint (so no region or catalog is needed).
pub fn client_env(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OS_AUTH_TYPE", "password".to_owned()),
        ("OS_AUTH_URL", format!("{base}/v3")),
        ("OS_USERNAME", sim::DEFAULT_USER.to_owned()),
        ("OS_PASSWORD", sim::DEFAULT_PASSWORD.to_owned()),
        ("OS_USER_DOMAIN_NAME", sim::DEFAULT_DOMAIN.to_owned()),
        ("OS_PROJECT_NAME", sim::DEFAULT_PROJECT_NAME.to_owned()),
        ("OS_PROJECT_ID", sim::DEFAULT_PROJECT_ID.to_owned()),
        ("DWS_ENDPOINT", base.to_owned()),
    ]
}

/// What `sim serve` prints on start: where it listens, its account, and a ready `export`
/// block for dwsctl (the simulator's well-known demo credentials, not secrets).
fn banner(base: &str, args: &ServeArgs) -> Vec<String> {
    let mut lines = vec![
        format!("dwsctl simulator listening on {base}"),
        format!("  IAM:  POST {base}/v3/auth/tokens"),
        format!(
            "        user {} / domain {} / password {} / project {} ({})",
            sim::DEFAULT_USER,
            sim::DEFAULT_DOMAIN,
            sim::DEFAULT_PASSWORD,
            sim::DEFAULT_PROJECT_NAME,
            sim::DEFAULT_PROJECT_ID
        ),
        format!(
            "  AK/SK: access key {} / secret key {}",
            sim::DEFAULT_ACCESS_KEY,
            sim::DEFAULT_SECRET_KEY
        ),
        format!("  DWS:  {base}/v1.0/{}/clusters", sim::DEFAULT_PROJECT_ID),
        format!(
            "  profile {}, time scale {}x, seed {}, state {}",
            args.profile.name(),
            args.time_scale,
            args.seed,
            args.state
                .as_ref()
                .map_or("in memory".to_owned(), |p| p.display().to_string())
        ),
        "To point dwsctl at it, run this in the shell that runs dwsctl:".to_owned(),
    ];
    lines.extend(
        client_env(base)
            .into_iter()
            .map(|(name, value)| format!("  export {name}='{value}'")),
    );
    lines.push("  unset OS_CLOUD".to_owned());
    lines.push("Press Ctrl-C to stop.".to_owned());
    lines
}

pub async fn run(_global: &GlobalArgs, args: SimArgs) -> CmdResult {
    match args.command {
        SimCommand::Serve(serve) => run_serve(serve).await,
    }
}

async fn run_serve(args: ServeArgs) -> CmdResult {
    let config = Config {
        listen: args.listen,
        state_file: args.state.clone(),
        time_scale: args.time_scale,
        seed: args.seed,
        password_policy: match args.password_policy {
            PolicyArg::Strict => PasswordPolicy::Strict,
            PolicyArg::Lenient => PasswordPolicy::Lenient,
        },
        node_quota: args.node_quota,
        profile: args.profile,
        networks: sim::Networks {
            subnet_addresses: args.subnet_addresses,
            ..sim::Networks::default()
        },
        ..Config::default()
    };
    let handle = sim::spawn(config).await?;
    for line in banner(&handle.base_url(), &args) {
        print_status(&line);
    }
    let stopped = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    stopped.map_err(CliError::Signal)?;
    Ok(Done::Ok)
}
