//! Unit tests of the shared value rules, and the proof that the simulator and the offline
//! spec validator classify the same values the same way (they both call these rules).

use super::*;
use crate::sim::validate as sim;
use crate::spec::error::Span;
use crate::spec::raw::Spanned;
use crate::spec::value_checks as spec;

fn kind(checked: Checked) -> Option<Kind> {
    checked.err().map(|v| v.kind)
}

#[test]
fn names_need_four_to_sixty_four_characters_and_a_leading_letter() {
    assert_eq!(cluster_name("dws-demo_1"), Ok(()));
    assert_eq!(
        kind(cluster_name("dws")),
        Some(Kind::Length {
            len: 3,
            min: 4,
            max: 64
        })
    );
    assert_eq!(kind(cluster_name("1dws")), Some(Kind::FirstChar));
    assert_eq!(
        kind(snapshot_name("snap.shot")),
        Some(Kind::Chars { found: ".".into() })
    );
    assert_eq!(
        snapshot_name("dws").map_err(|v| v.rule()),
        Err("snapshot_name")
    );
    assert!(cluster_name(&"a".repeat(64)).is_ok());
    assert!(cluster_name(&"a".repeat(65)).is_err());
    // Length counts characters, not bytes; non-ASCII letters are still refused.
    assert_eq!(
        kind(cluster_name("dwsé")),
        Some(Kind::Chars { found: "é".into() })
    );
}

#[test]
fn user_names_are_lowercase_and_not_keywords_of_either_former_list() {
    assert_eq!(user_name("dbadmin"), Ok(()));
    assert_eq!(user_name("_x1"), Ok(()));
    assert_eq!(kind(user_name("1admin")), Some(Kind::FirstChar));
    assert_eq!(
        kind(user_name("dbAdmin")),
        Some(Kind::Chars { found: "A".into() })
    );
    assert!(matches!(kind(user_name("")), Some(Kind::Length { .. })));
    assert!(user_name(&"a".repeat(63)).is_ok());
    assert!(user_name(&"a".repeat(64)).is_err());
    // "select" was on both former lists, "join" and "rownum" only on the spec's.
    for word in ["select", "omm", "join", "rownum", "sysdate"] {
        assert_eq!(kind(user_name(word)), Some(Kind::Reserved), "{word}");
    }
}

#[test]
fn keyword_list_is_sorted_lowercase_and_free_of_duplicates() {
    assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    assert!(KEYWORDS
        .iter()
        .all(|w| user_name(&format!("{w}_x")).is_ok()));
}

#[test]
fn passwords_follow_length_classes_and_user_name_rules() {
    let strict = PASSWORD_MIN_STRICT;
    assert_eq!(password("Dws2017demo!", "dbadmin", strict), Ok(()));
    assert!(matches!(
        kind(password("#dbAdmin123", "root_x", strict)),
        Some(Kind::Length { min: 12, .. })
    ));
    assert_eq!(
        password("#dbAdmin123", "root_x", PASSWORD_MIN_LENIENT),
        Ok(())
    );
    assert_eq!(
        kind(password("alllowercase12", "x", strict)),
        Some(Kind::TooFewClasses)
    );
    assert_eq!(
        kind(password("Xnimdabd#2024", "dbadmin", strict)),
        Some(Kind::ContainsUserName)
    );
    let bad = password("Passwörd#2024x", "x", strict).expect_err("non-ASCII letter");
    assert_eq!(
        bad.kind,
        Kind::Chars {
            found: String::new()
        }
    );
    assert!(!bad.message().contains('ö'));
}

#[test]
fn numbers_take_the_documented_ranges() {
    assert!(port(8000).is_ok() && port(30000).is_ok());
    assert!(port(7999).is_err() && port(30001).is_err());
    assert!(number_of_node(3).is_ok() && number_of_node(256).is_ok());
    assert!(number_of_node(2).is_err() && number_of_node(257).is_err());
    assert!(number_of_cn(3, Some(3)).is_ok());
    assert_eq!(
        kind(number_of_cn(4, Some(3))),
        Some(Kind::Range {
            value: 4,
            min: 2,
            max: 3
        })
    );
    assert!(number_of_cn(20, None).is_ok() && number_of_cn(21, Some(100)).is_err());
    assert!(number_of_cn(1, None).is_err());
    assert!(number_of_cn(2, Some(1)).is_err());
}

#[test]
fn tags_and_descriptions_take_the_stricter_limits() {
    assert!(tag_key(&"k".repeat(36)).is_ok());
    assert!(tag_key(&"k".repeat(37)).is_err());
    assert!(tag_key("").is_err());
    // ASCII only (the stricter pages): a non-ASCII letter, or a look-alike of a reserved key.
    assert_eq!(
        kind(tag_key("kostenstelle-ä")),
        Some(Kind::Chars { found: "ä".into() })
    );
    assert_eq!(
        kind(tag_key("m\u{430}naged-by")),
        Some(Kind::Chars {
            found: "\u{430}".into()
        })
    );
    assert!(tag_value("te\u{3c3}t").is_err());
    assert!(tag_key("Kostenstelle_1-a").is_ok());
    assert_eq!(
        kind(tag_key("a b")),
        Some(Kind::Chars { found: " ".into() })
    );
    assert!(tag_value("").is_ok());
    assert!(tag_value(&"v".repeat(43)).is_ok());
    assert!(tag_value(&"v".repeat(44)).is_err());
    assert!(snapshot_description("").is_ok());
    assert!(snapshot_description(&"d".repeat(256)).is_ok());
    assert!(snapshot_description(&"d".repeat(257)).is_err());
    assert_eq!(
        kind(snapshot_description("a <b> & c")),
        Some(Kind::Chars {
            found: "<>&".into()
        })
    );
}

fn spanned(v: &str) -> Spanned<String> {
    Spanned::new(v.to_owned(), Span::new(0, 0, v.len()))
}

/// Values near every boundary of the string rules; each must get the same verdict from the
/// simulator and from `dwsctl validate`.
const STRINGS: &[&str] = &[
    "",
    "a",
    "abc",
    "abcd",
    "dws-demo",
    "dws_demo",
    "Dws1",
    "1dws",
    "-dws",
    "_dws",
    "dws.demo",
    "dws demo",
    "dbadmin",
    "_x1",
    "DbAdmin",
    "select",
    "join",
    "rownum",
    "omm",
    "user",
    "kostenstelle",
    "kostenstelle-ä",
    "m\u{430}naged-by",
    "a=b",
    "before the upgrade, v2",
    "a <b>",
    "it's",
    "x\"y",
    "tab\there",
];

fn long_strings() -> Vec<String> {
    [3, 4, 36, 37, 43, 44, 63, 64, 65, 256, 257]
        .into_iter()
        .map(|n| "a".repeat(n))
        .collect()
}

#[test]
fn simulator_and_spec_validator_agree_on_every_string_rule() {
    let at = Span::new(0, 0, 1);
    let long = long_strings();
    let values = STRINGS
        .iter()
        .copied()
        .chain(long.iter().map(String::as_str));
    for v in values {
        let s = spanned(v);
        let pairs = [
            (
                "cluster_name",
                sim::cluster_name(v).is_ok(),
                spec::object_name(Field::ClusterName, v, at).is_none(),
            ),
            (
                "snapshot_name",
                sim::snapshot_name(v).is_ok(),
                spec::object_name(Field::SnapshotName, v, at).is_none(),
            ),
            (
                "user_name",
                sim::user_name(v).is_ok(),
                spec::user_name(&s).is_none(),
            ),
            (
                "description",
                sim::description(v).is_ok(),
                spec::description(&s).is_none(),
            ),
            (
                "tag_key",
                sim::tag(&crate::api::wire::Tag {
                    key: v.to_owned(),
                    value: String::new(),
                })
                .is_ok(),
                spec::tag_key(v, at).is_none(),
            ),
            (
                "tag_value",
                sim::tag(&crate::api::wire::Tag {
                    key: "k".to_owned(),
                    value: v.to_owned(),
                })
                .is_ok(),
                spec::tag_value("tag_value", "tag", &s).is_none(),
            ),
        ];
        for (rule, sim_ok, spec_ok) in pairs {
            assert_eq!(sim_ok, spec_ok, "{rule} disagrees on {v:?}");
        }
    }
}

#[test]
fn simulator_and_spec_validator_agree_on_every_number_rule() {
    let at = Span::new(0, 0, 1);
    let n = |v: i64| Spanned::new(v, at);
    for v in [
        0_u32, 1, 2, 3, 4, 19, 20, 21, 256, 257, 7999, 8000, 30000, 30001,
    ] {
        let i = i64::from(v);
        let spec_port = spec::api_number(port(i), "port", &n(i), "").is_none();
        assert_eq!(sim::port(v).is_ok(), spec_port, "port {v}");
        let spec_nodes = spec::api_number(number_of_node(i), "number_of_node", &n(i), "");
        assert_eq!(
            sim::node_count(v).is_ok(),
            spec_nodes.is_none(),
            "nodes {v}"
        );
        for nodes in [1_u32, 2, 3, 5, 20, 64] {
            let checked = number_of_cn(i, Some(i64::from(nodes)));
            let spec_cn = spec::api_number(checked, "number_of_cn", &n(i), "").is_none();
            assert_eq!(
                sim::number_of_cn(v, nodes).is_ok(),
                spec_cn,
                "number_of_cn {v} of {nodes}"
            );
        }
    }
}

#[test]
fn snapshot_policies_follow_the_policy_pages() {
    assert_eq!(keep_days(1), Ok(()));
    assert_eq!(keep_days(31), Ok(()));
    assert!(matches!(
        kind(keep_days(0)),
        Some(Kind::Range {
            min: 1,
            max: 31,
            ..
        })
    ));
    assert!(keep_days(32).is_err());
    assert_eq!(policy_name("apie-default-full-strategy"), Ok(()));
    assert!(policy_name(&"p".repeat(92)).is_ok());
    assert!(matches!(
        kind(policy_name(&"p".repeat(93))),
        Some(Kind::Length { .. })
    ));
    assert!(matches!(
        kind(policy_name("abc")),
        Some(Kind::Length { .. })
    ));
    assert_eq!(kind(policy_name("2am-full")), Some(Kind::FirstChar));
    assert_eq!(
        kind(policy_name("night.ly")),
        Some(Kind::Chars { found: ".".into() })
    );
    assert_eq!(policy_schedule("0 7 2/8 ? * 2,3,4,5,6,7"), Ok(()));
    assert!(matches!(
        kind(policy_schedule("0 2 * * *")),
        Some(Kind::Schedule { .. })
    ));
    assert_eq!(policy_type("increment"), Ok(()));
    assert!(matches!(
        kind(policy_type("incremental")),
        Some(Kind::NotOneOf { .. })
    ));
    assert_eq!(
        policy_type("FULL").map_err(|v| v.rule()),
        Err("policy_type")
    );
}
