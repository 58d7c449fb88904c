//! The command line: the only code that knows clap; one file per command.
