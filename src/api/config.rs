//! How to reach the cloud: credentials and endpoints from flags, OpenStack-style environment
//! variables and a `clouds.yaml` profile, merged with one documented precedence.
//!
//! Precedence, field by field: **flags > environment > clouds.yaml profile > defaults**. Flags
//! never carry secrets (they would show in `ps`); passwords, tokens and secret keys come from
//! the environment or the profile only. The auth method is `OS_AUTH_TYPE` / `auth_type` when
//! given, otherwise the first complete one of: pre-issued token, AK/SK, password.

use std::path::PathBuf;
use std::time::Duration;

use super::clouds;
use super::endpoints::{self, CloudFamily};
use super::retry::RetryPolicy;
use crate::secret::Secret;

/// Errors in the configuration, found before any request is sent.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    /// No auth method has all the values it needs.
    #[error("no credentials found")]
    #[diagnostic(
        code(dwsctl::config::no_credentials),
        help("set OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME and OS_PROJECT_NAME (password); or OS_AUTH_TOKEN and OS_PROJECT_ID (token); or OS_ACCESS_KEY, OS_SECRET_KEY and OS_PROJECT_ID (AK/SK); or pick a clouds.yaml profile with --os-cloud; or try the simulator with --sim")
    )]
    NoCredentials,
    /// The chosen auth method lacks a value.
    #[error("{method} authentication needs {missing}")]
    #[diagnostic(code(dwsctl::config::incomplete))]
    Incomplete {
        method: &'static str,
        missing: &'static str,
    },
    /// `OS_AUTH_TYPE` / `auth_type` names a method dwsctl does not know.
    #[error("unknown auth type {0:?}")]
    #[diagnostic(
        code(dwsctl::config::auth_type),
        help("use password, token or aksk (v3password, v3token and ak/sk are accepted too)")
    )]
    UnknownAuthType(String),
    /// Password auth without an IAM URL and no region to derive one from.
    #[error("no IAM endpoint: OS_AUTH_URL is not set and the region does not imply one")]
    #[diagnostic(
        code(dwsctl::config::no_auth_url),
        help("set OS_AUTH_URL (e.g. https://iam.eu-de.otc.t-systems.com/v3) or OS_REGION_NAME / --region")
    )]
    NoAuthUrl,
    /// No DWS endpoint: none given, none derivable from the region or the token catalog.
    #[error("no DWS endpoint{}", region.as_deref().map(|r| format!(" for region {r:?}")).unwrap_or_default())]
    #[diagnostic(
        code(dwsctl::config::no_endpoint),
        help("set DWS_ENDPOINT / --endpoint (e.g. https://dws.eu-de.otc.t-systems.com), or a region dwsctl knows (eu-de, eu-nl, or a Huawei Cloud region such as ap-southeast-1)")
    )]
    NoEndpoint { region: Option<String> },
    /// An endpoint URL does not parse or has a scheme other than https.
    #[error("invalid endpoint URL {url:?}: {reason}")]
    #[diagnostic(code(dwsctl::config::bad_url))]
    BadUrl { url: String, reason: String },
    /// Plain HTTP to a host that is not this machine.
    #[error("refusing plain http:// for {url:?}: credentials would cross the network unencrypted")]
    #[diagnostic(
        code(dwsctl::config::plain_http),
        help("use https://; plain http is accepted only for loopback addresses (the simulator)")
    )]
    PlainHttp { url: String },
    /// A clouds.yaml profile was asked for but no clouds.yaml exists.
    #[error("cloud {cloud:?} was requested but no clouds.yaml was found (looked in: {})", searched.join(", "))]
    #[diagnostic(
        code(dwsctl::config::no_clouds_yaml),
        help("create one of those files, point OS_CLIENT_CONFIG_FILE at yours, or unset OS_CLOUD / --os-cloud")
    )]
    CloudsFileMissing {
        cloud: String,
        searched: Vec<String>,
    },
    /// The clouds.yaml file could not be read or parsed.
    #[error("cannot read {path}: {reason}")]
    #[diagnostic(code(dwsctl::config::clouds_yaml))]
    CloudsFileUnreadable { path: String, reason: String },
    /// The clouds.yaml file has no profile of that name.
    #[error("{path} has no cloud named {cloud:?}{}", suggestion.as_deref().map(|s| format!("; did you mean {s:?}?")).unwrap_or_default())]
    #[diagnostic(code(dwsctl::config::no_such_cloud))]
    CloudNotFound {
        cloud: String,
        path: String,
        suggestion: Option<String>,
        #[help]
        available: String,
    },
    /// The `--ca-file` could not be read or holds no certificate.
    #[error("cannot use CA file {path}: {reason}")]
    #[diagnostic(
        code(dwsctl::config::ca_file),
        help("--ca-file takes a PEM file with one or more root certificates")
    )]
    CaFile { path: String, reason: String },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    #[diagnostic(code(dwsctl::config::http))]
    Http(String),
}

/// The user, by name within a domain or by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRef {
    Name { name: String, domain: NameOrId },
    Id(String),
}

/// A domain or project, by name or by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameOrId {
    Name(String),
    Id(String),
}

/// IAM password authentication (the vendor's getting-started flow).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordAuth {
    /// The IAM base URL, ending in `/v3`.
    pub auth_url: String,
    pub user: UserRef,
    pub password: Secret,
    /// The project the token is scoped to (DWS needs a project-scoped token).
    pub project: NameOrId,
}

/// How requests are authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// A token from IAM, issued with a password, cached for the run, re-issued once on 401.
    Password(PasswordAuth),
    /// A token issued beforehand (`OS_AUTH_TOKEN`); it cannot be renewed.
    Token { token: Secret, project_id: String },
    /// `SDK-HMAC-SHA256` request signing; no token call at all.
    AkSk {
        access_key: String,
        secret_key: Secret,
        project_id: String,
    },
}

impl Credentials {
    /// The method's short name, as `OS_AUTH_TYPE` spells it.
    pub fn method(&self) -> &'static str {
        match self {
            Credentials::Password(_) => "password",
            Credentials::Token { .. } => "token",
            Credentials::AkSk { .. } => "aksk",
        }
    }
}

/// Everything a [`super::client::Client`] needs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub credentials: Credentials,
    /// An explicit DWS endpoint; otherwise the token catalog, then the region's host pattern.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// A PEM file of extra trusted roots (added to the system and built-in ones).
    pub ca_file: Option<PathBuf>,
    /// Refuse every mutating call locally (what `plan` uses).
    pub read_only: bool,
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    /// The limit for one request from sending to the end of the answer.
    pub request_timeout: Duration,
}

impl ClientConfig {
    /// A configuration with default retries and timeouts.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            endpoint: None,
            region: None,
            ca_file: None,
            read_only: false,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }

    /// The DWS endpoint when it does not depend on a token catalog: the explicit one, else
    /// the region's.
    pub fn static_endpoint(&self) -> Result<Option<String>, ConfigError> {
        if let Some(endpoint) = &self.endpoint {
            return endpoints::normalize(endpoint).map(Some);
        }
        let hint = match &self.credentials {
            Credentials::Password(auth) => reqwest::Url::parse(&auth.auth_url)
                .ok()
                .and_then(|u| u.host_str().and_then(CloudFamily::of_host)),
            _ => None,
        };
        Ok(self
            .region
            .as_deref()
            .and_then(|region| endpoints::region_endpoints(region, hint))
            .map(|eps| eps.dws))
    }
}

/// The options of the command line that concern the connection (clap has already folded in
/// `DWS_ENDPOINT`, `OS_REGION_NAME` and `OS_CLOUD`).
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub cloud: Option<String>,
}

/// One layer of settings (a profile, the environment, or flags); later layers override.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub auth_type: Option<String>,
    pub auth_url: Option<String>,
    pub username: Option<String>,
    pub user_id: Option<String>,
    pub password: Option<Secret>,
    pub user_domain_name: Option<String>,
    pub user_domain_id: Option<String>,
    pub project_name: Option<String>,
    pub project_id: Option<String>,
    pub token: Option<Secret>,
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub ca_file: Option<PathBuf>,
}

impl Settings {
    /// The OpenStack-style environment variables (empty values count as unset).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let get = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))
        };
        Self {
            auth_type: get(&["OS_AUTH_TYPE"]),
            auth_url: get(&["OS_AUTH_URL"]),
            username: get(&["OS_USERNAME"]),
            user_id: get(&["OS_USER_ID"]),
            password: get(&["OS_PASSWORD"]).map(Secret::new),
            user_domain_name: get(&["OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"]),
            user_domain_id: get(&["OS_USER_DOMAIN_ID", "OS_DOMAIN_ID"]),
            project_name: get(&["OS_PROJECT_NAME", "OS_TENANT_NAME"]),
            project_id: get(&["OS_PROJECT_ID", "OS_TENANT_ID"]),
            token: get(&["OS_AUTH_TOKEN", "OS_TOKEN"]).map(Secret::new),
            access_key: get(&["OS_ACCESS_KEY", "OS_ACCESS_KEY_ID"]),
            secret_key: get(&["OS_SECRET_KEY", "OS_SECRET_ACCESS_KEY"]).map(Secret::new),
            region: get(&["OS_REGION_NAME"]),
            endpoint: get(&["DWS_ENDPOINT"]),
            ca_file: get(&["OS_CACERT"]).map(PathBuf::from),
        }
    }

    /// The command-line flags as a layer.
    pub fn from_flags(flags: &Flags) -> Self {
        Self {
            endpoint: flags.endpoint.clone().filter(|v| !v.is_empty()),
            region: flags.region.clone().filter(|v| !v.is_empty()),
            ca_file: flags.ca_file.clone(),
            ..Self::default()
        }
    }

    /// `self` with every value `over` has replaced.
    pub fn overlay(self, over: Settings) -> Settings {
        Settings {
            auth_type: over.auth_type.or(self.auth_type),
            auth_url: over.auth_url.or(self.auth_url),
            username: over.username.or(self.username),
            user_id: over.user_id.or(self.user_id),
            password: over.password.or(self.password),
            user_domain_name: over.user_domain_name.or(self.user_domain_name),
            user_domain_id: over.user_domain_id.or(self.user_domain_id),
            project_name: over.project_name.or(self.project_name),
            project_id: over.project_id.or(self.project_id),
            token: over.token.or(self.token),
            access_key: over.access_key.or(self.access_key),
            secret_key: over.secret_key.or(self.secret_key),
            region: over.region.or(self.region),
            endpoint: over.endpoint.or(self.endpoint),
            ca_file: over.ca_file.or(self.ca_file),
        }
    }
}

/// Resolves the configuration from flags, the process environment and, when a cloud is
/// named, its clouds.yaml profile.
pub fn resolve(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ClientConfig, ConfigError> {
    let profile = match &flags.cloud {
        Some(cloud) if !cloud.is_empty() => Some(clouds::load_profile(cloud, env)?),
        _ => None,
    };
    resolve_layers(profile.unwrap_or_default(), Settings::from_env(env), flags)
}

/// The pure part of [`resolve`]: profile < environment < flags.
pub fn resolve_layers(
    profile: Settings,
    env: Settings,
    flags: &Flags,
) -> Result<ClientConfig, ConfigError> {
    let s = profile.overlay(env).overlay(Settings::from_flags(flags));
    let region = s
        .region
        .clone()
        .or_else(|| s.auth_url.as_deref().and_then(endpoints::region_of_url))
        .or_else(|| s.endpoint.as_deref().and_then(endpoints::region_of_url));
    let credentials = credentials(&s, region.as_deref())?;
    let mut config = ClientConfig::new(credentials);
    config.endpoint = s.endpoint.map(|e| endpoints::normalize(&e)).transpose()?;
    config.region = region;
    config.ca_file = s.ca_file;
    if !matches!(config.credentials, Credentials::Password(_))
        && config.static_endpoint()?.is_none()
    {
        return Err(ConfigError::NoEndpoint {
            region: config.region,
        });
    }
    Ok(config)
}

fn credentials(s: &Settings, region: Option<&str>) -> Result<Credentials, ConfigError> {
    let method = match s.auth_type.as_deref().map(str::to_ascii_lowercase) {
        Some(t) => match t.as_str() {
            "password" | "v3password" => "password",
            "token" | "v3token" => "token",
            "aksk" | "ak/sk" | "ak-sk" => "aksk",
            _ => return Err(ConfigError::UnknownAuthType(t)),
        },
        None if s.token.is_some() => "token",
        None if s.access_key.is_some() || s.secret_key.is_some() => "aksk",
        None if s.password.is_some() => "password",
        None => return Err(ConfigError::NoCredentials),
    };
    match method {
        "token" => Ok(Credentials::Token {
            token: s.token.clone().ok_or(ConfigError::Incomplete {
                method: "token",
                missing: "OS_AUTH_TOKEN",
            })?,
            project_id: s.project_id.clone().ok_or(ConfigError::Incomplete {
                method: "token",
                missing: "OS_PROJECT_ID (the project the token is scoped to)",
            })?,
        }),
        "aksk" => Ok(Credentials::AkSk {
            access_key: s.access_key.clone().ok_or(ConfigError::Incomplete {
                method: "AK/SK",
                missing: "OS_ACCESS_KEY",
            })?,
            secret_key: s.secret_key.clone().ok_or(ConfigError::Incomplete {
                method: "AK/SK",
                missing: "OS_SECRET_KEY",
            })?,
            project_id: s.project_id.clone().ok_or(ConfigError::Incomplete {
                method: "AK/SK",
                missing: "OS_PROJECT_ID",
            })?,
        }),
        _ => password_credentials(s, region).map(Credentials::Password),
    }
}

fn password_credentials(s: &Settings, region: Option<&str>) -> Result<PasswordAuth, ConfigError> {
    let password = s.password.clone().ok_or(ConfigError::Incomplete {
        method: "password",
        missing: "OS_PASSWORD",
    })?;
    let user = match (&s.user_id, &s.username) {
        (Some(id), _) => UserRef::Id(id.clone()),
        (None, Some(name)) => {
            let domain = match (&s.user_domain_id, &s.user_domain_name) {
                (Some(id), _) => NameOrId::Id(id.clone()),
                (None, Some(name)) => NameOrId::Name(name.clone()),
                (None, None) => {
                    return Err(ConfigError::Incomplete {
                        method: "password",
                        missing: "OS_USER_DOMAIN_NAME (the account name) or OS_USER_DOMAIN_ID",
                    })
                }
            };
            UserRef::Name {
                name: name.clone(),
                domain,
            }
        }
        (None, None) => {
            return Err(ConfigError::Incomplete {
                method: "password",
                missing: "OS_USERNAME or OS_USER_ID",
            })
        }
    };
    // The clouds' convention: the default project of a region is named after it.
    let project = match (&s.project_id, &s.project_name, region) {
        (Some(id), _, _) => NameOrId::Id(id.clone()),
        (None, Some(name), _) => NameOrId::Name(name.clone()),
        (None, None, Some(region)) => NameOrId::Name(region.to_owned()),
        (None, None, None) => {
            return Err(ConfigError::Incomplete {
                method: "password",
                missing: "OS_PROJECT_NAME or OS_PROJECT_ID (or OS_REGION_NAME)",
            })
        }
    };
    let auth_url = match &s.auth_url {
        Some(url) => endpoints::normalize_auth_url(url)?,
        None => region
            .and_then(|r| endpoints::region_endpoints(r, None))
            .map(|eps| eps.iam)
            .ok_or(ConfigError::NoAuthUrl)?,
    };
    Ok(PasswordAuth {
        auth_url,
        user,
        password,
        project,
    })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
