//! Authenticating requests: IAM password tokens (cached for the run, re-issued once on 401),
//! pre-issued tokens, and AK/SK signing.
//!
//! The token cache sits behind an async mutex held across the token call, so that concurrent
//! requests at the start of a run (the two list calls of `observe`) cause one token call, not
//! two. A 401 invalidates only the token that got it (compared by serial number), so that two
//! requests failing with the same stale token also cause a single re-issue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use time::OffsetDateTime;

use super::config::{Credentials, NameOrId, PasswordAuth, UserRef};
use super::error::{request_id, ApiError, Call, Method, Repeat};
use super::sign;
use super::transport::{Answer, Transport};
use super::wire;
use crate::secret::Secret;

/// The IAM token call.
pub const TOKEN_CALL: Call = Call::new(Method::Post, "/v3/auth/tokens", Repeat::Safe);

/// A token and what came with it.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: Secret,
    /// The project the token is scoped to (from the token body, or configured).
    pub project_id: String,
    /// The DWS endpoint of the token's service catalog, when it lists one.
    pub catalog_endpoint: Option<String>,
    /// Which token this is, so that a 401 invalidates only the token that got it.
    pub serial: u64,
}

/// How one request is authenticated.
#[derive(Clone, Debug)]
pub enum RequestAuth {
    /// `X-Auth-Token`; `renewable` when a password can issue a new one.
    Token {
        token: Arc<IssuedToken>,
        renewable: bool,
    },
    /// `Authorization: SDK-HMAC-SHA256 ...`.
    AkSk {
        access_key: String,
        secret_key: Secret,
        project_id: String,
    },
}

impl RequestAuth {
    pub fn project_id(&self) -> &str {
        match self {
            RequestAuth::Token { token, .. } => &token.project_id,
            RequestAuth::AkSk { project_id, .. } => project_id,
        }
    }
}

/// Turns configured credentials into per-request authentication.
#[derive(Debug)]
pub struct Authenticator {
    credentials: Credentials,
    cache: tokio::sync::Mutex<Option<Arc<IssuedToken>>>,
    serial: AtomicU64,
    region: Option<String>,
}

impl Authenticator {
    pub fn new(credentials: Credentials, region: Option<String>) -> Self {
        Self {
            credentials,
            cache: tokio::sync::Mutex::new(None),
            serial: AtomicU64::new(0),
            region,
        }
    }

    /// The auth method's short name (for help texts).
    pub fn method(&self) -> &'static str {
        self.credentials.method()
    }

    /// Every secret value the credentials hold, for the redactor.
    pub fn secrets(&self) -> Vec<&str> {
        match &self.credentials {
            Credentials::Password(auth) => vec![auth.password.expose()],
            Credentials::Token { token, .. } => vec![token.expose()],
            Credentials::AkSk { secret_key, .. } => vec![secret_key.expose()],
        }
    }

    /// The authentication for the next request, issuing a token first when needed.
    pub async fn request_auth(&self, transport: &Transport) -> Result<RequestAuth, ApiError> {
        match &self.credentials {
            Credentials::AkSk {
                access_key,
                secret_key,
                project_id,
            } => Ok(RequestAuth::AkSk {
                access_key: access_key.clone(),
                secret_key: secret_key.clone(),
                project_id: project_id.clone(),
            }),
            Credentials::Token { token, project_id } => Ok(RequestAuth::Token {
                token: Arc::new(IssuedToken {
                    token: token.clone(),
                    project_id: project_id.clone(),
                    catalog_endpoint: None,
                    serial: 0,
                }),
                renewable: false,
            }),
            Credentials::Password(auth) => {
                let mut cache = self.cache.lock().await;
                if let Some(token) = cache.as_ref() {
                    return Ok(RequestAuth::Token {
                        token: token.clone(),
                        renewable: true,
                    });
                }
                let serial = self.serial.fetch_add(1, Ordering::Relaxed) + 1;
                let token = Arc::new(issue(auth, transport, serial, self.region.as_deref()).await?);
                *cache = Some(token.clone());
                Ok(RequestAuth::Token {
                    token,
                    renewable: true,
                })
            }
        }
    }

    /// Forgets the cached token if it is still the one with `serial`.
    pub async fn invalidate(&self, serial: u64) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|t| t.serial == serial) {
            *cache = None;
        }
    }
}

/// The IAM request body of a password login.
pub fn token_request(auth: &PasswordAuth) -> wire::AuthRequest {
    let name_or_id = |n: &NameOrId| match n {
        NameOrId::Name(name) => wire::NameOrId {
            name: Some(name.clone()),
            id: None,
        },
        NameOrId::Id(id) => wire::NameOrId {
            name: None,
            id: Some(id.clone()),
        },
    };
    let user = match &auth.user {
        UserRef::Name { name, domain } => wire::AuthUser {
            name: Some(name.clone()),
            id: None,
            password: auth.password.clone(),
            domain: Some(name_or_id(domain)),
        },
        UserRef::Id(id) => wire::AuthUser {
            name: None,
            id: Some(id.clone()),
            password: auth.password.clone(),
            domain: None,
        },
    };
    wire::AuthRequest {
        auth: wire::Auth {
            identity: wire::Identity {
                methods: vec!["password".into()],
                password: Some(wire::PasswordIdentity { user }),
            },
            scope: Some(wire::Scope {
                project: Some(name_or_id(&auth.project)),
                domain: None,
            }),
        },
    }
}

async fn issue(
    auth: &PasswordAuth,
    transport: &Transport,
    serial: u64,
    region: Option<&str>,
) -> Result<IssuedToken, ApiError> {
    let body = serde_json::to_vec(&token_request(auth))
        .map_err(|err| transport.decode_error(TOKEN_CALL, 0, "AuthRequest", &err, b""))?;
    let url = format!("{}/auth/tokens", auth.auth_url);
    let answer = transport
        .run(TOKEN_CALL, &url, || {
            transport.build(reqwest::Method::POST, &url, Some(&body), &[])
        })
        .await?;
    token_from_answer(&answer, transport, serial, region)
}

fn token_from_answer(
    answer: &Answer,
    transport: &Transport,
    serial: u64,
    region: Option<&str>,
) -> Result<IssuedToken, ApiError> {
    if !(200..300).contains(&answer.status) {
        if answer.status == 401 {
            return Err(transport.unauthorized(TOKEN_CALL, answer, "password"));
        }
        return Err(transport.status_error(TOKEN_CALL, answer, "password"));
    }
    let token = answer
        .headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::Decode {
            call: TOKEN_CALL,
            status: answer.status,
            expected: "a token in the X-Subject-Token header",
            detail: "the header is missing".into(),
            body: transport.redactor.show_body(&answer.body),
            request_id: request_id(&answer.headers, &transport.redactor),
        })?;
    transport.redactor.add(token);
    let body: wire::TokenResponse = transport.decode(TOKEN_CALL, answer, "TokenResponse")?;
    let project_id = body
        .token
        .project
        .map(|p| p.id)
        .ok_or_else(|| ApiError::Decode {
            call: TOKEN_CALL,
            status: answer.status,
            expected: "a project-scoped token",
            detail: "the token has no project; DWS needs a project-scoped token".into(),
            body: String::new(),
            request_id: request_id(&answer.headers, &transport.redactor),
        })?;
    Ok(IssuedToken {
        token: Secret::new(token),
        project_id,
        catalog_endpoint: super::endpoints::from_catalog(&body.token.catalog, region),
        serial,
    })
}

/// The headers that authenticate a signed request: `Host`, `X-Sdk-Date`, `X-Project-Id`,
/// `Content-Type` and `Authorization` (vendor API reference: calling_apis/authentication.rst).
pub fn signed_headers(
    method: &str,
    url: &reqwest::Url,
    body: &[u8],
    access_key: &str,
    secret_key: &Secret,
    project_id: &str,
    now: OffsetDateTime,
) -> Vec<(String, String)> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let date = now
        .to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default();
    let mut host = url.host_str().unwrap_or_default().to_owned();
    if let Some(port) = url.port() {
        host.push_str(&format!(":{port}"));
    }
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), host),
        ("X-Project-Id".to_owned(), project_id.to_owned()),
        ("X-Sdk-Date".to_owned(), date.clone()),
    ];
    let input = sign::SignInput {
        method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        headers: &headers,
        body,
    };
    let authorization = sign::authorization(&input, &date, access_key, secret_key.expose());
    headers.push(("Authorization".to_owned(), authorization));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn password_login_by_name_scopes_to_the_project_by_name() {
        let auth = PasswordAuth {
            auth_url: "https://iam.eu-de.otc.t-systems.com/v3".into(),
            user: UserRef::Name {
                name: "alice".into(),
                domain: NameOrId::Name("acme".into()),
            },
            password: Secret::new("pw"),
            project: NameOrId::Name("eu-de".into()),
        };
        let json = serde_json::to_value(token_request(&auth)).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({"auth": {
                "identity": {"methods": ["password"],
                             "password": {"user": {"name": "alice", "password": "pw",
                                                   "domain": {"name": "acme"}}}},
                "scope": {"project": {"name": "eu-de"}}}})
        );
    }

    #[test]
    fn password_login_by_id_scopes_to_the_project_by_id() {
        let auth = PasswordAuth {
            auth_url: "https://iam.example.com/v3".into(),
            user: UserRef::Id("u-1".into()),
            password: Secret::new("pw"),
            project: NameOrId::Id("p-1".into()),
        };
        let json = serde_json::to_value(token_request(&auth)).expect("serialize");
        assert_eq!(json["auth"]["identity"]["password"]["user"]["id"], "u-1");
        assert!(json["auth"]["identity"]["password"]["user"]
            .get("domain")
            .is_none());
        assert_eq!(
            json["auth"]["scope"]["project"],
            serde_json::json!({"id": "p-1"})
        );
    }

    #[test]
    fn signed_headers_match_the_sdk_vector() {
        let url = reqwest::Url::parse(
            "http://127.0.0.1:8080/v1.0/9bc552e6-19af-4326-800d-281a92984636/clusters",
        )
        .expect("url");
        let headers = signed_headers(
            "GET",
            &url,
            b"",
            "AKEXAMPLE0000000",
            &Secret::new("SKEXAMPLEsecret0000000000000000000000000"),
            "9bc552e6-19af-4326-800d-281a92984636",
            datetime!(2026-11-26 12:00:00 UTC),
        );
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("Host"), Some("127.0.0.1:8080"));
        assert_eq!(get("X-Sdk-Date"), Some("20261126T120000Z"));
        assert_eq!(
            get("Authorization"),
            Some(
                "SDK-HMAC-SHA256 Access=AKEXAMPLE0000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, \
                 Signature=03ad595e716ff10a92422f10a3b2e00741d1a45b48eeee7b0b76ee2ebc6bdb27"
            )
        );
    }
}
