//! The DWS and IAM simulator: a faithful stand-in for the real service, for demos, tests and
//! benchmarks, reached over loopback HTTP.
//!
//! The pieces, by noun: [`clock`] (virtual time), [`state`] (clusters, snapshots and their
//! asynchronous operations, computed lazily from the clock), [`validate`] (the API's rules and
//! DWS.xxxx codes), [`iam`] (tokens and AK/SK), [`clusters`] and [`snapshots`] (the DWS
//! routes), [`faults`], [`counters`] and [`hooks`] (the `/_sim/` test hooks), [`persist`] (the
//! state file) and [`server`] (the router, the connection-dropping listener and [`spawn`]).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::secret::Secret;

pub mod background;
pub mod capacity;
pub mod catalog;
pub mod checks;
pub mod clock;
pub mod clusters;
pub mod conditions;
pub mod counters;
pub mod durations;
pub mod faults;
pub mod hooks;
pub mod iam;
pub mod jobs;
pub mod ops;
pub mod persist;
pub mod policy;
pub mod profile;
pub mod reply;
pub mod server;
pub mod snapshots;
pub mod state;
pub mod validate;
pub mod view;

pub use profile::Profile;
pub use server::{spawn, SimHandle};

/// The user (and domain) of the vendor's getting-started flow.
pub const DEFAULT_USER: &str = "testname";
/// The domain (account) name of the getting-started flow.
pub const DEFAULT_DOMAIN: &str = "testname";
/// The password of the getting-started flow.
pub const DEFAULT_PASSWORD: &str = "Passw0rd";
/// The project (region) name of the getting-started flow.
pub const DEFAULT_PROJECT_NAME: &str = "eu-de";
/// The project id of the getting-started flow.
pub const DEFAULT_PROJECT_ID: &str = "9bc552e6-19af-4326-800d-281a92984636";
/// The default AK/SK pair (the reference's signing test vector).
pub const DEFAULT_ACCESS_KEY: &str = "AKEXAMPLE0000000";
/// The secret key of the default AK/SK pair.
pub const DEFAULT_SECRET_KEY: &str = "SKEXAMPLEsecret0000000000000000000000000";
/// The VPC of the getting-started flow.
pub const DEFAULT_VPC_ID: &str = "219ab8a0-1272-4049-a383-8ad0b770fa11";
/// The subnet of the getting-started flow.
pub const DEFAULT_SUBNET_ID: &str = "d23ef2e9-8b90-49b3-bc4a-fd7d6bea6bec";
/// The security group of the getting-started flow.
pub const DEFAULT_SECURITY_GROUP_ID: &str = "12e3c23a-8710-4b75-95e4-5c8d7f68ef3c";
/// The second security group of the default account (for security-group changes).
pub const SECOND_SECURITY_GROUP_ID: &str = "2b1c5f5e-6e7a-4b8c-9d0e-1f2a3b4c5d6e";
/// The two EIPs of the default account, unbound at first.
pub const DEFAULT_EIP_IDS: [&str; 2] = [
    "a1b2c3d4-0001-4e5f-8a9b-000000000001",
    "a1b2c3d4-0001-4e5f-8a9b-000000000002",
];
/// Usable addresses of a subnet: a /24 less the addresses the VPC keeps (network, gateway,
/// DHCP, broadcast), the `Used: 249/251` of
/// `node_change/performing_a_scale-out_check.rst`'s example.
pub const DEFAULT_SUBNET_ADDRESSES: u32 = 251;
/// The time scale of the simulator that `--sim` embeds: simulated seconds per real second.
/// At 150× the quickstart chain (create ≤ 15 min, snapshot ≤ 5 min, restore ≤ 10 min,
/// about 30 simulated minutes) takes about 12 s of wall time, polls every 10 simulated
/// seconds included.
pub const DEFAULT_EMBEDDED_TIME_SCALE: f64 = 150.0;
/// The node quota of a project (Huawei's documented default per tenant).
pub const DEFAULT_NODE_QUOTA: u32 = 256;
/// The largest request body the simulator reads; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Which of the reference's conflicting admin-password rules to enforce (vendor API reference:
/// creating_a_cluster.rst and
/// its older version).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordPolicy {
    /// The current OTC rule: 12–32 characters, three of four character classes.
    #[default]
    Strict,
    /// The 2022 rule: 8–32 characters, three of four character classes.
    Lenient,
}

/// An IAM account the simulator accepts: one user in one domain with one project.
#[derive(Clone, Debug)]
pub struct Account {
    pub user: String,
    pub user_id: String,
    pub domain: String,
    pub domain_id: String,
    pub password: Secret,
    pub project_name: String,
    pub project_id: String,
}

impl Default for Account {
    fn default() -> Self {
        Self {
            user: DEFAULT_USER.to_owned(),
            user_id: "c0b8f7d1a2e34f5b9d6e7f8091a2b3c4".to_owned(),
            domain: DEFAULT_DOMAIN.to_owned(),
            domain_id: "d9e0f1a2b3c44d5e8f90a1b2c3d4e5f6".to_owned(),
            password: Secret::new(DEFAULT_PASSWORD),
            project_name: DEFAULT_PROJECT_NAME.to_owned(),
            project_id: DEFAULT_PROJECT_ID.to_owned(),
        }
    }
}

/// An AK/SK pair and the project its signed requests act in.
#[derive(Clone, Debug)]
pub struct KeyPair {
    pub access_key: String,
    pub secret_key: Secret,
    pub project_id: String,
}

impl Default for KeyPair {
    fn default() -> Self {
        Self {
            access_key: DEFAULT_ACCESS_KEY.to_owned(),
            secret_key: Secret::new(DEFAULT_SECRET_KEY),
            project_id: DEFAULT_PROJECT_ID.to_owned(),
        }
    }
}

/// The network resources that exist (create and restore reject others with 404).
#[derive(Clone, Debug)]
pub struct Networks {
    pub vpc_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub availability_zones: Vec<String>,
    /// The account's EIPs: each can be bound to one cluster at a time ([`capacity`]).
    pub eips: Vec<Eip>,
    /// Usable addresses of every subnet; each node takes one ([`capacity`]).
    pub subnet_addresses: u32,
    /// Node types sold out in an availability zone: `(node type, zone)` ([`capacity`]).
    pub sold_out: Vec<(String, String)>,
}

/// An elastic IP of the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eip {
    pub id: String,
    pub address: String,
}

impl Default for Networks {
    fn default() -> Self {
        Self {
            vpc_ids: vec![DEFAULT_VPC_ID.to_owned()],
            subnet_ids: vec![DEFAULT_SUBNET_ID.to_owned()],
            security_group_ids: vec![
                DEFAULT_SECURITY_GROUP_ID.to_owned(),
                SECOND_SECURITY_GROUP_ID.to_owned(),
            ],
            availability_zones: vec![
                "eu-de-01".to_owned(),
                "eu-de-02".to_owned(),
                "eu-de-03".to_owned(),
            ],
            eips: DEFAULT_EIP_IDS
                .iter()
                .zip(["80.158.90.11", "80.158.90.12"])
                .map(|(id, address)| Eip {
                    id: (*id).to_owned(),
                    address: address.to_owned(),
                })
                .collect(),
            subnet_addresses: DEFAULT_SUBNET_ADDRESSES,
            sold_out: Vec::new(),
        }
    }
}

/// How to run a simulator.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Where the state persists; `None` keeps it in memory.
    pub state_file: Option<PathBuf>,
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// Seeds ids and durations (a state file carries its own seed on).
    pub seed: u64,
    pub password_policy: PasswordPolicy,
    /// The most nodes all clusters of the project may have together.
    pub node_quota: u32,
    pub accounts: Vec<Account>,
    pub key_pairs: Vec<KeyPair>,
    pub networks: Networks,
    /// The region name the catalog reports.
    pub region: String,
    /// The cloud whose behaviour the simulator plays.
    pub profile: Profile,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            time_scale: 1.0,
            seed: 0,
            password_policy: PasswordPolicy::Strict,
            node_quota: DEFAULT_NODE_QUOTA,
            accounts: vec![Account::default()],
            key_pairs: vec![KeyPair::default()],
            networks: Networks::default(),
            region: DEFAULT_PROJECT_NAME.to_owned(),
            profile: Profile::Otc,
        }
    }
}

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The state file exists but cannot be read.
    #[error("cannot read simulator state file {path}: {source}")]
    #[diagnostic(help("fix the file's permissions, or point --state at another file"))]
    ReadState {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a simulator state (corrupt, truncated or another format).
    #[error("simulator state file {path} is corrupt: {source}")]
    #[diagnostic(help("move the file away to start from an empty simulator"))]
    CorruptState {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The state file (or its directory) cannot be written.
    #[error("cannot write simulator state file {path}: {source}")]
    WriteState {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The configuration makes no sense (e.g. a non-positive time scale).
    #[error("invalid simulator configuration: {0}")]
    Config(String),
}
