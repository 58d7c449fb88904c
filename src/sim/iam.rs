//! IAM: version discovery (`GET /v3`), password tokens (`POST /v3/auth/tokens`, vendor API
//! reference:
//! calling_apis/authentication.rst), and the gateway check in front of every DWS route: a valid,
//! unexpired token of the
//! path's project, or an `SDK-HMAC-SHA256` signature by a configured key pair (`api::sign`).
//!
//! Token lifetime is 24 h of *virtual* time, so advancing the clock expires tokens like the
//! real gateway would (401 APIGW.0307); `expires_at` is the wall time at which that happens.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore;
use serde_json::json;

use super::clock::{format_iam, unix_now};
use super::reply::{self, ApiErr, ApiResult};
use super::server::{lock, Shared};
use super::{Account, MAX_BODY_BYTES};
use crate::api::sign;
use crate::api::wire::{
    AuthRequest, CatalogEndpoint, CatalogEntry, ErrorBody, KeystoneError, NameOrId, TokenBody,
    TokenProject, TokenResponse, TokenUser,
};

/// Token lifetime in virtual seconds (24 h).
pub const TOKEN_LIFETIME: f64 = 86_400.0;
/// How far `X-Sdk-Date` may be from the server's clock.
pub const SIGNATURE_WINDOW_SECS: i64 = 15 * 60;

/// An issued token: the project it is scoped to and when it expires (virtual time).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub project_id: Option<String>,
    pub expires_virtual: f64,
}

/// Issued tokens by value. Kept in memory only: a restarted simulator forgets them and
/// clients re-authenticate on the 401.
#[derive(Debug, Default)]
pub struct Tokens(HashMap<String, TokenInfo>);

/// `GET /v3`: the version document keystoneauth-style clients fetch first.
pub async fn version(State(shared): State<Arc<Shared>>) -> Response {
    Json(json!({
        "version": {
            "id": "v3.6",
            "status": "stable",
            "updated": "2016-04-04T00:00:00Z",
            "links": [{"rel": "self", "href": format!("{}/v3/", shared.base_url)}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
        }
    }))
    .into_response()
}

fn iam_err(status: StatusCode, code: &str, message: &str) -> ApiErr {
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    ApiErr {
        status,
        body: Box::new(ErrorBody {
            error_code: Some(code.to_owned()),
            error_msg: Some(message.to_owned()),
            error: Some(KeystoneError {
                code: status.as_u16(),
                message: message.to_owned(),
                title,
            }),
            ..ErrorBody::default()
        }),
        retry_after: None,
        base64: false,
    }
}

/// `POST /v3/auth/tokens` with the password method.
pub async fn issue_token(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> ApiResult {
    let request: AuthRequest = reply::decode(&body).map_err(|_| {
        iam_err(
            StatusCode::BAD_REQUEST,
            "IAM.0011",
            "Request body is invalid.",
        )
    })?;
    let auth = request.auth;
    let Some(password) = auth
        .identity
        .password
        .filter(|_| auth.identity.methods.iter().any(|m| m == "password"))
    else {
        return Err(iam_err(
            StatusCode::BAD_REQUEST,
            "IAM.0011",
            "Request body is invalid: only the password method is supported.",
        ));
    };
    let user = password.user;
    let account = shared
        .config
        .accounts
        .iter()
        .find(|a| user_matches(a, &user))
        .ok_or_else(|| {
            iam_err(
                StatusCode::UNAUTHORIZED,
                "IAM.0062",
                "The username or password is wrong.",
            )
        })?;
    let project = match auth.scope.and_then(|s| s.project) {
        None => None,
        Some(p)
            if p.id.as_deref() == Some(account.project_id.as_str())
                || p.name.as_deref() == Some(account.project_name.as_str()) =>
        {
            Some(account)
        }
        Some(_) => {
            return Err(iam_err(
                StatusCode::BAD_REQUEST,
                "IAM.1109",
                "The project does not exist.",
            ))
        }
    };
    let token = new_token();
    let (issued, expires) = {
        let inner = lock(&shared.inner);
        let now = inner.clock.now();
        lock(&shared.tokens).0.insert(
            token.clone(),
            TokenInfo {
                project_id: project.map(|a| a.project_id.clone()),
                expires_virtual: now + TOKEN_LIFETIME,
            },
        );
        // One wall instant for both, so that they are exactly the lifetime apart.
        let issued = std::time::SystemTime::now();
        // Checked: an extreme time scale must not overflow into a panic.
        let lifetime = std::time::Duration::try_from_secs_f64(TOKEN_LIFETIME / inner.clock.scale())
            .unwrap_or(std::time::Duration::from_secs(u64::from(u32::MAX)));
        (issued, issued.checked_add(lifetime).unwrap_or(issued))
    };
    let with_catalog = !query.as_deref().is_some_and(|q| q.contains("nocatalog"));
    let catalog = if with_catalog {
        catalog(&shared, project.map(|a| a.project_id.as_str()))
    } else {
        Vec::new()
    };
    let body = token_body(account, project, issued, expires, catalog);
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = token.parse() {
        response.headers_mut().insert("x-subject-token", value);
    }
    Ok(response)
}

/// The body of a 201 token answer.
fn token_body(
    account: &Account,
    project: Option<&Account>,
    issued: std::time::SystemTime,
    expires: std::time::SystemTime,
    catalog: Vec<CatalogEntry>,
) -> TokenResponse {
    TokenResponse {
        token: TokenBody {
            methods: vec!["password".to_owned()],
            expires_at: format_iam(expires),
            issued_at: format_iam(issued),
            project: project.map(|a| TokenProject {
                id: a.project_id.clone(),
                name: a.project_name.clone(),
                domain: NameOrId {
                    id: Some(a.domain_id.clone()),
                    name: Some(a.domain.clone()),
                },
            }),
            user: Some(TokenUser {
                id: account.user_id.clone(),
                name: account.user.clone(),
                domain: NameOrId {
                    id: Some(account.domain_id.clone()),
                    name: Some(account.domain.clone()),
                },
                password_expires_at: Some(String::new()),
            }),
            roles: vec![NameOrId {
                id: Some("0a1b2c3d4e5f40718293a4b5c6d7e8f9".to_owned()),
                name: Some("te_admin".to_owned()),
            }],
            catalog,
        },
    }
}

fn user_matches(account: &Account, user: &crate::api::wire::AuthUser) -> bool {
    let by_name = user.name.as_deref() == Some(account.user.as_str())
        && user.domain.as_ref().is_some_and(|d| {
            d.name.as_deref() == Some(account.domain.as_str())
                || d.id.as_deref() == Some(account.domain_id.as_str())
        });
    let by_id = user.id.as_deref() == Some(account.user_id.as_str());
    (by_name || by_id) && user.password.expose() == account.password.expose()
}

fn new_token() -> String {
    let mut bytes = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("MIIsim{}", hex::encode(bytes))
}

/// The service catalog: `dws` (bare host, GTC/TF style) and `dwsv1` (with `/v1.0/{project}`,
/// otcextensions style), both pointing at this simulator (the two ways
/// OpenStack-style clients find DWS).
fn catalog(shared: &Shared, project_id: Option<&str>) -> Vec<CatalogEntry> {
    let base = &shared.base_url;
    let region = &shared.config.region;
    let entry = |kind: &str, name: &str, url: String| CatalogEntry {
        kind: kind.to_owned(),
        id: format!("{kind}-catalog-entry"),
        name: name.to_owned(),
        endpoints: vec![CatalogEndpoint {
            id: format!("{kind}-public-endpoint"),
            interface: "public".to_owned(),
            region: region.clone(),
            region_id: region.clone(),
            url,
        }],
    };
    let mut entries = vec![
        entry("identity", "keystone", format!("{base}/v3")),
        entry("dws", "datawarehouseservice", base.clone()),
    ];
    if let Some(pid) = project_id {
        entries.push(entry("dwsv1", "dwsv1", format!("{base}/v1.0/{pid}")));
    }
    entries
}

fn unauthorized(detail: &str) -> ApiErr {
    ApiErr::gateway(
        StatusCode::UNAUTHORIZED,
        "APIGW.0301",
        format!("Incorrect IAM authentication information: {detail}"),
    )
}

fn wrong_project(path_project: &str) -> ApiErr {
    // The vendor API reference leaves the real answer open (calling_apis/authentication.rst). 403
    // rather than 401: the caller is
    // authenticated, just not for this project, and a 401 would make clients re-authenticate
    // and retry for nothing.
    ApiErr::dws(
        StatusCode::FORBIDDEN,
        "DWS.0015",
        format!(
            "Resource not found or permission denied. The credentials are not valid for project {path_project}."
        ),
    )
}

/// The project id of a `/v1.0/{project_id}/…` or `/v2/{project_id}/…` path.
fn path_project(path: &str) -> &str {
    path.split('/').nth(2).unwrap_or("")
}

/// The gateway check in front of every DWS route.
pub async fn authenticate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    match check(&shared, req).await {
        Ok(req) => next.run(req).await,
        Err(err) => err.into_response(),
    }
}

/// A known, unexpired token scoped to `project`.
fn check_token(shared: &Shared, token: &str, project: &str) -> Result<(), ApiErr> {
    let info = lock(&shared.tokens).0.get(token).cloned();
    let Some(info) = info else {
        return Err(unauthorized("the token is unknown."));
    };
    if lock(&shared.inner).clock.now() >= info.expires_virtual {
        return Err(ApiErr::gateway(
            StatusCode::UNAUTHORIZED,
            "APIGW.0307",
            "The token must be updated.",
        ));
    }
    if info.project_id.as_deref() != Some(project) {
        return Err(wrong_project(project));
    }
    Ok(())
}

async fn check(shared: &Shared, req: Request) -> Result<Request, ApiErr> {
    let project = path_project(req.uri().path()).to_owned();
    if let Some(token) = req.headers().get("x-auth-token") {
        check_token(shared, token.to_str().unwrap_or(""), &project)?;
        return Ok(req);
    }
    let Some(authz) = req.headers().get("authorization") else {
        return Err(unauthorized(
            "send X-Auth-Token, or sign the request with SDK-HMAC-SHA256.",
        ));
    };
    let parsed = authz
        .to_str()
        .ok()
        .and_then(sign::parse_authorization)
        .ok_or_else(|| {
            unauthorized("the Authorization header is not a valid SDK-HMAC-SHA256 signature.")
        })?;
    let pair = shared
        .config
        .key_pairs
        .iter()
        .find(|k| k.access_key == parsed.access_key)
        .ok_or_else(|| unauthorized("the access key is unknown."))?;
    let sdk_date = header(req.headers(), "x-sdk-date");
    let signed_at = parse_sdk_date(&sdk_date).ok_or_else(|| {
        unauthorized("X-Sdk-Date is missing or not in the form YYYYMMDDTHHMMSSZ.")
    })?;
    let server_now = unix_now() as i64 + shared.skew_secs.load(Ordering::SeqCst);
    if (signed_at - server_now).abs() > SIGNATURE_WINDOW_SECS {
        return Err(unauthorized(
            "X-Sdk-Date is more than 15 minutes away from the server's time.",
        ));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| reply::body_rejection(StatusCode::PAYLOAD_TOO_LARGE))?;
    let headers: Vec<(String, String)> = parsed
        .signed_headers
        .iter()
        .map(|name| (name.clone(), header(&parts.headers, name)))
        .collect();
    let input = sign::SignInput {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &bytes,
    };
    let expected = sign::signature(
        &input,
        &parsed.signed_headers,
        &sdk_date,
        pair.secret_key.expose(),
    );
    if expected != parsed.signature {
        return Err(unauthorized("the signature does not match."));
    }
    let header_project = header(&parts.headers, "x-project-id");
    if pair.project_id != project || (!header_project.is_empty() && header_project != project) {
        return Err(wrong_project(&project));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// `20261126T120000Z` → Unix seconds.
fn parse_sdk_date(value: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(value, format)
        .ok()
        .map(|dt| dt.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_dates_parse_to_unix_seconds() {
        assert_eq!(parse_sdk_date("19700101T000100Z"), Some(60));
        assert_eq!(parse_sdk_date("2026-11-26"), None);
    }

    #[test]
    fn project_is_the_second_path_segment() {
        assert_eq!(path_project("/v1.0/abc/clusters"), "abc");
        assert_eq!(path_project("/v2/xyz/node-types"), "xyz");
    }
}
