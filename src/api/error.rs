//! What can go wrong talking to IAM and DWS, said so that a user can act on it.
//!
//! Every error names the call (method and route *template*, so ids do not make messages
//! unique and nothing secret can hide in a path), the HTTP status and the DWS error code and
//! message when there is one, and says what the user can do. Bodies shown in errors are
//! redacted and escaped first (see [`Redactor`]): a server that echoes a password must not make us print it.

use std::fmt;

use super::config::ConfigError;
pub use super::redact::{Redactor, REDACTED};

/// An HTTP method dwsctl uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Whether sending a request twice can do harm; decides what may be retried after the request
/// may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Repeating has no further effect (reads; deletes by id, whose ids are never reused;
    /// the IAM token call, since a new token does not invalidate old ones).
    Safe,
    /// Repeating may act twice (creates, restores, resizes, ...): never re-sent once it may
    /// have reached the server.
    Unsafe,
}

/// One API call: its method, route template and what repeating it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: Method,
    /// The route template, e.g. `/v1.0/{project_id}/clusters/{cluster_id}`.
    pub route: &'static str,
    pub repeat: Repeat,
}

impl Call {
    pub const fn new(method: Method, route: &'static str, repeat: Repeat) -> Self {
        Self {
            method,
            route,
            repeat,
        }
    }

    /// The API version segment of the route (`v1.0`, `v1` or `v2`): what follows the
    /// endpoint in the URL, before the project id.
    pub fn version(&self) -> &'static str {
        let rest = self.route.strip_prefix('/').unwrap_or(self.route);
        rest.split('/').next().unwrap_or("v1.0")
    }

    /// Whether this call changes anything in the cloud (refused by a read-only client).
    /// The checks without side effects (`POST …/cluster-precheck`, `POST …/grow-check`) are
    /// POSTs but change nothing, so that `plan` may call them: exactly these two routes, not
    /// any route that happens to end in `-check`.
    pub fn is_mutating(&self) -> bool {
        let check = *self == super::routes::PRECHECK || *self == super::routes::GROW_CHECK;
        self.method != Method::Get && !check
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.route)
    }
}

/// Errors of the DWS/IAM client.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ApiError {
    /// The API answered with an error status (after any retries the policy allowed).
    #[error("{call} failed: HTTP {status}{}{}{}{}", code_part(code), message_part(message), attempts_part(*attempts), request_id_part(request_id))]
    #[diagnostic(code(dwsctl::api::status))]
    Status {
        call: Call,
        status: u16,
        /// The DWS/IAM/gateway error code (`DWS.5050`, `APIGW.0308`, ...), whichever body form
        /// carried it.
        code: Option<String>,
        message: Option<String>,
        attempts: u32,
        /// The answer's `X-Request-Id` (escaped, bounded): what support asks for.
        request_id: Option<String>,
        #[help]
        help: String,
    },
    /// The request never reached the server (DNS, refused connection): it had no effect.
    #[error("{call}: cannot reach {host}: {reason}{}", attempts_part(*attempts))]
    #[diagnostic(code(dwsctl::api::unreachable))]
    Unreachable {
        call: Call,
        host: String,
        reason: String,
        attempts: u32,
        #[help]
        help: String,
    },
    /// The server's TLS certificate could not be verified; nothing was sent.
    #[error("{call}: the TLS certificate of {host} could not be verified: {reason}")]
    #[diagnostic(
        code(dwsctl::api::tls),
        help("if the endpoint uses a private certificate authority, pass its root certificate with --ca-file FILE (or `cacert` in clouds.yaml); verification cannot be turned off")
    )]
    Tls {
        call: Call,
        host: String,
        reason: String,
    },
    /// A repeatable call failed in transit (timeout, connection reset) on every attempt.
    #[error("{call}: {reason}{}", attempts_part(*attempts))]
    #[diagnostic(
        code(dwsctl::api::transport),
        help("the endpoint answered too slowly or dropped the connection; check the network and retry later")
    )]
    Transport {
        call: Call,
        reason: String,
        attempts: u32,
    },
    /// A mutating request was sent but no reliable answer came back (timeout, connection
    /// reset, 5xx): it may or may not have taken effect, so it was not re-sent.
    #[error(
        "{call}: outcome unknown ({reason}); the request may have taken effect and was not re-sent"
    )]
    #[diagnostic(
        code(dwsctl::api::outcome_unknown),
        help(
            "list the object by name to see whether the change happened; `dwsctl plan` does that"
        )
    )]
    OutcomeUnknown { call: Call, reason: String },
    /// A response body did not have the shape the call expects.
    #[error("{call} answered HTTP {status}{} with a body that is not a valid {expected}: {detail}\nbody:\n{body}", request_id_part(request_id))]
    #[diagnostic(
        code(dwsctl::api::decode),
        help("the endpoint may not be a DWS API (check DWS_ENDPOINT / the region) or the API changed; please report this body")
    )]
    Decode {
        call: Call,
        status: u16,
        /// The Rust type the body should have matched.
        expected: &'static str,
        detail: String,
        /// The body, redacted and pretty-printed when it is JSON.
        body: String,
        /// The answer's `X-Request-Id` (escaped, bounded).
        request_id: Option<String>,
    },
    /// A successful answer was larger than dwsctl reads for this call (see `api::body`).
    #[error(
        "{call}: the answer is larger than {}, the limit for this call; it was not read further",
        crate::files::size(*limit)
    )]
    #[diagnostic(
        code(dwsctl::api::too_large),
        help("no DWS answer comes near this size (a list of 1,000 clusters is about 1 MiB): check that DWS_ENDPOINT / --endpoint points at the DWS API and not at something else")
    )]
    TooLarge { call: Call, limit: usize },
    /// A read-only client (used by `plan`) refused a mutating call before sending it.
    #[error("{call} refused: this connection is read-only")]
    #[diagnostic(code(dwsctl::api::read_only))]
    ReadOnly { call: Call },
    /// A 401 persisted after the token was re-issued, or a pre-issued token was rejected.
    #[error(
        "{call}: authentication rejected: HTTP 401{}{}{}",
        code_part(code),
        message_part(message),
        request_id_part(request_id)
    )]
    #[diagnostic(code(dwsctl::api::unauthorized))]
    Unauthorized {
        call: Call,
        code: Option<String>,
        message: Option<String>,
        /// The answer's `X-Request-Id` (escaped, bounded).
        request_id: Option<String>,
        #[help]
        help: String,
    },
    /// The configuration (environment, clouds.yaml, flags) is incomplete or inconsistent.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),
}

fn code_part(code: &Option<String>) -> String {
    code.as_deref().map(|c| format!(" {c}")).unwrap_or_default()
}

fn message_part(message: &Option<String>) -> String {
    match message.as_deref() {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

/// The request id, last on the line, where support finds it.
fn request_id_part(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" [request id {id}]"))
        .unwrap_or_default()
}

/// The longest request id shown; real ones are 32 hex digits or a UUID.
pub const REQUEST_ID_LIMIT: usize = 64;

/// An answer's `X-Request-Id`, escaped for a terminal and cut at [`REQUEST_ID_LIMIT`]
/// characters (it comes from the network; a cut one ends in `…`); `None` when absent or
/// empty.
pub fn request_id(headers: &reqwest::header::HeaderMap, redactor: &Redactor) -> Option<String> {
    let raw = headers.get("x-request-id")?;
    let text = String::from_utf8_lossy(raw.as_bytes());
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // Redacted (a server may echo a secret in any header it sends) and escaped first, then
    // cut: what is shown stays within the limit and no cut can leave part of a secret.
    let escaped = redactor.scrub(text);
    let mut cut: String = escaped.chars().take(REQUEST_ID_LIMIT).collect();
    if escaped.chars().count() > REQUEST_ID_LIMIT {
        cut.push('…');
    }
    Some(cut)
}

fn attempts_part(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

impl ApiError {
    /// A mutating call that may or may not have taken effect: resolve it by listing, never by
    /// sending it again blindly.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, ApiError::OutcomeUnknown { .. })
    }

    /// The same request may succeed if sent again later, and sending it again is safe:
    /// throttling or server trouble that outlasted the retry budget, an unreachable endpoint,
    /// or a cluster busy with another operation (`DWS.0011`, `DWS.7023`).
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Status {
                status, code, call, ..
            } => {
                *status == 429
                    || (*status >= 500 && call.repeat == Repeat::Safe)
                    || is_busy_code(code.as_deref())
            }
            ApiError::Unreachable { .. } | ApiError::Transport { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            ApiError::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }

    /// The DWS/IAM/gateway error code, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Status { code, .. } | ApiError::Unauthorized { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The name is already in use: 409 DWS.5050 for clusters, 400 DWS.5039 ("duplicated
    /// parameter") on a snapshot create.
    pub fn is_name_taken(&self) -> bool {
        match self {
            ApiError::Status {
                status, code, call, ..
            } => {
                (*status == 409 && code.as_deref() == Some("DWS.5050"))
                    || (call.method == Method::Post
                        && call.route.ends_with("{project_id}/snapshots")
                        && code.as_deref() == Some("DWS.5039"))
            }
            _ => false,
        }
    }

    /// Another operation is running on the cluster (`DWS.0011`, `DWS.7023`): retry after it.
    pub fn is_busy(&self) -> bool {
        match self {
            ApiError::Status { code, .. } => is_busy_code(code.as_deref()),
            _ => false,
        }
    }

    /// The object does not exist: 404, or what Huawei Cloud answers instead (README, "Profiles: OTC and Huawei";
    /// vendor API reference: appendix/error_code.rst): 401 DWS.0047 or 404 DWS.3027 for a cluster, 403 DWS.0015 on
    /// one object's route (on a collection it is about permissions), and 400 DWS.0001 (or
    /// DWS.5149) for the DELETE of a snapshot that is already deleted. DWS.0001 means
    /// "incorrect parameter" elsewhere, so it counts only there: the id came from a listing.
    pub fn is_not_found(&self) -> bool {
        match self {
            ApiError::Status {
                status, code, call, ..
            } => {
                let code = code.as_deref();
                *status == 404
                    || matches!(code, Some("DWS.0047" | "DWS.3027"))
                    || (code == Some("DWS.0015") && !is_collection(call))
                    || (is_snapshot_delete(call) && matches!(code, Some("DWS.0001" | "DWS.5149")))
            }
            _ => false,
        }
    }

    /// The `X-Request-Id` of the answer this error came from, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Status { request_id, .. }
            | ApiError::Decode { request_id, .. }
            | ApiError::Unauthorized { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

/// Whether a 401 came from the DWS service rather than from authentication: the gateway and
/// IAM refuse credentials with `APIGW.*` / `IAM.*` codes (or none), while Huawei Cloud answers
/// an unknown cluster with 401 DWS.0047 (README, "Profiles: OTC and Huawei";
/// terraform-provider-huaweicloud reads it as "not found"). Such an answer needs no new token and is no authentication failure.
pub fn is_service_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("DWS."))
}

fn is_snapshot_delete(call: &Call) -> bool {
    call.method == Method::Delete && call.route.ends_with("/snapshots/{snapshot_id}")
}

/// The codes that mean "another operation is running on this cluster; retry later".
pub fn is_busy_code(code: Option<&str>) -> bool {
    matches!(code, Some("DWS.0011" | "DWS.7023"))
}

/// What the user can do about an error status; `auth` names the auth method in use.
pub fn help_for(status: u16, code: Option<&str>, call: &Call, auth: &str) -> String {
    if is_busy_code(code) {
        return "another operation is running on this cluster; wait until it finishes and run again".into();
    }
    match (status, code) {
        (409, Some("DWS.5050")) => {
            "a cluster with this name already exists in the project; pick another name or adopt it".into()
        }
        (400, Some("IAM.1109")) => {
            "IAM does not know this project: check OS_PROJECT_NAME / OS_PROJECT_ID (on Open Telekom Cloud the project is usually named after the region, e.g. eu-de)".into()
        }
        (401, _) => unauthorized_help(auth),
        (403, _) if is_collection(call) => {
            "the credentials are not valid for this project, or lack DWS permissions there: check OS_PROJECT_ID / OS_PROJECT_NAME against the token's or key pair's project, and that the user has a DWS role (e.g. DWS Administrator, or DWS ReadOnlyAccess for plan)".into()
        }
        (403, Some("DWS.0015")) => {
            "the object does not exist or your user may not see it: check the id and that the credentials have DWS permissions in this project".into()
        }
        (403, _) => {
            "permission denied: the user needs a DWS role (e.g. DWS Administrator, or DWS ReadOnlyAccess for plan) in this project, and the token's project must be the one in the URL (check OS_PROJECT_NAME / OS_PROJECT_ID against the endpoint's region)".into()
        }
        (404, _) if is_collection(call) => {
            "the endpoint does not serve this API for this project: check DWS_ENDPOINT / --endpoint, the region and the project id".into()
        }
        (404, _) => "the object does not exist (it may have been deleted meanwhile); run `dwsctl plan` again".into(),
        (429, _) => {
            "the API throttled dwsctl and the retry budget is used up; wait a minute and run again, or run fewer dwsctl processes against this project at once".into()
        }
        (500..=599, _) => {
            "the service failed or is unavailable; retry later, and open a ticket with the cloud provider if it persists".into()
        }
        (400, _) => "the API rejected the request as invalid; check the spec values named in the message".into(),
        _ => "see the error code in the provider's DWS API documentation".into(),
    }
}

/// Whether the call addresses the project's collection rather than one object (so a 403 or
/// 404 is about the project or endpoint, not about an id).
fn is_collection(call: &Call) -> bool {
    call.route.ends_with("{project_id}/clusters") || call.route.ends_with("{project_id}/snapshots")
}

/// What to check when credentials are rejected, per auth method.
pub fn unauthorized_help(auth: &str) -> String {
    match auth {
        "token" => "the pre-issued token (OS_AUTH_TOKEN) is invalid or expired, or belongs to another region; get a new one".into(),
        "aksk" => "the access key is unknown, the secret key is wrong, or this machine's clock is more than 15 minutes off; check OS_ACCESS_KEY / OS_SECRET_KEY and the clock".into(),
        _ => "wrong user name, password, domain or project: check OS_USERNAME (or OS_USER_ID), OS_PASSWORD, OS_USER_DOMAIN_NAME and OS_PROJECT_NAME / OS_PROJECT_ID; the account may also be locked".into(),
    }
}

/// What to check when an endpoint cannot be reached.
pub fn unreachable_help(host: &str) -> String {
    format!(
        "check that {host} is the right endpoint (DWS_ENDPOINT / --endpoint, OS_AUTH_URL, the region), that DNS resolves it, and that proxies and firewalls let HTTPS through"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: Call = Call::new(Method::Get, "/v1.0/{project_id}/clusters", Repeat::Safe);
    const CREATE: Call = Call::new(Method::Post, "/v1.0/{project_id}/clusters", Repeat::Unsafe);

    fn status(call: Call, status: u16, code: Option<&str>) -> ApiError {
        ApiError::Status {
            call,
            status,
            code: code.map(str::to_owned),
            message: Some("msg".into()),
            attempts: 1,
            request_id: None,
            help: help_for(status, code, &call, "password"),
        }
    }

    #[test]
    fn status_error_names_method_route_status_code_and_message() {
        let text = status(CREATE, 409, Some("DWS.5050")).to_string();
        assert_eq!(
            text,
            "POST /v1.0/{project_id}/clusters failed: HTTP 409 DWS.5050: msg"
        );
    }

    #[test]
    fn retryable_covers_throttling_server_trouble_on_reads_and_busy_clusters() {
        assert!(status(LIST, 429, Some("APIGW.0308")).is_retryable());
        assert!(status(LIST, 503, None).is_retryable());
        assert!(status(CREATE, 409, Some("DWS.0011")).is_retryable());
        assert!(status(CREATE, 403, Some("DWS.7023")).is_retryable());
        assert!(!status(CREATE, 409, Some("DWS.5050")).is_retryable());
        assert!(!status(CREATE, 500, None).is_retryable());
        assert!(!status(LIST, 403, None).is_retryable());
        assert!(status(CREATE, 403, Some("DWS.7023")).is_busy());
        assert!(status(CREATE, 409, Some("DWS.5050")).is_name_taken());
        let snapshot = Call::new(Method::Post, "/v1.0/{project_id}/snapshots", Repeat::Unsafe);
        assert!(status(snapshot, 400, Some("DWS.5039")).is_name_taken());
        assert!(!status(CREATE, 400, Some("DWS.5039")).is_name_taken());
        assert!(status(LIST, 404, Some("DWS.0047")).is_not_found());
        let unknown = ApiError::OutcomeUnknown {
            call: CREATE,
            reason: "timeout".into(),
        };
        assert!(unknown.is_outcome_unknown());
        assert!(!unknown.is_retryable());
    }

    #[test]
    fn huawei_not_found_codes_count_only_where_they_mean_not_found() {
        let restart = Call::new(
            Method::Post,
            "/v1.0/{project_id}/clusters/{cluster_id}/restart",
            Repeat::Unsafe,
        );
        let delete_snapshot = Call::new(
            Method::Delete,
            "/v1.0/{project_id}/snapshots/{snapshot_id}",
            Repeat::Safe,
        );
        assert!(status(restart, 401, Some("DWS.0047")).is_not_found());
        assert!(status(restart, 404, Some("DWS.3027")).is_not_found());
        assert!(status(restart, 403, Some("DWS.0015")).is_not_found());
        assert!(!status(LIST, 403, Some("DWS.0015")).is_not_found());
        assert!(status(delete_snapshot, 400, Some("DWS.0001")).is_not_found());
        assert!(status(delete_snapshot, 400, Some("DWS.5149")).is_not_found());
        assert!(!status(restart, 400, Some("DWS.0001")).is_not_found());
        assert!(!status(CREATE, 400, Some("DWS.0001")).is_not_found());
        assert!(is_service_code(Some("DWS.0047")));
        assert!(!is_service_code(Some("APIGW.0307")) && !is_service_code(None));
    }

    #[test]
    fn the_request_id_ends_the_line_escaped_and_bounded() {
        let mut err = status(CREATE, 409, Some("DWS.5050"));
        if let ApiError::Status { request_id, .. } = &mut err {
            *request_id = Some("3f2a".into());
        }
        assert_eq!(
            err.to_string(),
            "POST /v1.0/{project_id}/clusters failed: HTTP 409 DWS.5050: msg [request id 3f2a]"
        );
        let redactor = Redactor::default();
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(request_id(&headers, &redactor), None);
        headers.insert("x-request-id", "  ".parse().expect("header"));
        assert_eq!(request_id(&headers, &redactor), None);
        let long = format!("\u{202e}{}", "a".repeat(100));
        headers.insert("x-request-id", long.parse().expect("header"));
        let shown = request_id(&headers, &redactor).expect("id");
        assert!(shown.starts_with("\\u202e"), "{shown}");
        assert_eq!(shown.chars().count(), REQUEST_ID_LIMIT + 1);
    }

    #[test]
    fn a_request_id_that_echoes_a_secret_shows_it_redacted() {
        const CANARY: &str = "Canary-Secret#4711";
        let redactor = Redactor::default();
        redactor.add(CANARY);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-request-id",
            format!("req-{CANARY}").parse().expect("header"),
        );
        let shown = request_id(&headers, &redactor).expect("id");
        assert!(!shown.contains(CANARY), "{shown}");
        assert!(shown.contains(REDACTED), "{shown}");
    }

    #[test]
    fn help_says_what_to_do_per_status() {
        assert!(help_for(401, None, &LIST, "aksk").contains("clock"));
        assert!(help_for(401, None, &LIST, "password").contains("OS_PASSWORD"));
        assert!(help_for(403, None, &LIST, "password").contains("project"));
        assert!(help_for(404, None, &LIST, "password").contains("DWS_ENDPOINT"));
        assert!(help_for(429, None, &LIST, "password").contains("throttled"));
        assert!(help_for(409, Some("DWS.0011"), &CREATE, "password").contains("another operation"));
    }
}
