//! Planner tests: a tiny world, one change, a snapshot of the rendered plan.

mod description;
mod inflight;
mod order;
mod ownership;
mod power;
mod props;
mod rename;
mod render;
mod rule_cases;
mod settings;
