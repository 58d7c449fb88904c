//! One HTTP exchange with retries: what may be sent again, after how long, and what to say
//! when it fails.
//!
//! What is retried, and why (classified by what is known about the server side; README,
//! "Retries, throttling and errors"):
//! - **not sent** (DNS failure, connection refused, connect timeout): nothing reached the
//!   server, so every call is retried.
//! - **429**: the API gateway refused the request before the backend saw it, so every call is
//!   retried, after `Retry-After` when given; the [`Throttle`] slows the client down.
//! - **sent, no answer** (timeout, connection reset, broken body) and **5xx**: the request may
//!   have taken effect. Only calls that are safe to repeat ([`Repeat::Safe`]) are retried; a
//!   create, restore, resize etc. comes back as an outcome-unknown error and is resolved by
//!   listing by name. A 5xx is treated as possibly-committed too: DWS answers 500 DWS.0005
//!   after backend failures on create (FlexibleEngine#674) and a 502/504 from the gateway says
//!   nothing about the backend.
//! - a TLS verification failure is never retried.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use super::body::{self, BodyError, Overflow};
use super::config::{ClientConfig, ConfigError, Credentials};
use super::endpoints;
use super::error::{
    help_for, is_service_code, request_id, unauthorized_help, unreachable_help, ApiError, Call,
    Redactor, Repeat,
};
use super::retry::{parse_retry_after, RetryBudget, RetryPolicy, Throttle};
use super::wire::ErrorBody;

/// A response that ends the exchange: a success, or an error status that is not (or no
/// longer) retried.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub attempts: u32,
    /// A repeatable call was sent again after an attempt that may have taken effect (so a
    /// 404 on a repeated DELETE means "already gone").
    pub repeated_after_ambiguity: bool,
}

/// How a failed attempt ended, for the retry decision.
enum Failure {
    /// An error status worth retrying.
    Status(Box<Answer>, Option<Duration>),
    /// Nothing reached the server.
    NotSent(String),
    /// The request was (possibly) sent, no answer came back.
    InFlight(String),
}

/// The HTTP client, retry policy, retry budget, rate limiter and redactor of one client.
#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    pub policy: RetryPolicy,
    budget: RetryBudget,
    throttle: Throttle,
    pub redactor: Redactor,
}

impl Transport {
    pub fn new(http: reqwest::Client, policy: RetryPolicy) -> Self {
        Self {
            http,
            budget: RetryBudget::new(policy.quota),
            throttle: Throttle::new(policy.time_scale),
            policy,
            redactor: Redactor::default(),
        }
    }

    /// A request with dwsctl's standard headers plus `extra` (auth headers are marked
    /// sensitive so that no `Debug` of a request can show them).
    pub fn build(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&[u8]>,
        extra: &[(String, String)],
    ) -> Result<reqwest::Request, ApiError> {
        let mut builder = self
            .http
            .request(method, url)
            .header("Accept", "application/json")
            .header("X-Language", "en-us")
            .header("User-Agent", concat!("dwsctl/", env!("CARGO_PKG_VERSION")));
        if !extra
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            builder = builder.header("Content-Type", "application/json");
        }
        if let Some(body) = body {
            builder = builder.body(body.to_vec());
        }
        let mut request = builder.build().map_err(|err| {
            ApiError::Config(super::config::ConfigError::BadUrl {
                url: url.to_owned(),
                reason: self.redactor.scrub(&error_chain(&err)),
            })
        })?;
        for (name, value) in extra {
            let name = HeaderName::try_from(name.as_str());
            let value = HeaderValue::try_from(value.as_str());
            if let (Ok(name), Ok(mut value)) = (name, value) {
                let secret = matches!(name.as_str(), "x-auth-token" | "authorization");
                value.set_sensitive(secret);
                request.headers_mut().insert(name, value);
            }
        }
        Ok(request)
    }

    /// Sends a request built by `prepare` (called again for each attempt, so signatures are
    /// fresh) until it gets an answer that ends the exchange or retrying is not allowed.
    pub async fn run(
        &self,
        call: Call,
        url: &str,
        mut prepare: impl FnMut() -> Result<reqwest::Request, ApiError>,
    ) -> Result<Answer, ApiError> {
        let host = host_of(url);
        let mut attempt: u32 = 0;
        let mut ambiguous = false;
        loop {
            attempt += 1;
            let request = prepare()?;
            self.throttle.acquire().await;
            let failure = match self.http.execute(request).await {
                Ok(response) => match self.answer(call, response, attempt, ambiguous).await {
                    Ok(answer) => match self.classify_status(call, answer) {
                        Ok(done) => return Ok(done),
                        Err(failure) => failure,
                    },
                    Err(BodyError::Broken(err)) => Failure::InFlight(format!(
                        "the answer broke off: {}",
                        self.redactor.scrub(&error_chain(&err))
                    )),
                    Err(BodyError::TooLarge { limit }) => return Err(too_large(call, limit)),
                },
                Err(err) => {
                    let reason = self.redactor.scrub(&error_chain(&err));
                    if is_tls_failure(&reason) {
                        let reason = explain_tls_failure(reason);
                        return Err(ApiError::Tls { call, host, reason });
                    }
                    if err.is_connect() {
                        Failure::NotSent(reason)
                    } else if err.is_timeout() {
                        Failure::InFlight("no answer before the request timeout".to_owned())
                    } else {
                        Failure::InFlight(reason)
                    }
                }
            };
            let (cost, retry_after) = match &failure {
                Failure::Status(_, retry_after) => (self.policy.retry_cost, *retry_after),
                Failure::NotSent(_) => (self.policy.retry_cost, None),
                Failure::InFlight(reason) => {
                    if call.repeat == Repeat::Unsafe {
                        return Err(ApiError::OutcomeUnknown {
                            call,
                            reason: reason.clone(),
                        });
                    }
                    ambiguous = true;
                    (self.policy.timeout_cost, None)
                }
            };
            if attempt >= self.policy.max_attempts || !self.budget.try_withdraw(cost) {
                return give_up(call, host, failure, attempt);
            }
            let wait = self
                .policy
                .delay(attempt - 1, retry_after, rand::random::<f64>());
            tokio::time::sleep(self.policy.real(wait)).await;
        }
    }

    /// Reads the answer's body within its limit: a success body larger than the call's limit
    /// fails the exchange, an error body is cut at [`body::ERROR_LIMIT`].
    async fn answer(
        &self,
        call: Call,
        mut response: reqwest::Response,
        attempts: u32,
        ambiguous: bool,
    ) -> Result<Answer, BodyError> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = if (200..300).contains(&status) {
            body::read(&mut response, body::limit_for(&call), Overflow::Fail).await?
        } else {
            body::read(&mut response, body::ERROR_LIMIT, Overflow::Truncate).await?
        };
        Ok(Answer {
            status,
            headers,
            body,
            attempts,
            repeated_after_ambiguity: ambiguous,
        })
    }

    /// `Ok` for an answer that ends the exchange, `Err` for one worth retrying.
    fn classify_status(&self, call: Call, answer: Answer) -> Result<Answer, Failure> {
        let status = answer.status;
        // A 503 may carry `Retry-After` as well as a 429 (RFC 9110 §10.2.3).
        let retry_after = || {
            answer
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, OffsetDateTime::now_utc()))
        };
        if status == 429 {
            self.throttle.on_throttle();
            let wait = retry_after();
            return Err(Failure::Status(Box::new(answer), wait));
        }
        if status >= 500 && call.repeat == Repeat::Safe {
            let wait = retry_after();
            return Err(Failure::Status(Box::new(answer), wait));
        }
        if (200..300).contains(&status) {
            self.throttle.on_success();
            if answer.attempts == 1 {
                self.budget.refund(self.policy.success_refund);
            }
        }
        Ok(answer)
    }

    /// The error body of an answer, whichever form it has (empty when it has none), also when
    /// it comes base64-encoded (Huawei Cloud, see [`body::unbase64`]).
    pub fn error_body(&self, body: &[u8]) -> ErrorBody {
        serde_json::from_slice(body)
            .ok()
            .or_else(|| body::unbase64(body).and_then(|plain| serde_json::from_slice(&plain).ok()))
            .unwrap_or_default()
    }

    /// The error for an answer with an error status.
    pub fn status_error(&self, call: Call, answer: &Answer, auth_method: &str) -> ApiError {
        let error = self.error_body(&answer.body);
        let code = error.code().map(|c| crate::term::escape(c).into_owned());
        let message = error.message().map(|m| self.redactor.scrub(m)).or_else(|| {
            (!answer.body.is_empty() && error == ErrorBody::default())
                .then(|| self.redactor.show_body(&answer.body))
        });
        ApiError::Status {
            call,
            status: answer.status,
            help: help_for(answer.status, code.as_deref(), &call, auth_method),
            code,
            message,
            attempts: answer.attempts,
            request_id: request_id(&answer.headers, &self.redactor),
        }
    }

    /// The error for a 401 that refused the credentials (see [`is_service_code`] for one
    /// that did not).
    pub fn unauthorized(&self, call: Call, answer: &Answer, auth_method: &str) -> ApiError {
        let error = self.error_body(&answer.body);
        ApiError::Unauthorized {
            call,
            code: error.code().map(|c| crate::term::escape(c).into_owned()),
            message: error.message().map(|m| self.redactor.scrub(m)),
            request_id: request_id(&answer.headers, &self.redactor),
            help: unauthorized_help(auth_method),
        }
    }

    /// Whether a 401 answer refused the credentials (and not, as Huawei Cloud does, an id).
    pub fn refuses_credentials(&self, answer: &Answer) -> bool {
        answer.status == 401 && !is_service_code(self.error_body(&answer.body).code())
    }

    /// Decodes a success body, or says which call returned what instead.
    pub fn decode<T: serde::de::DeserializeOwned>(
        &self,
        call: Call,
        answer: &Answer,
        expected: &'static str,
    ) -> Result<T, ApiError> {
        serde_json::from_slice(&answer.body).map_err(|err| {
            let error = self.decode_error(call, answer.status, expected, &err, &answer.body);
            with_request_id(error, request_id(&answer.headers, &self.redactor))
        })
    }

    pub fn decode_error(
        &self,
        call: Call,
        status: u16,
        expected: &'static str,
        err: &serde_json::Error,
        body: &[u8],
    ) -> ApiError {
        ApiError::Decode {
            call,
            status,
            expected,
            detail: self.redactor.scrub(&err.to_string()),
            body: self.redactor.show_body(body),
            request_id: None,
        }
    }
}

/// `error` with the request id of the answer it is about.
pub fn with_request_id(mut error: ApiError, id: Option<String>) -> ApiError {
    if let ApiError::Status { request_id, .. }
    | ApiError::Decode { request_id, .. }
    | ApiError::Unauthorized { request_id, .. } = &mut error
    {
        *request_id = id;
    }
    error
}

/// The error for a success answer larger than the call's limit. A mutating call took effect
/// (the server said so) but its answer cannot be read, so its outcome is unknown to us.
fn too_large(call: Call, limit: usize) -> ApiError {
    if call.repeat == Repeat::Unsafe {
        return ApiError::OutcomeUnknown {
            call,
            reason: format!(
                "the answer was larger than {}, the limit for this call",
                crate::files::size(limit)
            ),
        };
    }
    ApiError::TooLarge { call, limit }
}

fn give_up(call: Call, host: String, failure: Failure, attempts: u32) -> Result<Answer, ApiError> {
    match failure {
        Failure::Status(answer, _) => Ok(*answer),
        Failure::NotSent(reason) => Err(ApiError::Unreachable {
            call,
            help: unreachable_help(&host),
            host,
            reason,
            attempts,
        }),
        Failure::InFlight(reason) => Err(ApiError::Transport {
            call,
            reason,
            attempts,
        }),
    }
}

/// An error and its causes on one line, without the URL (which is in the call already).
fn error_chain(err: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(err.to_string());
    }
    parts.join(": ")
}

fn is_tls_failure(reason: &str) -> bool {
    let lower = reason.to_ascii_lowercase();
    lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("invalid peer")
}

/// Adds what to do for the failures whose fix the generic help does not give.
fn explain_tls_failure(reason: String) -> String {
    // `openssl req -x509` marks a self-signed certificate as a CA by default; webpki refuses a
    // CA as the server's own certificate even when `--ca-file` trusts it (issue 9).
    if reason.contains("CaUsedAsEndEntity") {
        return format!(
            "{reason}; the server presented a CA certificate as its own (basicConstraints \
             CA:TRUE), which TLS never accepts as a server certificate: pass the CA that signed \
             the server certificate with --ca-file, or issue a server certificate with \
             basicConstraints CA:FALSE (a self-signed one is then passed itself with --ca-file)"
        );
    }
    reason
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(port) => format!("{h}:{port}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_else(|| "the endpoint".to_owned())
}

/// The reqwest client: TLS always verified against the system roots, the built-in roots and
/// the `--ca-file` roots; no redirects (a token must not follow one); no proxy for loopback.
pub fn http_client(
    config: &ClientConfig,
    endpoint: Option<&str>,
) -> Result<reqwest::Client, ApiError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout);
    if let Some(path) = &config.ca_file {
        let ca_error = |reason: String| ConfigError::CaFile {
            path: path.display().to_string(),
            reason,
        };
        let pem = crate::files::read_regular(path, crate::files::CA_LIMIT)
            .map_err(|err| ca_error(err.to_string()))?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| ca_error(err.to_string()))?;
        if certs.is_empty() {
            return Err(ca_error("no PEM certificate in the file".into()).into());
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    let auth_url = match &config.credentials {
        Credentials::Password(auth) => Some(auth.auth_url.as_str()),
        _ => None,
    };
    let all_loopback = [endpoint, auth_url]
        .into_iter()
        .flatten()
        .all(|url| reqwest::Url::parse(url).is_ok_and(|u| endpoints::is_loopback(&u)));
    if all_loopback && endpoint.is_some() {
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|err| ConfigError::Http(err.to_string()).into())
}
