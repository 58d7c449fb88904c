//! What handlers answer: error replies with DWS or gateway bodies, and the extractors that turn
//! every malformed request (bad JSON, wrong types, empty or huge bodies, odd paths) into one of
//! them instead of axum's plain-text rejections.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::wire::ErrorBody;

/// An error answer: status, body and (for throttling) a `Retry-After`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiErr {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
    pub retry_after: Option<u64>,
    /// Send the JSON body base64-encoded (the Huawei profile's not-found answers).
    pub base64: bool,
}

impl ApiErr {
    /// A DWS error in the four-key form (`wire::ApiErrorBody`).
    pub fn dws(status: StatusCode, code: &str, message: impl AsRef<str>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::dws(code, message.as_ref())),
            retry_after: None,
            base64: false,
        }
    }

    /// An API-gateway error (`error_code` / `error_msg` only).
    pub fn gateway(status: StatusCode, code: &str, message: impl AsRef<str>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::gateway(code, message.as_ref())),
            retry_after: None,
            base64: false,
        }
    }

    /// 400 DWS.0001, the catch-all "Incorrect parameter." with a detail.
    pub fn bad_param(detail: impl AsRef<str>) -> Self {
        Self::dws(
            StatusCode::BAD_REQUEST,
            "DWS.0001",
            format!("Incorrect parameter. {}", detail.as_ref()),
        )
    }

    /// The same answer with its body base64-encoded.
    pub fn base64(self) -> Self {
        Self {
            base64: true,
            ..self
        }
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        let mut response = if self.base64 {
            let json = serde_json::to_vec(&*self.body).unwrap_or_default();
            let mut response = (self.status, base64_encode(&json)).into_response();
            response.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=UTF-8"),
            );
            response
        } else {
            (self.status, Json(*self.body)).into_response()
        };
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        response
    }
}

/// What a DWS or IAM handler returns.
pub type ApiResult = Result<Response, ApiErr>;

/// A 200 answer with a JSON body.
pub fn ok<T: Serialize>(body: &T) -> ApiResult {
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// An answer with the given status and an empty JSON object (`{}`), as the API documents for
/// actions and deletes.
pub fn empty(status: StatusCode) -> ApiResult {
    Ok((status, Json(serde_json::json!({}))).into_response())
}

/// A JSON body decoded into `T`; any failure becomes a DWS error reply.
#[derive(Debug)]
pub struct DwsJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for DwsJson<T> {
    type Rejection = ApiErr;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| body_rejection(rejection.status()))?;
        decode(&bytes).map(DwsJson)
    }
}

/// The error for a body that could not be read (too large, or the connection broke).
pub fn body_rejection(status: StatusCode) -> ApiErr {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiErr::dws(
            StatusCode::PAYLOAD_TOO_LARGE,
            "DWS.0001",
            format!(
                "Incorrect parameter. The request body exceeds {} bytes.",
                super::MAX_BODY_BYTES
            ),
        )
    } else {
        ApiErr::bad_param("The request body could not be read.")
    }
}

/// Decodes a request body: empty → DWS.0006, malformed or mistyped → DWS.0001.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiErr> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiErr::dws(
            StatusCode::BAD_REQUEST,
            "DWS.0006",
            "Empty request.",
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|err| ApiErr::bad_param(format!("The request body is invalid: {err}.")))
}

/// The path parameters of a route, by name; a path that cannot be decoded is a DWS.0001.
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// The parameter's value, or "" when the route has none of that name.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiErr;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Path(map)| Params(map))
            .map_err(|_| ApiErr::bad_param("The request path cannot be decoded."))
    }
}

/// The 404 for a route the API does not have.
pub fn no_route() -> ApiErr {
    ApiErr::gateway(
        StatusCode::NOT_FOUND,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment.",
    )
}

/// The 405 for a known path with a method it does not take.
pub fn no_method() -> ApiErr {
    ApiErr::gateway(
        StatusCode::METHOD_NOT_ALLOWED,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment (method not allowed).",
    )
}

/// Standard base64 with padding (RFC 4648 §4): small enough not to need a crate.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64_encode;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
        }
    }
}
