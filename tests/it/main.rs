//! dwsctl's one integration-test binary: the CLI and the client against the simulator over
//! loopback. Each area is a module.

mod apply;
mod apply_cli;
mod apply_concurrent;
mod apply_faults;
mod apply_interrupt;
mod apply_interrupt_remote;
mod apply_support;
mod client_bounds;
mod client_canary;
mod client_decode;
mod client_faults;
mod client_sim;
mod client_tls;
mod client_wire;
mod fake_http;
mod files_cli;
mod plan_cli;
mod sim_auth;
mod sim_cli;
mod sim_faults;
mod sim_flow;
mod sim_persist;
mod sim_profiles;
mod sim_props;
mod sim_realism;
mod sim_support;
mod sim_validation;
mod spec;
mod spec_corpus;
mod spec_hostile;
mod spec_overlay;
mod spec_props;
mod spec_schema;
mod spec_sim_agreement;
