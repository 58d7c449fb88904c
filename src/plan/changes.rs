//! Small constructors for [`FieldChange`]s, and the desired tag set of a cluster.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::plan::model::{
    FieldChange, TagKv, OWNERSHIP_TAG_KEY, OWNERSHIP_TAG_VALUE, PASSWORD_VERSION_TAG_KEY,
    RESERVED_TAG_KEYS,
};
use crate::spec::DesiredCluster;

fn json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A field that gets a value (creation).
pub(crate) fn set(field: &str, new: impl Serialize) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        old: None,
        new: Some(json(new)),
        sensitive: false,
        cause: None,
    }
}

/// A field whose value changes.
pub(crate) fn change(field: &str, old: impl Serialize, new: impl Serialize) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        old: Some(json(old)),
        new: Some(json(new)),
        sensitive: false,
        cause: None,
    }
}

/// A field shown for context, unchanged (old equals new).
pub(crate) fn same(field: &str, value: impl Serialize) -> FieldChange {
    let value = json(value);
    FieldChange {
        field: field.to_owned(),
        old: Some(value.clone()),
        new: Some(value),
        sensitive: false,
        cause: None,
    }
}

/// A field that loses its value.
pub(crate) fn unset(field: &str, old: impl Serialize) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        old: Some(json(old)),
        new: None,
        sensitive: false,
        cause: None,
    }
}

/// A secret field: shown as `(sensitive)`, values never recorded.
pub(crate) fn sensitive(field: &str) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        old: None,
        new: None,
        sensitive: true,
        cause: None,
    }
}

/// Whether a tag key is one dwsctl maintains itself.
pub(crate) fn reserved(key: &str) -> bool {
    RESERVED_TAG_KEYS.contains(&key)
}

/// The tags a cluster should carry: the user's (minus dwsctl's reserved keys) and the
/// ownership tag; the password-version tag when `password_version` is given.
pub(crate) fn desired_tags(
    cluster: &DesiredCluster,
    password_version: Option<&str>,
) -> BTreeMap<String, String> {
    let mut tags: BTreeMap<String, String> = cluster
        .tags
        .iter()
        .filter(|(k, _)| !reserved(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    tags.insert(OWNERSHIP_TAG_KEY.to_owned(), OWNERSHIP_TAG_VALUE.to_owned());
    if let Some(version) = password_version {
        tags.insert(PASSWORD_VERSION_TAG_KEY.to_owned(), version.to_owned());
    }
    tags
}

/// All the tags a new cluster gets, as one change (a map, so that it renders sorted).
pub(crate) fn tags_change(tags: &[TagKv]) -> FieldChange {
    let tags: BTreeMap<&str, &str> = tags
        .iter()
        .map(|t| (t.key.as_str(), t.value.as_str()))
        .collect();
    set("tags", tags)
}

pub(crate) fn tag_list(tags: &BTreeMap<String, String>) -> Vec<TagKv> {
    tags.iter()
        .map(|(key, value)| TagKv {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

pub(crate) fn tag_pairs(tags: &BTreeMap<String, String>) -> Vec<(String, String)> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}
