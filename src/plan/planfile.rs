//! Saved plan files (`plan --out`, `apply PLAN`): the versioned JSON plan, read back with
//! clear errors, and the check that a plan was made for the same spec inputs.
//!
//! The JSON is the [`Plan`] value with its summary, so that `plan --json`, `plan --out` and
//! `apply PLAN` share one format ([`to_json`]; `render::json` is the same function). Secrets
//! appear only as references.

use std::path::{Path, PathBuf};

use crate::plan::model::{Plan, Summary, FORMAT_VERSION};

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanFileError {
    /// The file could not be read or written.
    #[error("cannot {action} plan file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON, or not a JSON object.
    #[error("{path} is not a dwsctl plan file: {detail}")]
    #[diagnostic(help("write plan files with `dwsctl plan --out FILE`"))]
    NotAPlan { path: PathBuf, detail: String },
    /// The file was written by a dwsctl with another plan format.
    #[error(
        "{path} has plan format_version {found}; this dwsctl reads format_version {supported}"
    )]
    #[diagnostic(help("re-run `dwsctl plan --out` with this dwsctl version"))]
    UnsupportedVersion {
        path: PathBuf,
        found: String,
        supported: u32,
    },
    /// The file has the right version but its content does not decode as a plan.
    #[error("{path} is not a valid plan (format_version {FORMAT_VERSION}): {source}")]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The plan was made from other spec inputs than the ones given now.
    #[error(
        "the plan was made for another spec (plan spec_digest {planned}, current spec {current})"
    )]
    #[diagnostic(help(
        "re-run `dwsctl plan --out` against the current spec files and review it again"
    ))]
    SpecMismatch { planned: String, current: String },
}

/// Reads a plan file, checking `format_version` before anything else so that a plan from
/// another dwsctl version gets a version error rather than a confusing decode error.
pub fn load_plan_file(path: &Path) -> Result<Plan, PlanFileError> {
    let text =
        crate::files::read_regular_text(path, crate::files::PLAN_LIMIT).map_err(|source| {
            PlanFileError::Io {
                action: "read",
                path: path.to_owned(),
                source,
            }
        })?;
    parse_plan(path, &text)
}

pub(crate) fn parse_plan(path: &Path, text: &str) -> Result<Plan, PlanFileError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| PlanFileError::NotAPlan {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    let Some(object) = value.as_object() else {
        return Err(PlanFileError::NotAPlan {
            path: path.to_owned(),
            detail: "expected a JSON object".to_owned(),
        });
    };
    match object.get("format_version") {
        None => {
            return Err(PlanFileError::NotAPlan {
                path: path.to_owned(),
                detail: "it has no format_version".to_owned(),
            })
        }
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(v) => {
            return Err(PlanFileError::UnsupportedVersion {
                path: path.to_owned(),
                found: v.to_string(),
                supported: FORMAT_VERSION,
            })
        }
    }
    serde_json::from_value(value).map_err(|source| PlanFileError::Invalid {
        path: path.to_owned(),
        source,
    })
}

/// Writes a plan as the versioned JSON that [`load_plan_file`] reads (the same text as
/// `plan --json`).
pub fn save_plan_file(path: &Path, plan: &Plan) -> Result<(), PlanFileError> {
    std::fs::write(path, to_json(plan)).map_err(|source| PlanFileError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}

/// The plan as pretty-printed JSON with a trailing newline.
pub fn to_json(plan: &Plan) -> String {
    /// The plan as written: its own fields, then its `summary`, derived from the steps and
    /// ignored on reading (so the plan hash, of the plan as read, does not cover it).
    #[derive(serde::Serialize)]
    struct Written<'a> {
        #[serde(flatten)]
        plan: &'a Plan,
        summary: Summary,
    }
    let written = Written {
        plan,
        summary: plan.summary(),
    };
    match serde_json::to_string_pretty(&written) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // A `Plan` holds only strings, numbers, lists and string-keyed maps, which always
        // serialize; this arm exists so that no input can make the renderer panic.
        Err(err) => format!("{{\"error\": {:?}}}\n", err.to_string()),
    }
}

/// `apply PLAN` accepts a plan only for the spec inputs it was made from.
pub fn check_spec_digest(plan: &Plan, current: &str) -> Result<(), PlanFileError> {
    if plan.spec_digest == current {
        Ok(())
    } else {
        Err(PlanFileError::SpecMismatch {
            planned: plan.spec_digest.clone(),
            current: current.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            format_version: FORMAT_VERSION,
            spec_digest: "abc".into(),
            steps: Vec::new(),
        }
    }

    #[test]
    fn a_saved_plan_reads_back_equal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.json");
        save_plan_file(&path, &plan()).expect("save");
        assert_eq!(load_plan_file(&path).expect("load"), plan());
    }

    #[test]
    fn another_format_version_is_refused_by_name() {
        let err = parse_plan(Path::new("p.json"), r#"{"format_version": 99, "steps": 3}"#)
            .expect_err("must refuse");
        assert!(
            matches!(err, PlanFileError::UnsupportedVersion { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("format_version 99"), "{err}");
    }

    /// Version 4 plans may lack the actions of version 5: made again.
    #[test]
    fn the_previous_format_is_refused_naming_both_versions() {
        let err = parse_plan(Path::new("p.json"), r#"{"format_version": 4, "steps": []}"#)
            .expect_err("must refuse");
        assert!(
            err.to_string()
                .contains("format_version 4; this dwsctl reads format_version 5"),
            "{err}"
        );
    }

    #[test]
    fn a_file_without_format_version_is_not_a_plan() {
        let err = parse_plan(Path::new("p.json"), r#"{"steps": []}"#).expect_err("must refuse");
        assert!(err.to_string().contains("no format_version"), "{err}");
        let err = parse_plan(Path::new("p.json"), "[1]").expect_err("must refuse");
        assert!(matches!(err, PlanFileError::NotAPlan { .. }));
        let err = parse_plan(Path::new("p.json"), "not json").expect_err("must refuse");
        assert!(matches!(err, PlanFileError::NotAPlan { .. }));
    }

    #[test]
    fn a_damaged_plan_is_invalid() {
        let err = parse_plan(
            Path::new("p.json"),
            &format!(r#"{{"format_version": {FORMAT_VERSION}, "steps": 3}}"#),
        )
        .expect_err("must refuse");
        assert!(matches!(err, PlanFileError::Invalid { .. }), "{err}");
    }

    #[test]
    fn a_plan_for_another_spec_is_refused() {
        assert!(check_spec_digest(&plan(), "abc").is_ok());
        let err = check_spec_digest(&plan(), "def").expect_err("must refuse");
        assert!(matches!(err, PlanFileError::SpecMismatch { .. }));
    }

    #[test]
    fn a_missing_file_names_its_path() {
        let err = load_plan_file(Path::new("/nonexistent/plan.json")).expect_err("must fail");
        assert!(err.to_string().contains("/nonexistent/plan.json"), "{err}");
    }
}
