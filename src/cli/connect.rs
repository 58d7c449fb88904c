//! Building an API client from the global options and the environment (or an in-process
//! simulator for `--sim`).
