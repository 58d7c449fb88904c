//! `dwsctl schema`: prints the JSON Schema of the spec (the same text as
//! `schemas/dwsctl.schema.json`).

use clap::Args;

use super::{CmdResult, Done, GlobalArgs};

#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub async fn run(_global: &GlobalArgs, _args: SchemaArgs) -> CmdResult {
    super::print_data(&crate::spec::raw::json_schema());
    Ok(Done::Ok)
}
