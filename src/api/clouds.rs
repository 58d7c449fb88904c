//! `clouds.yaml` profiles, as the OpenStack tools and the Open Telekom Cloud extensions write
//! them.
//!
//! The file is read from the first of: `$OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`,
//! `$XDG_CONFIG_HOME/openstack/clouds.yaml` (default `~/.config/openstack/clouds.yaml`),
//! `/etc/openstack/clouds.yaml`. Values are read as YAML scalars whatever their type, so that
//! a numeric password is accepted and never quoted back in a type error.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::config::{ConfigError, Settings};
use crate::secret::Secret;

/// The clouds.yaml files to look at, in order.
pub fn candidates(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(file) = env("OS_CLIENT_CONFIG_FILE").filter(|v| !v.is_empty()) {
        paths.push(PathBuf::from(file));
    }
    paths.push(PathBuf::from("clouds.yaml"));
    let config_home = env("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")));
    if let Some(dir) = config_home {
        paths.push(dir.join("openstack").join("clouds.yaml"));
    }
    paths.push(PathBuf::from("/etc/openstack/clouds.yaml"));
    paths
}

/// The settings of profile `cloud` from the first clouds.yaml that exists.
pub fn load_profile(
    cloud: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let paths = candidates(env);
    let Some(path) = paths.iter().find(|p| p.is_file()) else {
        return Err(ConfigError::CloudsFileMissing {
            cloud: cloud.to_owned(),
            searched: paths.iter().map(|p| p.display().to_string()).collect(),
        });
    };
    let text =
        crate::files::read_regular_text(path, crate::files::CLOUDS_LIMIT).map_err(|err| {
            ConfigError::CloudsFileUnreadable {
                path: path.display().to_string(),
                reason: err.to_string(),
            }
        })?;
    parse_profile(&text, cloud, &path.display().to_string())
}

/// The settings of profile `cloud` in the clouds.yaml text `text` (read from `path`).
pub fn parse_profile(text: &str, cloud: &str, path: &str) -> Result<Settings, ConfigError> {
    let doc: Value =
        serde_yaml::from_str(text).map_err(|err| ConfigError::CloudsFileUnreadable {
            path: path.to_owned(),
            // Only the position: the message of a YAML error can quote the offending text.
            reason: match err.location() {
                Some(at) => format!("invalid YAML at line {}, column {}", at.line(), at.column()),
                None => "invalid YAML".to_owned(),
            },
        })?;
    let clouds = doc.get("clouds").and_then(Value::as_mapping);
    let names: Vec<String> = clouds
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(profile) = clouds.and_then(|m| m.get(cloud)) else {
        let suggestion = names
            .iter()
            .map(|n| (strsim::jaro_winkler(n, cloud), n))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| n.clone());
        return Err(ConfigError::CloudNotFound {
            cloud: cloud.to_owned(),
            path: path.to_owned(),
            suggestion,
            available: if names.is_empty() {
                "the file defines no clouds".to_owned()
            } else {
                format!("clouds defined there: {}", names.join(", "))
            },
        });
    };
    Ok(settings_of(profile))
}

/// A scalar as text (strings, numbers and booleans), `None` for absent, null or empty.
fn scalar(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

fn settings_of(profile: &Value) -> Settings {
    let auth = profile.get("auth");
    let a = |key: &str| scalar(auth.and_then(|a| a.get(key)));
    let p = |key: &str| scalar(profile.get(key));
    Settings {
        auth_type: p("auth_type"),
        auth_url: a("auth_url"),
        username: a("username"),
        user_id: a("user_id"),
        password: a("password").map(Secret::new),
        user_domain_name: a("user_domain_name").or_else(|| a("domain_name")),
        user_domain_id: a("user_domain_id").or_else(|| a("domain_id")),
        project_name: a("project_name").or_else(|| a("tenant_name")),
        project_id: a("project_id").or_else(|| a("tenant_id")),
        token: a("token").map(Secret::new),
        access_key: a("ak").or_else(|| a("access_key")),
        secret_key: a("sk").or_else(|| a("secret_key")).map(Secret::new),
        region: p("region_name"),
        endpoint: p("dws_endpoint_override").or_else(|| p("dws_endpoint")),
        ca_file: p("cacert").map(PathBuf::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
clouds:
  otc-prod:
    auth:
      auth_url: https://iam.eu-de.otc.t-systems.com/v3
      username: alice
      password: 12345678
      user_domain_name: OTC00000000001000000001
      project_name: eu-de_prod
    region_name: eu-de
    cacert: /etc/ssl/corp.pem
  otc-aksk:
    auth_type: aksk
    auth:
      ak: AKEXAMPLE
      sk: secret-sk
      project_id: 4567
    dws_endpoint_override: https://dws.eu-de.otc.t-systems.com
"#;

    #[test]
    fn reads_a_password_profile() {
        let s = parse_profile(FILE, "otc-prod", "clouds.yaml").expect("profile");
        assert_eq!(s.username.as_deref(), Some("alice"));
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("12345678"));
        assert_eq!(
            s.user_domain_name.as_deref(),
            Some("OTC00000000001000000001")
        );
        assert_eq!(s.project_name.as_deref(), Some("eu-de_prod"));
        assert_eq!(s.region.as_deref(), Some("eu-de"));
        assert_eq!(s.ca_file, Some(PathBuf::from("/etc/ssl/corp.pem")));
    }

    #[test]
    fn reads_an_aksk_profile_with_endpoint_override() {
        let s = parse_profile(FILE, "otc-aksk", "clouds.yaml").expect("profile");
        assert_eq!(s.auth_type.as_deref(), Some("aksk"));
        assert_eq!(s.access_key.as_deref(), Some("AKEXAMPLE"));
        assert_eq!(s.secret_key.as_ref().map(Secret::expose), Some("secret-sk"));
        assert_eq!(
            s.project_id.as_deref(),
            Some("4567"),
            "a YAML integer, read as text"
        );
        assert_eq!(
            s.endpoint.as_deref(),
            Some("https://dws.eu-de.otc.t-systems.com")
        );
    }

    #[test]
    fn unknown_profile_suggests_the_closest_name() {
        let err = parse_profile(FILE, "otc-prd", "clouds.yaml").expect_err("no such cloud");
        assert_eq!(
            err.to_string(),
            "clouds.yaml has no cloud named \"otc-prd\"; did you mean \"otc-prod\"?"
        );
    }

    #[test]
    fn yaml_errors_give_the_position_not_the_text() {
        let err = parse_profile("clouds:\n  x: [secret-in-bad-yaml", "x", "c.yaml")
            .expect_err("invalid YAML");
        let text = err.to_string();
        assert!(text.contains("invalid YAML"), "{text}");
        assert!(!text.contains("secret-in-bad-yaml"), "{text}");
    }

    #[test]
    fn search_order_starts_with_the_explicit_file() {
        let paths = candidates(&|name| match name {
            "OS_CLIENT_CONFIG_FILE" => Some("/tmp/mine.yaml".into()),
            "HOME" => Some("/home/u".into()),
            _ => None,
        });
        assert_eq!(
            paths,
            vec![
                PathBuf::from("/tmp/mine.yaml"),
                PathBuf::from("clouds.yaml"),
                PathBuf::from("/home/u/.config/openstack/clouds.yaml"),
                PathBuf::from("/etc/openstack/clouds.yaml"),
            ]
        );
    }

    #[test]
    fn an_oversized_clouds_yaml_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("clouds.yaml");
        let big = format!("{FILE}#{}\n", "x".repeat(2 * 1024 * 1024));
        std::fs::write(&path, big).expect("write");
        let named = path.display().to_string();
        let env = move |name: &str| (name == "OS_CLIENT_CONFIG_FILE").then(|| named.clone());
        let err = load_profile("otc-prod", &env).expect_err("too large");
        let text = err.to_string();
        assert!(text.contains("clouds.yaml"), "{text}");
        assert!(text.contains("larger than 1 MiB"), "{text}");
    }
}
