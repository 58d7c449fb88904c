//! `dwsctl export`: a spec written from what exists, so that an estate built in the console
//! or with Terraform can be managed by dwsctl without recreating anything.
//!
//! ```text
//! Live (two list calls) ──cloud──┐
//! Terraform state (JSON v4) ──terraform──┴▶ Export ──yaml──▶ spec text
//! ```
//! Both sources fill one [`model::Export`]; [`yaml::render`] writes it. The contract (tested
//! by the round trips in tests/it/export_cli.rs): a plan of the exported spec against the
//! cloud it describes tags the clusters marked `adopt: true` and changes nothing else.
//! Whatever a source holds that a spec cannot is listed, on stderr and in the file.

pub mod cloud;
pub mod model;
pub mod terraform;
pub mod yaml;

pub use model::Export;

/// Why there is nothing to export.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExportError {
    /// `--cluster NAME` names no live cluster.
    #[error("no cluster is named {name:?} (the project has {known} clusters)")]
    #[diagnostic(
        code(dwsctl::export::unknown_cluster),
        help("`--cluster` takes a cluster's name as the list shows it; leave it out to export every cluster")
    )]
    UnknownCluster { name: String, known: usize },
    /// Cloud options given with `--from-terraform`, which reads no cloud.
    #[error("`dwsctl export --from-terraform` reads no cloud and does not use {options}")]
    #[diagnostic(
        code(dwsctl::export::unused_option),
        help("leave them out, or leave out --from-terraform to export from the cloud")
    )]
    CloudOptionsWithState { options: String },
    /// The spec could not be written to `--out`.
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(dwsctl::export::write))]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The Terraform state file could not be read (missing, not a regular file, too large,
    /// not UTF-8).
    #[error("cannot read Terraform state {path}: {source}")]
    #[diagnostic(code(dwsctl::export::read_state))]
    ReadState {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not JSON.
    #[error("{path}:{line}:{column}: not JSON: {message}")]
    #[diagnostic(
        code(dwsctl::export::state_json),
        help("pass the file `terraform state pull` writes (JSON, format version 4)")
    )]
    StateJson {
        path: std::path::PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The state is JSON but not a Terraform state of format version 4.
    #[error("{path}: {at}: {problem}")]
    #[diagnostic(
        code(dwsctl::export::bad_state),
        help("pass the file `terraform state pull` writes (JSON, format version 4)")
    )]
    BadState {
        path: std::path::PathBuf,
        /// Where in the document: `version`, `resources[3].instances[0].attributes`.
        at: String,
        problem: String,
    },
}

impl ExportError {
    /// Whether the error is about a file (the state read, the spec written) rather than the
    /// command line.
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            ExportError::UnknownCluster { .. } | ExportError::CloudOptionsWithState { .. }
        )
    }
}
