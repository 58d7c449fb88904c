//! The DWS and IAM simulator: state machine, routes, faults, counters.
