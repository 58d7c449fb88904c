use super::*;

/// Backslash, quote, slash, space, non-ASCII letters and a character outside the BMP.
const CANARY: &str = "Zq7\\Ca nary\"#/ü4481x漢😀";

fn redactor() -> Redactor {
    let redactor = Redactor::default();
    redactor.add(CANARY);
    redactor
}

#[track_caller]
fn assert_hidden(redactor: &Redactor, form: &str, label: &str) {
    let text = format!("error: request {{{form}}} rejected");
    let shown = redactor.redact(&text);
    assert_eq!(
        shown, "error: request {(sensitive)} rejected",
        "{label}: {form}"
    );
}

/// JSON as an encoder that escapes non-ASCII (and optionally `/`) writes it.
fn json_ascii(text: &str, upper: bool, slash: bool) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if slash => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&if upper {
                        format!("\\u{u:04X}")
                    } else {
                        format!("\\u{u:04x}")
                    });
                }
            }
        }
    }
    out
}

fn percent(text: &str, space_plus: bool, upper: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b' ' if space_plus => "+".to_owned(),
            b if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) => char::from(b).to_string(),
            b if upper => format!("%{b:02X}"),
            b => format!("%{b:02x}"),
        })
        .collect()
}

#[test]
fn the_raw_and_every_json_form_of_a_secret_are_hidden() {
    let r = redactor();
    let json = serde_json::to_string(CANARY).expect("json");
    let json = json.trim_matches('"');
    assert!(json.contains("\\\\") && json.contains("\\\""), "{json}");
    assert_hidden(&r, CANARY, "raw");
    assert_hidden(&r, json, "JSON");
    let twice =
        serde_json::to_string(&serde_json::to_string(CANARY).expect("json")).expect("json twice");
    let twice = twice
        .strip_prefix("\"\\\"")
        .and_then(|t| t.strip_suffix("\\\"\""))
        .expect("quoted twice");
    assert_hidden(&r, twice, "JSON inside a JSON string");
    for upper in [false, true] {
        for slash in [false, true] {
            let form = json_ascii(CANARY, upper, slash);
            assert_hidden(&r, &form, "JSON, ASCII only");
        }
    }
}

#[test]
fn every_percent_encoding_of_a_secret_is_hidden() {
    let r = redactor();
    for space_plus in [false, true] {
        for upper in [false, true] {
            assert_hidden(&r, &percent(CANARY, space_plus, upper), "percent-encoded");
        }
    }
}

#[test]
fn base64_of_a_secret_is_hidden_at_every_alignment_in_both_alphabets() {
    let r = redactor();
    for prefix in ["", "u", "us"] {
        for alphabet in [STANDARD, URL_SAFE] {
            let plain = format!("{prefix}{CANARY}:tail");
            let encoded = base64(plain.as_bytes(), alphabet);
            let shown = r.redact(&format!("Authorization: Basic {encoded}=="));
            assert_eq!(shown, "Authorization: Basic (sensitive)", "{prefix:?}");
            // What is left cannot hold a run of the secret's encoding long enough to decode
            // three of its bytes.
            for core in base64_cores(CANARY.as_bytes()) {
                assert!(!shown.contains(&core), "{shown}");
            }
        }
    }
}

#[test]
fn base64_matches_a_reference_encoder() {
    // RFC 4648 test vectors (without padding).
    for (plain, encoded) in [
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(plain.as_bytes(), STANDARD), encoded);
    }
    assert_eq!(base64(&[0xfb, 0xff], URL_SAFE), "-_8");
}

#[test]
fn a_short_password_does_not_destroy_ordinary_words() {
    let r = Redactor::default();
    r.add("wrong");
    assert_eq!(
        r.redact("The username or password is wrong."),
        "The username or password is wrong."
    );
    // But a field that carries it is blanked, whatever its length.
    assert_eq!(
        r.redact(r#"echo {"password":"wrong"}"#),
        r#"echo {"password":"(sensitive)"}"#
    );
}

#[test]
fn a_short_secret_with_digits_or_symbols_is_hidden_only_as_a_whole_token() {
    let r = Redactor::default();
    r.add("ab1!x");
    assert_eq!(r.redact("pw ab1!x rejected"), "pw (sensitive) rejected");
    assert_eq!(r.redact("id xab1!xy stays"), "id xab1!xy stays");
    r.add("abc");
    assert_eq!(r.redact("abc"), "abc", "3 characters are never a secret");
}

#[test]
fn values_of_secret_named_fields_are_blanked_in_free_text() {
    let r = Redactor::default();
    for (text, shown) in [
        (
            r#"bad body {"user_pwd":"Zq7\\Canary#4481x","name":"a"}"#,
            r#"bad body {"user_pwd":"(sensitive)","name":"a"}"#,
        ),
        (
            r#"{\"user_pwd\":\"a\\\"b\",\"name\":\"c\"}"#,
            r#"{\"user_pwd\":\"(sensitive)\",\"name\":\"c\"}"#,
        ),
        ("{'password': 'x y'}", "{'password': '(sensitive)'}"),
        ("GET /x?token=abc123&id=4", "GET /x?token=(sensitive)&id=4"),
        ("Invalid password: too short", "Invalid password: too short"),
    ] {
        assert_eq!(r.redact(text), shown, "{text}");
    }
}

#[test]
fn a_shown_body_blanks_secret_fields_and_redacts_each_string_at_its_level() {
    let r = redactor();
    let echoed = serde_json::json!({"user_pwd": CANARY}).to_string();
    let body = serde_json::json!({
        "error_msg": format!("request {echoed} invalid"),
        "nested": {"new_password": "x2"},
        "msg": format!("echo {CANARY}"),
    })
    .to_string();
    let shown = r.show_body(body.as_bytes());
    assert!(!shown.contains("x2"), "{shown}");
    assert!(
        !shown.contains("Canary") && !shown.contains("nary"),
        "{shown}"
    );
    assert!(shown.contains("\"msg\": \"echo (sensitive)\""), "{shown}");
}

#[test]
fn non_json_bodies_are_shown_as_text_escaped_and_truncated() {
    let r = Redactor::default();
    assert_eq!(
        r.show_body(b"<html>bad gateway</html>"),
        "<html>bad gateway</html>"
    );
    assert_eq!(r.show_body(b""), "(empty)");
    assert_eq!(r.show_body(b"a\x1b[2Jb\nc"), "a\\u001b[2Jb\nc");
    let long = "x".repeat(5000);
    assert!(r.show_body(long.as_bytes()).ends_with("(truncated)"));
}

#[test]
fn scrub_escapes_what_it_keeps() {
    let r = redactor();
    assert_eq!(
        r.scrub(&format!("bad {CANARY}\n\u{1b}[2JApply complete!")),
        "bad (sensitive)\\n\\u001b[2JApply complete!"
    );
}

#[test]
fn a_huge_body_is_shown_as_a_redacted_prefix() {
    let r = redactor();
    let items: Vec<String> = (0..100_000).map(|i| format!("{i} {CANARY}")).collect();
    let body = serde_json::to_vec(&serde_json::json!({ "clusters": items })).expect("json");
    assert!(body.len() > 3_000_000);
    let shown = r.show_body(&body);
    assert!(shown.ends_with("... (truncated)"), "{shown}");
    assert!(shown.chars().count() < 4100);
    assert!(
        shown.contains("(sensitive)") && !shown.contains("nary"),
        "{shown}"
    );
}
