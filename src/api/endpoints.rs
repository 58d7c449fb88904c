//! Where IAM and DWS live: host patterns per region, the token's service catalog, and the
//! normalisation of endpoint URLs given by users.
//!
//! Open Telekom Cloud serves `https://{service}.{region}.otc.t-systems.com` for its public
//! regions `eu-de` and `eu-nl`; Huawei Cloud serves `https://{service}.{region}.myhuaweicloud.com`
//! for regions named like `ap-southeast-1` (a trailing number). Other regions (e.g. the Swiss
//! `eu-ch2`) are not guessed: the user sets `DWS_ENDPOINT` and `OS_AUTH_URL`.

use super::config::ConfigError;
use super::wire::CatalogEntry;

/// The public cloud a region or host belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudFamily {
    OpenTelekomCloud,
    HuaweiCloud,
}

impl CloudFamily {
    fn domain(self) -> &'static str {
        match self {
            CloudFamily::OpenTelekomCloud => "otc.t-systems.com",
            CloudFamily::HuaweiCloud => "myhuaweicloud.com",
        }
    }

    /// The family a host name belongs to, by its domain.
    pub fn of_host(host: &str) -> Option<Self> {
        let host = host.to_ascii_lowercase();
        [CloudFamily::OpenTelekomCloud, CloudFamily::HuaweiCloud]
            .into_iter()
            .find(|family| host.ends_with(&format!(".{}", family.domain())))
    }

    /// The family a region belongs to, by its name.
    pub fn of_region(region: &str) -> Option<Self> {
        if matches!(region, "eu-de" | "eu-nl") {
            return Some(CloudFamily::OpenTelekomCloud);
        }
        let valid = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let numbered = region.rsplit_once('-').is_some_and(|(head, n)| {
            !head.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
        });
        (valid && numbered).then_some(CloudFamily::HuaweiCloud)
    }
}

/// The default IAM and DWS endpoints of a region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionEndpoints {
    /// The IAM v3 base, e.g. `https://iam.eu-de.otc.t-systems.com/v3`.
    pub iam: String,
    /// The DWS base, e.g. `https://dws.eu-de.otc.t-systems.com`.
    pub dws: String,
}

/// The endpoints of `region`; `hint` (the family of a host the user gave, e.g. of
/// `OS_AUTH_URL`) wins over the region name.
pub fn region_endpoints(region: &str, hint: Option<CloudFamily>) -> Option<RegionEndpoints> {
    let family = hint.or_else(|| CloudFamily::of_region(region))?;
    let safe = region
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if region.is_empty() || !safe {
        return None;
    }
    let domain = family.domain();
    Some(RegionEndpoints {
        iam: format!("https://iam.{region}.{domain}/v3"),
        dws: format!("https://dws.{region}.{domain}"),
    })
}

/// The region named in an IAM or DWS host such as `iam.eu-de.otc.t-systems.com`.
pub fn region_of_url(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    CloudFamily::of_host(host)?;
    let mut labels = host.split('.');
    let _service = labels.next()?;
    let region = labels.next()?;
    CloudFamily::of_region(region).map(|_| region.to_owned())
}

/// The DWS endpoint from a token's service catalog: a public endpoint of type `dws` or
/// `dwsv1`, in `region` when one is given.
pub fn from_catalog(catalog: &[CatalogEntry], region: Option<&str>) -> Option<String> {
    let mut candidates = catalog
        .iter()
        .filter(|entry| matches!(entry.kind.as_str(), "dws" | "dwsv1"))
        .flat_map(|entry| entry.endpoints.iter())
        .filter(|ep| ep.interface == "public")
        .filter(|ep| match region {
            Some(region) => ep.region == region || ep.region_id == region || ep.region.is_empty(),
            None => true,
        });
    candidates.find_map(|ep| normalize(&ep.url).ok())
}

/// The DWS base URL (scheme, host, port and any path prefix) from what a user or catalog
/// gives: a trailing `/` and a trailing `/v1.0/{project_id}` or `/v2/...` are removed, so
/// that routes can be appended. Only `https` is accepted, except `http` to a loopback host
/// (the simulator), so that tokens never cross a network in clear text.
pub fn normalize(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|err| ConfigError::BadUrl {
        url: url.to_owned(),
        reason: err.to_string(),
    })?;
    check_scheme(&parsed, url)?;
    let mut path = parsed.path().trim_end_matches('/').to_owned();
    for version in ["/v1.0", "/v1", "/v2"] {
        if let Some(index) = path
            .find(&format!("{version}/"))
            .or_else(|| path.ends_with(version).then(|| path.len() - version.len()))
        {
            path.truncate(index);
            break;
        }
    }
    let mut base = format!(
        "{}://{}",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default()
    );
    if let Some(port) = parsed.port() {
        base.push_str(&format!(":{port}"));
    }
    base.push_str(&path);
    Ok(base)
}

/// The IAM base (ending in `/v3`) from `OS_AUTH_URL`, which users write with or without
/// `/v3` and a trailing slash.
pub fn normalize_auth_url(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|err| ConfigError::BadUrl {
        url: url.to_owned(),
        reason: err.to_string(),
    })?;
    check_scheme(&parsed, url)?;
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with("/v3") {
        Ok(trimmed.to_owned())
    } else {
        Ok(format!("{trimmed}/v3"))
    }
}

fn check_scheme(parsed: &reqwest::Url, original: &str) -> Result<(), ConfigError> {
    match parsed.scheme() {
        "https" if parsed.host_str().is_some() => Ok(()),
        "http" if is_loopback(parsed) => Ok(()),
        "http" => Err(ConfigError::PlainHttp {
            url: original.to_owned(),
        }),
        _ => Err(ConfigError::BadUrl {
            url: original.to_owned(),
            reason: "expected an https:// URL".into(),
        }),
    }
}

/// Whether the URL points at this machine (where plain HTTP is acceptable).
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::CatalogEndpoint;

    #[test]
    fn otc_regions_map_to_t_systems_hosts() {
        let eps = region_endpoints("eu-de", None).expect("known region");
        assert_eq!(eps.iam, "https://iam.eu-de.otc.t-systems.com/v3");
        assert_eq!(eps.dws, "https://dws.eu-de.otc.t-systems.com");
        let nl = region_endpoints("eu-nl", None).expect("known region");
        assert_eq!(nl.dws, "https://dws.eu-nl.otc.t-systems.com");
    }

    #[test]
    fn numbered_regions_map_to_huawei_hosts() {
        let eps = region_endpoints("ap-southeast-1", None).expect("huawei region");
        assert_eq!(eps.iam, "https://iam.ap-southeast-1.myhuaweicloud.com/v3");
        assert_eq!(eps.dws, "https://dws.ap-southeast-1.myhuaweicloud.com");
        assert!(region_endpoints("cn-north-4", None).is_some());
    }

    #[test]
    fn unknown_regions_are_not_guessed_unless_a_host_says_which_cloud() {
        assert_eq!(region_endpoints("eu-ch2", None), None);
        assert_eq!(region_endpoints("", None), None);
        assert_eq!(
            region_endpoints("eu-de/../x", Some(CloudFamily::OpenTelekomCloud)),
            None
        );
        let hinted = region_endpoints("eu-ch2", Some(CloudFamily::OpenTelekomCloud))
            .expect("family from the auth URL");
        assert_eq!(hinted.dws, "https://dws.eu-ch2.otc.t-systems.com");
    }

    #[test]
    fn region_is_read_from_known_hosts() {
        assert_eq!(
            region_of_url("https://iam.eu-de.otc.t-systems.com/v3").as_deref(),
            Some("eu-de")
        );
        assert_eq!(
            region_of_url("https://dws.ap-southeast-1.myhuaweicloud.com").as_deref(),
            Some("ap-southeast-1")
        );
        assert_eq!(region_of_url("https://iam.example.com/v3"), None);
    }

    #[test]
    fn endpoints_lose_version_and_project_suffixes() {
        assert_eq!(
            normalize("https://dws.eu-de.otc.t-systems.com/").expect("valid"),
            "https://dws.eu-de.otc.t-systems.com"
        );
        assert_eq!(
            normalize("https://dws.eu-de.otc.t-systems.com/v1.0/0123abcd").expect("valid"),
            "https://dws.eu-de.otc.t-systems.com"
        );
        assert_eq!(
            normalize("https://gw.example.com/dws/v2/").expect("valid"),
            "https://gw.example.com/dws"
        );
        assert_eq!(
            normalize("http://127.0.0.1:8080").expect("loopback"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn plain_http_is_refused_off_this_machine() {
        assert!(matches!(
            normalize("http://dws.eu-de.otc.t-systems.com"),
            Err(ConfigError::PlainHttp { .. })
        ));
        assert!(normalize("http://localhost:9000").is_ok());
        assert!(normalize("ftp://x").is_err());
        assert!(normalize("not a url").is_err());
    }

    #[test]
    fn auth_url_always_ends_in_v3() {
        for url in [
            "https://iam.eu-de.otc.t-systems.com",
            "https://iam.eu-de.otc.t-systems.com/",
            "https://iam.eu-de.otc.t-systems.com/v3",
            "https://iam.eu-de.otc.t-systems.com/v3/",
        ] {
            assert_eq!(
                normalize_auth_url(url).expect("valid"),
                "https://iam.eu-de.otc.t-systems.com/v3"
            );
        }
    }

    fn entry(kind: &str, url: &str, region: &str, interface: &str) -> CatalogEntry {
        CatalogEntry {
            kind: kind.into(),
            id: String::new(),
            name: String::new(),
            endpoints: vec![CatalogEndpoint {
                id: String::new(),
                interface: interface.into(),
                region: region.into(),
                region_id: region.into(),
                url: url.into(),
            }],
        }
    }

    #[test]
    fn catalog_gives_the_public_dws_endpoint_of_the_region() {
        let catalog = vec![
            entry(
                "compute",
                "https://ecs.eu-de.otc.t-systems.com",
                "eu-de",
                "public",
            ),
            entry("dws", "https://dws.internal.example", "eu-de", "internal"),
            entry(
                "dws",
                "https://dws.eu-nl.otc.t-systems.com",
                "eu-nl",
                "public",
            ),
            entry(
                "dwsv1",
                "https://dws.eu-de.otc.t-systems.com/v1.0/p1",
                "eu-de",
                "public",
            ),
        ];
        assert_eq!(
            from_catalog(&catalog, Some("eu-de")).as_deref(),
            Some("https://dws.eu-de.otc.t-systems.com")
        );
        assert_eq!(
            from_catalog(&catalog, Some("eu-nl")).as_deref(),
            Some("https://dws.eu-nl.otc.t-systems.com")
        );
        assert_eq!(from_catalog(&catalog[..1], None), None);
    }
}
