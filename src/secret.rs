//! Secret values (passwords, tokens, secret keys) and the references that name them.
//!
//! A [`Secret`] can be sent on the wire but never printed: its `Debug` and `Display` print
//! `(sensitive)`. Plans and specs only ever hold a [`SecretRef`], which says where the value
//! comes from, never the value itself.

use std::fmt;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A secret value. Serializes to its value (it must reach the API), but formats as
/// `(sensitive)` so that it cannot leak through logs, `Debug` output or error chains.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must send it (a request body or header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

/// Where a secret comes from. This is what specs and plans carry.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretRef {
    /// The value of this environment variable, read when the secret is needed.
    FromEnv(String),
    /// The contents of this file (one trailing newline removed), read when needed.
    FromFile(String),
}

/// A secret reference that could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set (or not valid UTF-8).
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// The file could not be read.
    #[error("cannot read secret file {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The variable or file is empty.
    #[error("secret from {0} is empty")]
    Empty(String),
}

impl SecretRef {
    /// Reads the secret now. Errors name the source, never the value.
    pub fn resolve(&self) -> Result<Secret, SecretError> {
        let value = match self {
            SecretRef::FromEnv(name) => {
                std::env::var(name).map_err(|_| SecretError::MissingEnv(name.clone()))?
            }
            SecretRef::FromFile(path) => {
                let text =
                    crate::files::read_regular_text(Path::new(path), crate::files::SECRET_LIMIT)
                        .map_err(|source| SecretError::File {
                            path: path.clone(),
                            source,
                        })?;
                text.strip_suffix('\n').unwrap_or(&text).to_owned()
            }
        };
        if value.is_empty() {
            return Err(SecretError::Empty(self.to_string()));
        }
        Ok(Secret(value))
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::FromEnv(name) => write!(f, "env:{name}"),
            SecretRef::FromFile(path) => write!(f, "file:{path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("canary-3f9a");
        assert_eq!(format!("{secret:?}"), "(sensitive)");
        assert_eq!(format!("{secret}"), "(sensitive)");
        assert_eq!(secret.expose(), "canary-3f9a");
    }

    #[test]
    fn serializes_to_the_value_for_the_wire() {
        let json = serde_json::to_string(&Secret::new("pw")).expect("serialize");
        assert_eq!(json, "\"pw\"");
    }
}
