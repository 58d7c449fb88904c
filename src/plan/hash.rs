//! The plan hash, `sha256:<hex>`: the identity of a plan that a reviewer approves
//! (`plan` prints it) and that `apply PLAN --expect-plan-hash` checks before anything is sent.
//!
//! What is hashed is the plan as decoded, the [`Plan`] value `apply` executes, written as
//! canonical JSON. So the hash is the same on every machine and every run for the same plan,
//! layout (whitespace, key order, fields this dwsctl does not read, such as the `summary` a
//! plan is written with) does not change it, and
//! every change of meaning does: a count, a name, a reason, a fingerprint, a dependency.
//!
//! Canonical JSON here is the JSON of RFC 8785 (JCS) for the values a plan holds: no
//! whitespace between tokens; object members sorted by key, comparing keys as UTF-16 code
//! units; object members whose value is `null` left out (an absent optional field and a
//! `null` one decode the same); arrays in their order; strings escaped as `serde_json`
//! writes them (`"`, `\` and control characters only; the rest as UTF-8). A plan holds
//! integers and no fractions, so every number has one form. The hash is not stored in the
//! plan: it would have to cover itself.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::Plan;

/// The algorithm prefix of a plan hash.
pub const PLAN_HASH_PREFIX: &str = "sha256:";

/// The hash of a plan: `sha256:` and 64 lowercase hex digits.
pub fn plan_hash(plan: &Plan) -> String {
    let value = serde_json::to_value(plan).unwrap_or(Value::Null);
    let digest = Sha256::digest(canonical_json(&value).as_bytes());
    format!("{PLAN_HASH_PREFIX}{}", hex::encode(digest))
}

/// `value` as canonical JSON (see the module documentation).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> =
                map.iter().filter(|(_, v)| !v.is_null()).collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_canonical(out, member);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::String(s) => write_string(out, s),
        // `null`, booleans and numbers have one compact form in serde_json.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    // Serializing a string cannot fail; the fallback keeps this total.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// Whether `text` is a well-formed plan hash; returns it normalised (lowercase hex).
pub fn parse_plan_hash(text: &str) -> Option<String> {
    let hex = text.trim().strip_prefix(PLAN_HASH_PREFIX)?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("{PLAN_HASH_PREFIX}{}", hex.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testkit::{desired, desired_cluster, live, live_cluster};
    use crate::plan::{diff, to_json};
    use serde_json::json;

    fn sample() -> Plan {
        let mut wanted = desired_cluster("c1", 6);
        wanted.tags.insert("team".into(), "a|b <i>".into());
        diff(
            &desired(vec![wanted, desired_cluster("c2", 3)]),
            &live(vec![live_cluster("c1", 3)], vec![]),
            "digest",
        )
    }

    #[test]
    fn canonical_json_sorts_keys_drops_nulls_and_has_no_whitespace() {
        let value = json!({"b": [1, {"z": null, "y": "x\ny"}], "a": true, "é": 1, "Z": 2});
        assert_eq!(
            canonical_json(&value),
            r#"{"Z":2,"a":true,"b":[1,{"y":"x\ny"}],"é":1}"#
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units_as_rfc_8785_says() {
        // U+FF21 (one unit, 0xFF21) sorts after U+1F600 (surrogates 0xD83D…) in UTF-16,
        // before it by code point.
        let value = json!({"\u{ff21}": 1, "\u{1f600}": 2});
        assert_eq!(canonical_json(&value), "{\"\u{1f600}\":2,\"\u{ff21}\":1}");
    }

    #[test]
    fn the_hash_survives_a_save_and_load_and_layout_changes() {
        let plan = sample();
        assert!(plan.steps.len() >= 2, "{plan:?}");
        let hash = plan_hash(&plan);
        assert!(
            parse_plan_hash(&hash).as_deref() == Some(hash.as_str()),
            "{hash}"
        );
        let text = to_json(&plan);
        let reloaded = crate::plan::planfile::parse_plan("p".as_ref(), &text).expect("parses");
        assert_eq!(plan_hash(&reloaded), hash);
        // Compact, or with keys reordered: the same plan, the same hash.
        let value: Value = serde_json::from_str(&text).expect("json");
        let compact = serde_json::to_string(&value).expect("json");
        let reloaded = crate::plan::planfile::parse_plan("p".as_ref(), &compact).expect("parses");
        assert_eq!(plan_hash(&reloaded), hash);
    }

    #[test]
    fn any_change_of_meaning_changes_the_hash() {
        let plan = sample();
        let hash = plan_hash(&plan);
        let mut changed = plan.clone();
        changed.steps[0].reason.push('.');
        assert_ne!(plan_hash(&changed), hash);
        let mut changed = plan.clone();
        changed.steps.swap(0, 1);
        assert_ne!(plan_hash(&changed), hash);
        let mut changed = plan.clone();
        changed.spec_digest = "other".into();
        assert_ne!(plan_hash(&changed), hash);
        let mut changed = plan;
        changed.steps.pop();
        assert_ne!(plan_hash(&changed), hash);
    }

    #[test]
    fn only_well_formed_hashes_parse() {
        let hex = "AB".repeat(32);
        assert_eq!(
            parse_plan_hash(&format!("sha256:{hex}")),
            Some(format!("sha256:{}", "ab".repeat(32)))
        );
        assert_eq!(parse_plan_hash(&hex), None);
        assert_eq!(parse_plan_hash("sha256:abc"), None);
        assert_eq!(parse_plan_hash(&format!("sha1:{hex}")), None);
        assert_eq!(parse_plan_hash(&format!("sha256:{}", "g".repeat(64))), None);
    }
}
