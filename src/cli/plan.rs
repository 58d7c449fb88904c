//! `dwsctl plan`.

use clap::Args;

use super::{CmdResult, GlobalArgs};

#[derive(Debug, Args)]
pub struct PlanArgs {}

pub async fn run(_global: &GlobalArgs, _args: PlanArgs) -> CmdResult {
    Err(super::not_yet("plan"))
}
