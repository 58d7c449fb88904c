//! The spec: YAML files → `RawSpec` (with spans) → validated, resolved [`Desired`] state.
//!
//! ```text
//! files ─source─▶ text ─yaml─▶ Node trees ─merge─▶ one tree ─interpolate─▶
//!       ─read (defaults, types, keys)─▶ RawSpec ─validate─▶ ─resolve─▶ Desired + digest
//! ```
//! Every stage records [`error::Problem`]s instead of stopping, so that one run reports all
//! of them ([`SpecError`]); a stage whose input is unusable (a file that is not YAML) stops
//! the pipeline after the files are all read.

pub mod cross_checks;
pub mod desired;
pub mod error;
pub mod interpolate;
pub mod merge;
pub mod raw;
pub mod read;
pub mod resolve;
pub mod source;
pub mod value_checks;
pub mod yaml;

use std::path::PathBuf;

pub use desired::{
    AutomatedSnapshots, DeletePolicy, Desired, DesiredCluster, DesiredSnapshot, Origin, Ownership,
    Power, Presence, PublicIpSpec, SnapshotPolicy,
};
pub use error::{SpecDiagnostic, SpecError};

/// A loaded spec: the resolved desired state and its digest.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub desired: Desired,
    /// SHA-256 (hex) of the canonical resolved spec: secret references, never values.
    pub digest: String,
}

/// Loads, merges (later files override earlier ones), interpolates from the process
/// environment, validates and resolves the spec files.
pub fn load(files: &[PathBuf]) -> Result<Loaded, SpecError> {
    load_with(files, &|name| std::env::var(name).ok())
}

/// [`load`] with an explicit environment, for tests.
pub fn load_with(
    files: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, SpecError> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    let mut trees = Vec::new();
    for (id, path) in files.iter().enumerate() {
        let before = problems.len();
        let source = source::read(id, path, &mut problems);
        if problems.len() == before {
            if let Some(text) = &source.text {
                trees.extend(yaml::parse(id, text, &mut problems));
            }
        }
        sources.push(source);
    }
    if files.is_empty() {
        problems.push(error::Problem::new(
            "unreadable_file",
            error::Span::file_start(0),
            "no spec file given",
        ));
    }
    if !problems.is_empty() || trees.len() != files.len() {
        return Err(SpecError::new(&sources, problems));
    }
    let mut trees = trees.into_iter();
    let Some(first) = trees.next() else {
        return Err(SpecError::new(&sources, problems));
    };
    let mut root = trees.fold(merge::strip_resets(first), merge::merge);
    interpolate::interpolate(&mut root, env, &mut problems);
    let mut reader = read::Reader {
        problems: &mut problems,
        redact: Vec::new(),
    };
    let raw = reader.spec(&root);
    for span in std::mem::take(&mut reader.redact) {
        if let Some(source) = sources.get_mut(span.file) {
            source.redact.push((span.start, span.len));
        }
    }
    cross_checks::validate(&raw, &mut problems);
    if !problems.is_empty() {
        return Err(SpecError::new(&sources, problems));
    }
    let desired = resolve::resolve(&raw, files);
    let digest = resolve::digest(&desired);
    Ok(Loaded { desired, digest })
}
