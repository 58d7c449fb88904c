//! `dwsctl validate`.

use clap::Args;

use super::{CmdResult, GlobalArgs};

#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub async fn run(_global: &GlobalArgs, _args: ValidateArgs) -> CmdResult {
    Err(super::not_yet("validate"))
}
