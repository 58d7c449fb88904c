//! `dwsctl apply`.

use clap::Args;

use super::{CmdResult, GlobalArgs};

#[derive(Debug, Args)]
pub struct ApplyArgs {}

pub async fn run(_global: &GlobalArgs, _args: ApplyArgs) -> CmdResult {
    Err(super::not_yet("apply"))
}
