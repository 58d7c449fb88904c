//! `dwsctl schema`.

use clap::Args;

use super::{CmdResult, GlobalArgs};

#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub async fn run(_global: &GlobalArgs, _args: SchemaArgs) -> CmdResult {
    Err(super::not_yet("schema"))
}
