//! A hostile endpoint that echoes the secrets it was sent, in every encoding a server might
//! use (JSON-escaped, JSON with `\uXXXX`, percent-encoded, base64), and that answers with
//! escape sequences: errors hold none of it.

use dwsctl::api::config::{ClientConfig, Credentials, NameOrId, PasswordAuth, UserRef};
use dwsctl::api::{ApiError, Client};
use dwsctl::secret::Secret;
use serde_json::{json, Value};

use super::client_sim::{create_body, fast};
use super::fake_http::{FakeHttp, Reply, Request};

/// Backslash, quote, slash and non-ASCII letters: each has its own escaped form.
const OS_PASSWORD: &str = "Os\\Pw\"Canary/ü-55a1 x";
const ADMIN_PASSWORD: &str = "Adm\\in\"Pw/é漢-9x";

/// The ways a server may write `secret` back.
fn encodings(secret: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(secret).expect("json");
    let json = json.trim_matches('"').to_owned();
    let ascii_json: String = secret
        .chars()
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            '/' => "\\/".to_owned(),
            c if c.is_ascii() => c.to_string(),
            c => {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04X}"))
                    .collect()
            }
        })
        .collect();
    let percent = |plus: bool| -> String {
        secret
            .bytes()
            .map(|b| match b {
                b' ' if plus => "+".to_owned(),
                b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    let base64 = |alphabet: &[u8; 64], prefix: &str| {
        let bytes = format!("{prefix}{secret}").into_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
            let n = (b(0) << 16) | (b(1) << 8) | b(2);
            for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
                if k <= chunk.len() {
                    out.push(char::from(alphabet[((n >> shift) & 63) as usize]));
                }
            }
        }
        out
    };
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    vec![
        ("raw", secret.to_owned()),
        ("JSON", json),
        ("JSON \\u", ascii_json),
        ("percent %20", percent(false)),
        ("percent +", percent(true)),
        ("base64", base64(STD, "user:")),
        ("base64 +1", base64(STD, "u:")),
        ("base64 url-safe", base64(URL, ":")),
    ]
}

/// The password in a request body, wherever the request carries it.
fn password_in(request: &Request) -> String {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let login = &body["auth"]["identity"]["password"]["user"]["password"];
    let admin = &body["cluster"]["user_pwd"];
    login.as_str().or(admin.as_str()).unwrap_or("").to_owned()
}

/// An endpoint that answers every request with an error quoting `form` of its password.
async fn echoing(form: usize) -> FakeHttp {
    FakeHttp::start(move |request: &Request| {
        let password = password_in(request);
        let encoded = encodings(&password)
            .get(form)
            .map(|(_, e)| e.clone())
            .unwrap_or_default();
        let message = format!("you sent {encoded} which is wrong");
        if request.path.ends_with("/auth/tokens") {
            Reply::json(
                401,
                &json!({"error": {"code": 401, "title": "Unauthorized", "message": message}}),
            )
        } else {
            Reply::json(
                400,
                &json!({"error_code": "DWS.0001", "error_msg": message, "echo": [message]}),
            )
        }
    })
    .await
}

fn password_client(base: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::Password(PasswordAuth {
        auth_url: format!("{base}/v3"),
        user: UserRef::Name {
            name: "alice".into(),
            domain: NameOrId::Name("acme".into()),
        },
        password: Secret::new(OS_PASSWORD),
        project: NameOrId::Name("eu-de".into()),
    }));
    config.endpoint = Some(base.to_owned());
    Client::new(fast(config)).expect("client")
}

fn token_client(base: &str) -> Client {
    let mut config = ClientConfig::new(Credentials::Token {
        token: Secret::new("echo-test-token-0001"),
        project_id: "p1".into(),
    });
    config.endpoint = Some(base.to_owned());
    Client::new(fast(config)).expect("client")
}

fn shown(err: ApiError) -> String {
    let text = format!("{err}\n{err:?}");
    format!("{text}\n{:?}", miette::Report::new(err))
}

#[tokio::test]
async fn secrets_echoed_in_any_encoding_are_redacted_from_errors() {
    let count = encodings(OS_PASSWORD).len();
    for form in 0..count {
        let fake = echoing(form).await;
        let login = password_client(&fake.base)
            .list_clusters()
            .await
            .expect_err("401");
        let mut body = create_body("dws-echo");
        body.user_pwd = Secret::new(ADMIN_PASSWORD);
        let create = token_client(&fake.base)
            .create_cluster(&body)
            .await
            .expect_err("400");
        for (err, secret) in [(login, OS_PASSWORD), (create, ADMIN_PASSWORD)] {
            let text = shown(err);
            let (label, _) = &encodings(secret)[form];
            assert!(
                text.contains("you sent (sensitive) which is wrong"),
                "{label}: {text}"
            );
            for (name, encoded) in encodings(secret) {
                assert!(
                    !text.contains(&encoded),
                    "{label}: leaks the {name} form:\n{text}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_short_password_keeps_the_servers_words() {
    let fake = FakeHttp::start(|_: &Request| {
        Reply::json(
            401,
            &json!({"error": {"code": 401, "title": "Unauthorized",
                              "message": "The username or password is wrong."}}),
        )
    })
    .await;
    let mut config = ClientConfig::new(Credentials::Password(PasswordAuth {
        auth_url: format!("{}/v3", fake.base),
        user: UserRef::Name {
            name: "alice".into(),
            domain: NameOrId::Name("acme".into()),
        },
        password: Secret::new("wrong"),
        project: NameOrId::Name("eu-de".into()),
    }));
    config.endpoint = Some(fake.base.clone());
    let err = Client::new(fast(config))
        .expect("client")
        .list_clusters()
        .await
        .expect_err("401");
    assert!(
        err.to_string()
            .ends_with(": The username or password is wrong."),
        "{err}"
    );
}

#[tokio::test]
async fn escape_sequences_and_line_breaks_from_a_server_are_escaped_in_errors() {
    const HOSTILE: &str = "\u{1b}[2J\u{1b}[H\nApply complete: 3 done, 0 failed.\u{9b}0m\u{202e}";
    let fake = FakeHttp::start(|request: &Request| {
        if request.method == "GET" {
            // Undecodable, so the body is shown.
            Reply::json(200, &json!({"clusters": 1, "note": HOSTILE}))
        } else {
            Reply::json(
                400,
                &json!({"error_code": "DWS.\u{1b}[31m0001", "error_msg": HOSTILE}),
            )
        }
    })
    .await;
    let client = token_client(&fake.base);
    let decode = client.list_clusters().await.expect_err("decode");
    let status = client
        .create_cluster(&create_body("dws-esc"))
        .await
        .expect_err("400");
    for err in [decode, status] {
        let text = format!("{err}");
        assert!(
            !text
                .chars()
                .any(|c| dwsctl::term::is_unsafe(c) && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("\\u001b[2J"), "{text}");
        assert!(!text.contains("\nApply complete"), "{text}");
    }
}
