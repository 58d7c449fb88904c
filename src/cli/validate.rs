//! `dwsctl validate`: parse, merge, validate and resolve the spec; no network.

use clap::Args;

use super::{CmdResult, Done, GlobalArgs, SpecArgs};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
}

pub async fn run(_global: &GlobalArgs, args: ValidateArgs) -> CmdResult {
    let loaded = crate::spec::load(&args.spec.files())?;
    let clusters = loaded.desired.clusters.len();
    let snapshots: usize = loaded
        .desired
        .clusters
        .values()
        .map(|c| c.snapshots.len())
        .sum();
    super::print_status(&format!(
        "the spec is valid: {clusters} cluster{}, {snapshots} snapshot{} (digest {})",
        if clusters == 1 { "" } else { "s" },
        if snapshots == 1 { "" } else { "s" },
        loaded.digest.get(..12).unwrap_or(&loaded.digest),
    ));
    Ok(Done::Ok)
}
