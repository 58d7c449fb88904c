//! `dwsctl sim`.

use clap::Args;

use super::{CmdResult, GlobalArgs};

#[derive(Debug, Args)]
pub struct SimArgs {}

pub async fn run(_global: &GlobalArgs, _args: SimArgs) -> CmdResult {
    Err(super::not_yet("sim"))
}
