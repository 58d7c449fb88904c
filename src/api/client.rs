//! The DWS client: one typed method per API call dwsctl uses, over [`Transport`] (retries)
//! and [`Authenticator`] (tokens and signing).
//!
//! `observe` reads the whole live state with exactly two list calls (clusters carry their
//! tags; neither list is paginated), plus at most one token call. A read-only client refuses
//! every mutating call before anything is sent, which is how `plan` guarantees it changes
//! nothing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;

use super::auth::{signed_headers, Authenticator, RequestAuth};
use super::config::{ClientConfig, ConfigError, Credentials};
use super::endpoints::{self, CloudFamily};
use super::error::{ApiError, Call, Method, Repeat};
use super::live::Live;
use super::routes;
use super::transport::{http_client, Answer, Transport};
use super::wire;
use crate::secret::Secret;

/// A DWS API client. Cheap to clone (clones share the token, the retry budget and the rate
/// limiter); `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
    read_only: bool,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    auth: Authenticator,
    /// `DWS_ENDPOINT` / `--endpoint` / clouds.yaml: wins over everything.
    explicit_endpoint: Option<String>,
    /// The region's host pattern: used when the token catalog has no DWS entry.
    region_endpoint: Option<String>,
    region: Option<String>,
    /// Seconds to add to this machine's clock when signing (server time minus ours), learnt
    /// from a refused signature.
    clock_offset: AtomicI64,
    /// Seconds the cloud's clock is ahead of ours, from the `Date` of its latest successful
    /// answer ([`NO_DATE`] before one): the time maintenance windows are read against.
    server_offset: AtomicI64,
}

/// [`Inner::server_offset`] before any answer carried a `Date`.
const NO_DATE: i64 = i64::MIN;

/// The time an answer's `Date` header gives, if it has a readable one.
fn server_date(answer: &Answer) -> Option<time::OffsetDateTime> {
    answer
        .headers
        .get("date")
        .and_then(|v| v.to_str().ok())
        .and_then(super::retry::parse_http_date)
}

/// A clock difference smaller than this cannot be why a signature was refused (the gateway
/// allows 15 minutes).
const SKEW_THRESHOLD_SECS: i64 = 5 * 60;

impl Inner {
    fn signing_time(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
            + time::Duration::seconds(self.clock_offset.load(Ordering::Relaxed))
    }

    /// Records the clock offset a refused answer's `Date` header shows; `true` when it is
    /// large enough to explain the refusal (so re-signing can help).
    fn learn_skew(&self, answer: &Answer) -> bool {
        let Some(server) = server_date(answer) else {
            return false;
        };
        let offset = (server - time::OffsetDateTime::now_utc()).whole_seconds();
        let known = self.clock_offset.load(Ordering::Relaxed);
        if (offset - known).abs() < SKEW_THRESHOLD_SECS {
            return false;
        }
        self.clock_offset.store(offset, Ordering::Relaxed);
        true
    }
}

impl Client {
    /// The cloud's time now: this machine's clock corrected by the `Date` of the latest
    /// successful answer (the simulator's clock when it is the peer), or this machine's clock
    /// before any.
    pub fn cloud_now(&self) -> time::OffsetDateTime {
        let now = time::OffsetDateTime::now_utc();
        match self.inner.server_offset.load(Ordering::Relaxed) {
            NO_DATE => now,
            offset => now
                .checked_add(time::Duration::seconds(offset))
                .unwrap_or(now),
        }
    }

    /// Builds a client; nothing is sent until the first call.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let explicit_endpoint = config
            .endpoint
            .as_deref()
            .map(endpoints::normalize)
            .transpose()?;
        let hint = match &config.credentials {
            Credentials::Password(auth) => reqwest::Url::parse(&auth.auth_url)
                .ok()
                .and_then(|u| u.host_str().and_then(CloudFamily::of_host)),
            _ => None,
        };
        let region_endpoint = config
            .region
            .as_deref()
            .and_then(|r| endpoints::region_endpoints(r, hint))
            .map(|eps| eps.dws);
        if explicit_endpoint.is_none()
            && region_endpoint.is_none()
            && !matches!(config.credentials, Credentials::Password(_))
        {
            return Err(ConfigError::NoEndpoint {
                region: config.region,
            }
            .into());
        }
        let http = http_client(&config, explicit_endpoint.as_deref())?;
        let transport = Transport::new(http, config.retry.clone());
        let auth = Authenticator::new(config.credentials, config.region.clone());
        for secret in auth.secrets() {
            transport.redactor.add(secret);
        }
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                auth,
                explicit_endpoint,
                region_endpoint,
                region: config.region,
                clock_offset: AtomicI64::new(0),
                server_offset: AtomicI64::new(NO_DATE),
            }),
            read_only: config.read_only,
        })
    }

    /// A read-only view of this client (same token, budget and limiter).
    pub fn read_only(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            read_only: true,
        }
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The region the client was configured for, if any.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The whole live state: every cluster (with its tags) and every snapshot, in exactly two
    /// list calls whatever their number. When both calls fail, the cluster listing's error is
    /// the one reported, whichever failed first: the same failure gets the same report on every
    /// run (each call is bounded by its own timeout and retry budget). The per-cluster facts
    /// the listings lack are read by [`Client::observe_with`].
    pub async fn observe(&self) -> Result<Live, ApiError> {
        let (clusters, snapshots) = tokio::join!(self.list_clusters(), self.list_snapshots());
        Ok(Live {
            clusters: clusters?,
            snapshots: snapshots?,
            extras: Default::default(),
        })
    }

    pub async fn list_clusters(&self) -> Result<Vec<wire::Cluster>, ApiError> {
        let list: wire::ClusterList = self
            .fetch(routes::LIST_CLUSTERS, "/clusters", None, "ClusterList")
            .await?;
        Ok(list.clusters)
    }

    pub async fn list_snapshots(&self) -> Result<Vec<wire::Snapshot>, ApiError> {
        let list: wire::SnapshotList = self
            .fetch(routes::LIST_SNAPSHOTS, "/snapshots", None, "SnapshotList")
            .await?;
        Ok(list.snapshots)
    }

    pub async fn get_cluster(&self, id: &str) -> Result<wire::Cluster, ApiError> {
        let path = format!("/clusters/{}", seg(id));
        let detail: wire::ClusterDetailResponse = self
            .fetch(routes::GET_CLUSTER, &path, None, "ClusterDetailResponse")
            .await?;
        Ok(detail.cluster)
    }

    pub async fn get_snapshot(&self, id: &str) -> Result<wire::Snapshot, ApiError> {
        let path = format!("/snapshots/{}", seg(id));
        let detail: wire::SnapshotDetailResponse = self
            .fetch(routes::GET_SNAPSHOT, &path, None, "SnapshotDetailResponse")
            .await?;
        Ok(detail.snapshot)
    }

    /// Creates a cluster; returns its id. Never re-sent once it may have reached the server.
    pub async fn create_cluster(&self, cluster: &wire::CreateCluster) -> Result<String, ApiError> {
        self.inner.transport.redactor.add(cluster.user_pwd.expose());
        let body = wire::CreateClusterRequest {
            cluster: cluster.clone(),
        };
        let answer: wire::ClusterIdResponse = self
            .fetch(
                routes::CREATE_CLUSTER,
                "/clusters",
                Some(to_json(&body)?),
                "ClusterIdResponse",
            )
            .await?;
        Ok(answer.cluster.id)
    }

    /// Restores snapshot `snapshot_id` into a new cluster; returns the new cluster's id.
    pub async fn restore_cluster(
        &self,
        snapshot_id: &str,
        restore: &wire::Restore,
    ) -> Result<String, ApiError> {
        let path = format!("/snapshots/{}/actions", seg(snapshot_id));
        let body = wire::RestoreRequest {
            restore: restore.clone(),
        };
        let answer: wire::ClusterIdResponse = self
            .fetch(
                routes::RESTORE,
                &path,
                Some(to_json(&body)?),
                "ClusterIdResponse",
            )
            .await?;
        Ok(answer.cluster.id)
    }

    pub async fn delete_cluster(
        &self,
        id: &str,
        keep_last_manual_snapshot: u32,
    ) -> Result<(), ApiError> {
        let path = format!("/clusters/{}", seg(id));
        let body = wire::DeleteClusterRequest {
            keep_last_manual_snapshot,
        };
        self.act(routes::DELETE_CLUSTER, &path, Some(to_json(&body)?))
            .await
    }

    /// Scale out by `count` nodes.
    pub async fn resize(&self, id: &str, count: u32) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/resize", seg(id));
        let body = wire::ResizeRequest {
            scale_out: wire::ScaleOut {
                count,
                subnet_id: None,
            },
        };
        self.act(routes::RESIZE, &path, Some(to_json(&body)?)).await
    }

    /// Scale in by `count` nodes (offline, as the API's default).
    pub async fn shrink(&self, id: &str, count: u32) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/cluster-shrink", seg(id));
        let body = wire::ShrinkRequest {
            shrink_number: count,
            online: false,
            retry: false,
            parallel_jobs: None,
        };
        self.act(routes::SHRINK, &path, Some(to_json(&body)?)).await
    }

    pub async fn reset_password(&self, id: &str, password: &Secret) -> Result<(), ApiError> {
        self.inner.transport.redactor.add(password.expose());
        let path = format!("/clusters/{}/reset-password", seg(id));
        let body = wire::ResetPasswordRequest {
            new_password: password.clone(),
        };
        self.act(routes::RESET_PASSWORD, &path, Some(to_json(&body)?))
            .await
    }

    pub async fn restart(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/restart", seg(id));
        let body = wire::RestartRequest::default();
        self.act(routes::RESTART, &path, Some(to_json(&body)?))
            .await
    }

    pub async fn create_tags(&self, id: &str, tags: &[wire::Tag]) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/tags/batch-create", seg(id));
        let body = wire::TagsBody {
            tags: tags.to_vec(),
        };
        self.act(routes::CREATE_TAGS, &path, Some(to_json(&body)?))
            .await
    }

    pub async fn delete_tags(&self, id: &str, tags: &[wire::Tag]) -> Result<(), ApiError> {
        let path = format!("/clusters/{}/tags/batch-delete", seg(id));
        let body = wire::TagsBody {
            tags: tags.to_vec(),
        };
        self.act(routes::DELETE_TAGS, &path, Some(to_json(&body)?))
            .await
    }

    /// Creates a manual snapshot; returns its id.
    pub async fn create_snapshot(
        &self,
        snapshot: &wire::CreateSnapshot,
    ) -> Result<String, ApiError> {
        let body = wire::CreateSnapshotRequest {
            snapshot: snapshot.clone(),
        };
        let answer: wire::SnapshotIdResponse = self
            .fetch(
                routes::CREATE_SNAPSHOT,
                "/snapshots",
                Some(to_json(&body)?),
                "SnapshotIdResponse",
            )
            .await?;
        Ok(answer.snapshot.id)
    }

    pub async fn delete_snapshot(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/snapshots/{}", seg(id));
        self.act(routes::DELETE_SNAPSHOT, &path, None).await
    }

    /// The node types (flavors) of the region; fetch only when a plan needs them.
    pub async fn node_types(&self) -> Result<Vec<wire::NodeType>, ApiError> {
        let answer: wire::NodeTypesResponse = self
            .fetch(routes::NODE_TYPES, "/node_types", None, "NodeTypesResponse")
            .await?;
        Ok(answer.node_types)
    }

    /// The project's quotas; fetch only when a plan needs them.
    pub async fn quotas(&self) -> Result<Vec<wire::QuotaResource>, ApiError> {
        let answer: wire::QuotasResponse = self
            .fetch(routes::QUOTAS, "/quotas", None, "QuotasResponse")
            .await?;
        Ok(answer.quotas.resources)
    }

    /// A call whose success body is decoded as `T`.
    pub(super) async fn fetch<T: DeserializeOwned>(
        &self,
        call: Call,
        path: &str,
        body: Option<Vec<u8>>,
        expected: &'static str,
    ) -> Result<T, ApiError> {
        let answer = self.exchange(call, path, body).await?;
        // Only actions answer that way; a list's body (up to 64 MiB) is not parsed twice.
        if call.is_mutating() {
            self.refused_in_body(call, &answer)?;
        }
        self.inner.transport.decode(call, &answer, expected)
    }

    /// A call whose success body carries nothing (`{}`, empty, or `{"error_code": "DWS.0000"}`).
    pub(super) async fn act(
        &self,
        call: Call,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(), ApiError> {
        let answer = self.exchange(call, path, body).await?;
        self.refused_in_body(call, &answer)
    }

    /// Keeps a secret a request body carries out of every message.
    pub(super) fn redact(&self, secret: &Secret) {
        self.inner.transport.redactor.add(secret.expose());
    }

    /// A 2xx answer whose body `error_code` is not `DWS.0000` is a refusal: the newer APIs
    /// answer HTTP 200 (or 417) and let that code decide (vendor API reference:
    /// modifying_cluster_description.rst; terraform-provider-huaweicloud's scale-in reads it
    /// the same way). A success body
    /// never carries an `error_code` of another value.
    fn refused_in_body(&self, call: Call, answer: &Answer) -> Result<(), ApiError> {
        if !(200..300).contains(&answer.status) {
            return Ok(()); // a 404 that `failure` found to mean "already deleted"
        }
        let error = self.inner.transport.error_body(&answer.body);
        match error.code() {
            Some(code) if code != "DWS.0000" => {
                Err(self
                    .inner
                    .transport
                    .status_error(call, answer, self.inner.auth.method()))
            }
            _ => Ok(()),
        }
    }

    /// Sends one call (re-issuing the token once on 401) and turns error statuses into errors.
    async fn exchange(
        &self,
        call: Call,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ApiError> {
        if self.read_only && call.is_mutating() {
            return Err(ApiError::ReadOnly { call });
        }
        let inner = &self.inner;
        let mut reissued = false;
        loop {
            let auth = inner.auth.request_auth(&inner.transport).await?;
            let url = format!(
                "{}/{}/{}{path}",
                self.endpoint(&auth)?,
                call.version(),
                seg(auth.project_id())
            );
            let answer = inner
                .transport
                .run(call, &url, || {
                    self.build(call.method, &url, body.as_deref(), &auth)
                })
                .await?;
            if (200..300).contains(&answer.status) {
                if let Some(server) = server_date(&answer) {
                    let offset = (server - time::OffsetDateTime::now_utc()).whole_seconds();
                    inner.server_offset.store(offset, Ordering::Relaxed);
                }
                return Ok(answer);
            }
            if !inner.transport.refuses_credentials(&answer) {
                return self.failure(call, answer);
            }
            match (&auth, answer.status) {
                (
                    RequestAuth::Token {
                        token,
                        renewable: true,
                    },
                    401,
                ) if !reissued => {
                    inner.auth.invalidate(token.serial).await;
                    reissued = true;
                }
                // A signature refused because this machine's clock is off: learn the offset
                // from the server's `Date` and sign once more (a 401 took no effect).
                (RequestAuth::AkSk { .. }, 401) if !reissued && inner.learn_skew(&answer) => {
                    reissued = true;
                }
                _ => return self.failure(call, answer),
            }
        }
    }

    fn failure(&self, call: Call, answer: Answer) -> Result<Answer, ApiError> {
        let transport = &self.inner.transport;
        let method = self.inner.auth.method();
        let status = answer.status;
        if status == 404 && call.method == Method::Delete && answer.repeated_after_ambiguity {
            // An earlier attempt deleted it and its answer was lost: the goal is reached.
            return Ok(answer);
        }
        if status >= 500 && call.repeat == Repeat::Unsafe {
            let error = transport.status_error(call, &answer, method);
            return Err(ApiError::OutcomeUnknown {
                call,
                reason: error.to_string(),
            });
        }
        if transport.refuses_credentials(&answer) {
            return Err(transport.unauthorized(call, &answer, method));
        }
        Err(transport.status_error(call, &answer, method))
    }

    fn endpoint(&self, auth: &RequestAuth) -> Result<String, ApiError> {
        let inner = &self.inner;
        let catalog = match auth {
            RequestAuth::Token { token, .. } => token.catalog_endpoint.clone(),
            RequestAuth::AkSk { .. } => None,
        };
        inner
            .explicit_endpoint
            .clone()
            .or(catalog)
            .or_else(|| inner.region_endpoint.clone())
            .ok_or_else(|| {
                ConfigError::NoEndpoint {
                    region: inner.region.clone(),
                }
                .into()
            })
    }

    fn build(
        &self,
        method: Method,
        url: &str,
        body: Option<&[u8]>,
        auth: &RequestAuth,
    ) -> Result<reqwest::Request, ApiError> {
        let http_method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let headers = match auth {
            RequestAuth::Token { token, .. } => {
                vec![("X-Auth-Token".to_owned(), token.token.expose().to_owned())]
            }
            RequestAuth::AkSk {
                access_key,
                secret_key,
                project_id,
            } => {
                let parsed = reqwest::Url::parse(url).map_err(|err| ConfigError::BadUrl {
                    url: url.to_owned(),
                    reason: err.to_string(),
                })?;
                signed_headers(
                    method.as_str(),
                    &parsed,
                    body.unwrap_or_default(),
                    access_key,
                    secret_key,
                    project_id,
                    self.inner.signing_time(),
                )
            }
        };
        self.inner.transport.build(http_method, url, body, &headers)
    }
}

/// A path segment, percent-encoded so that an id can never change the route.
pub(super) fn seg(value: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(value, SEGMENT).to_string()
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value)
        .map_err(|err| ConfigError::Http(format!("cannot encode the request body: {err}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aksk_config() -> ClientConfig {
        let mut config = ClientConfig::new(Credentials::AkSk {
            access_key: "AK".into(),
            secret_key: Secret::new("sk-canary-0001"),
            project_id: "p1".into(),
        });
        // Port 9 (discard) on loopback: nothing listens, and nothing may be sent anyway.
        config.endpoint = Some("http://127.0.0.1:9".into());
        config
    }

    #[tokio::test]
    async fn read_only_client_refuses_every_mutation_before_sending() {
        let mut config = aksk_config();
        config.read_only = true;
        let client = Client::new(config).expect("client");
        let create = wire::CreateCluster {
            name: "c1".into(),
            node_type: "dws.m3.xlarge".into(),
            number_of_node: 3,
            subnet_id: "s".into(),
            security_group_id: "g".into(),
            vpc_id: "v".into(),
            availability_zone: None,
            port: None,
            user_name: "dbadmin".into(),
            user_pwd: Secret::new("pw"),
            public_ip: None,
            number_of_cn: None,
            tags: None,
            enterprise_project_id: None,
        };
        let tag = [wire::Tag {
            key: "k".into(),
            value: "v".into(),
        }];
        let snapshot = wire::CreateSnapshot {
            name: "s1".into(),
            cluster_id: "c".into(),
            description: None,
        };
        let results = vec![
            client.create_cluster(&create).await.map(|_| ()),
            client
                .restore_cluster("s", &wire::Restore::default())
                .await
                .map(|_| ()),
            client.delete_cluster("c", 0).await,
            client.resize("c", 3).await,
            client.shrink("c", 3).await,
            client.reset_password("c", &Secret::new("pw2")).await,
            client.restart("c").await,
            client.create_tags("c", &tag).await,
            client.delete_tags("c", &tag).await,
            client.create_snapshot(&snapshot).await.map(|_| ()),
            client.delete_snapshot("s").await,
        ];
        assert_eq!(results.len(), 11);
        for result in results {
            let err = result.expect_err("read-only");
            assert!(matches!(err, ApiError::ReadOnly { .. }), "{err}");
        }
    }

    #[tokio::test]
    async fn read_only_view_shares_the_client_but_refuses_mutations() {
        let client = Client::new(aksk_config()).expect("client");
        assert!(!client.is_read_only());
        let view = client.read_only();
        assert!(view.is_read_only());
        let err = view.restart("c").await.expect_err("read-only");
        assert_eq!(
            err.to_string(),
            "POST /v1.0/{project_id}/clusters/{cluster_id}/restart refused: this connection is read-only"
        );
    }

    #[test]
    fn ids_cannot_change_the_route() {
        assert_eq!(seg("7d85f602-a948"), "7d85f602-a948");
        assert_eq!(seg("../../x?y"), "..%2F..%2Fx%3Fy");
    }

    #[test]
    fn signing_without_any_endpoint_is_a_config_error() {
        let mut config = aksk_config();
        config.endpoint = None;
        let err = Client::new(config).expect_err("no endpoint");
        assert!(matches!(
            err,
            ApiError::Config(ConfigError::NoEndpoint { .. })
        ));
    }

    #[test]
    fn unreadable_ca_file_is_reported_with_its_path() {
        let mut config = aksk_config();
        config.ca_file = Some("/nonexistent/ca.pem".into());
        let err = Client::new(config).expect_err("no CA file");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate").expect("write");
        let mut config = aksk_config();
        config.ca_file = Some(path);
        let err = Client::new(config).expect_err("no certificate");
        assert!(err.to_string().contains("cannot use CA file"), "{err}");
    }
}
