//! The executor: runs a `Plan` in dependency order against the API and reports.
