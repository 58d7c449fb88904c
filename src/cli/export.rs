//! `dwsctl export`: write a spec for what exists, from the cloud (the two list calls and the
//! automated-snapshot policy of each exported cluster, on a read-only client) or from a Terraform state file (no network). The spec is data (stdout, or `--out FILE`); what could not
//! be exported is listed on stderr as well as in the file.

use std::path::PathBuf;

use clap::Args;

use super::connect::{connect, Access};
use super::{print_data, print_status, CmdError, CmdResult, Done, ErrorKind, GlobalArgs};
use crate::export::{self, Export, ExportError};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export only the cluster of this name (repeat for more); default: every cluster.
    #[arg(long = "cluster", value_name = "NAME")]
    pub clusters: Vec<String>,
    /// Write the spec to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Read the clusters from this Terraform state (JSON, format version 4, as `terraform
    /// state pull` writes it) instead of the cloud.
    #[arg(long, value_name = "STATE")]
    pub from_terraform: Option<PathBuf>,
    #[command(flatten)]
    pub cloud: GlobalArgs,
}

pub async fn run(global: &GlobalArgs, args: ExportArgs) -> CmdResult {
    if let Some(state) = &args.from_terraform {
        let given = global.given();
        if !given.is_empty() {
            return Err(ExportError::CloudOptionsWithState {
                options: given.join(", "),
            }
            .into());
        }
        let export = export::terraform::export_file(state, &args.clusters)?;
        return finish(&export, args.out.as_ref());
    }
    let connection = connect(global, Access::ReadOnly).await?;
    let client = &connection.client;
    let mut live = client.observe().await?;
    let reads = export::cloud::reads(&live, &args.clusters)?;
    client.observe_more(&mut live, &reads).await?;
    let export = export::cloud::export(&live, &args.clusters)?;
    finish(&export, args.out.as_ref())
}

/// Writes the spec and lists on stderr what it leaves out or what its rules will refuse.
fn finish(export: &Export, out: Option<&PathBuf>) -> CmdResult {
    let text = export::yaml::render(export);
    for line in &export.skipped {
        print_status(&format!("not exported: {line}"));
    }
    for line in &export.warnings {
        print_status(&format!("warning: {line}"));
    }
    match out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| ExportError::Write {
                path: path.clone(),
                source,
            })?;
            print_status(&format!(
                "exported {} clusters to {}",
                export.clusters.len(),
                path.display()
            ));
        }
        None => print_data(&text),
    }
    Ok(Done::Ok)
}

impl From<ExportError> for CmdError {
    fn from(err: ExportError) -> Self {
        let kind = if err.is_input() {
            ErrorKind::Input
        } else {
            ErrorKind::Usage
        };
        CmdError::new(kind, err)
    }
}
