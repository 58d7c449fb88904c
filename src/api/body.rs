//! Reading answer bodies within a size limit, chunk by chunk.
//!
//! A server (or anything pretending to be one) can send an endless or enormous body; read
//! whole, it grows the process until the OOM killer stops it. So every body is read in chunks
//! into one buffer that never grows past the limit of its call, and a body announced larger
//! than that (`Content-Length`) is not read at all. The time to read it is bounded by the
//! client's request timeout, which reqwest applies up to the end of the body.
//!
//! The limits, measured against the simulator (`POST /_sim/seed`, then the two lists): 1,000
//! clusters of 3 nodes without tags take 1,049,615 bytes (about 1 KiB each), 1,000 snapshots
//! 261,028 bytes. A cluster with 10 tags and 32 nodes takes about 4 KiB. [`LIST_LIMIT`] (64 MiB)
//! holds about 60,000 such simulator clusters or 16,000 large ones: tens of thousands of objects
//! with room to spare. Single objects, actions, quotas, node types and the IAM token (whose
//! service catalog is the largest of them, tens of KiB) get [`OBJECT_LIMIT`]. An error answer
//! is only shown (4,000 characters at most), so its body is cut at [`ERROR_LIMIT`] instead of
//! failing the call.

use super::error::{Call, Method};

/// The most bytes read of a successful list answer (clusters, snapshots).
pub const LIST_LIMIT: usize = 64 * 1024 * 1024;
/// The most bytes read of any other successful answer.
pub const OBJECT_LIMIT: usize = 4 * 1024 * 1024;
/// The most bytes kept of an error answer (the rest is dropped unread).
pub const ERROR_LIMIT: usize = 64 * 1024;

/// The limit of a successful answer to `call`.
pub fn limit_for(call: &Call) -> usize {
    let is_list = call.method == Method::Get
        && (call.route.ends_with("{project_id}/clusters")
            || call.route.ends_with("{project_id}/snapshots"));
    if is_list {
        LIST_LIMIT
    } else {
        OBJECT_LIMIT
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// The body is (or announced itself) larger than the limit.
    TooLarge { limit: usize },
    /// The connection broke or timed out while reading.
    Broken(reqwest::Error),
}

/// How to treat a body over the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Fail: a success body cut short cannot be decoded.
    Fail,
    /// Keep the first `limit` bytes and drop the rest (error bodies are only shown).
    Truncate,
}

/// Reads `response`'s body, at most `limit` bytes.
pub async fn read(
    response: &mut reqwest::Response,
    limit: usize,
    overflow: Overflow,
) -> Result<Vec<u8>, BodyError> {
    let announced = response.content_length().unwrap_or(0);
    if overflow == Overflow::Fail && announced > limit as u64 {
        return Err(BodyError::TooLarge { limit });
    }
    // Trust the announced size for the first allocation only up to the limit.
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(limit).min(limit));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Broken)? {
        let room = limit - body.len();
        if chunk.len() > room {
            if overflow == Overflow::Fail {
                return Err(BodyError::TooLarge { limit });
            }
            body.extend_from_slice(chunk.get(..room).unwrap_or_default());
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A body some Huawei Cloud regions send base64-encoded ("when the cluster ID does not exist,
/// the response body is in base64 format", terraform-provider-huaweicloud PR #5226; README,
/// "Profiles: OTC and Huawei"), decoded: standard or URL-safe alphabet, padding optional, surrounding
/// whitespace and JSON string quotes ignored. `None` for anything else and for input longer
/// than [`ERROR_LIMIT`] (only error bodies are decoded, and they are cut there); never panics.
pub fn unbase64(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() > ERROR_LIMIT {
        return None;
    }
    let text = body.trim_ascii();
    let text = match text {
        [b'"', inner @ .., b'"'] => inner,
        _ => text,
    };
    let data = text
        .strip_suffix(b"==")
        .or(text.strip_suffix(b"="))
        .unwrap_or(text);
    if data.is_empty() || data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in data {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::routes;

    #[test]
    fn lists_get_the_large_limit_and_everything_else_the_object_limit() {
        assert_eq!(limit_for(&routes::LIST_CLUSTERS), LIST_LIMIT);
        assert_eq!(limit_for(&routes::LIST_SNAPSHOTS), LIST_LIMIT);
        assert_eq!(limit_for(&routes::CREATE_CLUSTER), OBJECT_LIMIT);
        assert_eq!(limit_for(&routes::GET_CLUSTER), OBJECT_LIMIT);
        assert_eq!(limit_for(&routes::NODE_TYPES), OBJECT_LIMIT);
        assert_eq!(limit_for(&crate::api::auth::TOKEN_CALL), OBJECT_LIMIT);
    }

    #[test]
    fn base64_bodies_decode_in_both_alphabets_and_garbage_does_not() {
        let json = br#"{"error_code":"DWS.0047","error_msg":"gone?"}"#;
        let standard = "eyJlcnJvcl9jb2RlIjoiRFdTLjAwNDciLCJlcnJvcl9tc2ciOiJnb25lPyJ9";
        assert_eq!(unbase64(standard.as_bytes()).as_deref(), Some(&json[..]));
        let quoted = format!("\"{standard}\"\n");
        assert_eq!(unbase64(quoted.as_bytes()).as_deref(), Some(&json[..]));
        assert_eq!(unbase64(b"Pz8-").as_deref(), Some(&b"??>"[..]));
        assert_eq!(unbase64(b"Pz8_").as_deref(), Some(&b"???"[..]));
        assert_eq!(unbase64(b"Pz8/"), unbase64(b"Pz8_"));
        assert_eq!(unbase64(b"YQ==").as_deref(), Some(&b"a"[..]));
        for garbage in [
            &b""[..],
            b"\"\"",
            b"{\"error_code\": 1}",
            b"Y",
            b"YQ=x",
            b"Y\x00Q=",
            "\u{e9}t\u{e9}".as_bytes(),
        ] {
            assert_eq!(unbase64(garbage), None, "{garbage:?}");
        }
        assert_eq!(unbase64(&vec![b'A'; ERROR_LIMIT + 4]), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(crate::files::size(LIST_LIMIT), "64 MiB");
        assert_eq!(crate::files::size(ERROR_LIMIT), "64 KiB");
        assert_eq!(crate::files::size(1000), "1000 bytes");
    }
}
