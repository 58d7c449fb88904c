//! How a command ends, by kind: the one place where a failure becomes an exit code.
//!
//! A command returns [`Done`] or a [`CmdError`]; both carry an [`ErrorKind`] when something
//! went wrong, and [`exit_code`] is the only mapping from kinds to the exit codes of the
//! README ("Commands and exit codes"). Library errors become a `CmdError` through the `From`
//! impls below, each choosing the kind on purpose: there is no blanket conversion, so a new
//! library error type does not compile into "exit 1" unnoticed (the approach of jj's
//! `CommandError`). `diagnostic.rs` prints the error under a heading naming its kind.

use crate::api::config::ConfigError;
use crate::api::ApiError;
use crate::exec::ExecError;
use crate::plan::PlanFileError;
use crate::sim::SimError;
use crate::spec::SpecError;

/// The process exit codes (README, "Commands and exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Success, or no changes.
    Ok = 0,
    /// An error.
    Error = 1,
    /// `plan --detailed-exitcode`: changes present.
    Changes = 2,
    /// Changes blocked by a safety rule.
    Blocked = 3,
    /// A stale plan or a failed precondition.
    Stale = 4,
    /// A partial apply: some steps failed or were skipped.
    Partial = 5,
    /// Interrupted (Ctrl-C / SIGTERM).
    Interrupted = 130,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// What kind of failure ended a command. The kind picks the exit code ([`exit_code`]) and
/// is the first part of the error's heading (`Error: config::no_credentials`), so CI logs
/// and scripts can rely on both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command line: an unknown flag, a bad value, an option the command does not use.
    Usage,
    /// The spec files: each problem at its file:line:column.
    Spec,
    /// Another input the command was given: a saved plan file, the simulator's state file or
    /// listen address.
    Input,
    /// How to reach the cloud or what the run needs from the environment: credentials,
    /// endpoints, clouds.yaml, the CA file, a secret the plan references.
    Config,
    /// A call to the cloud failed: unreachable, refused, an error answer, an undecodable body.
    Api,
    /// `apply` was not confirmed (no terminal, or an answer other than `yes`).
    NotConfirmed,
    /// The plan has steps blocked by a safety rule; nothing was executed.
    Blocked,
    /// A saved plan no longer matches the spec or the cloud.
    Stale,
    /// `apply` ran and no step got done.
    Failed,
    /// `apply` ran; some steps are done, others failed or were skipped.
    Partial,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// A defect in dwsctl or a failure of the machine itself (the async runtime).
    Internal,
    /// A condition the caller set for the run does not hold (`apply --expect-plan-hash`: the
    /// plan file is not the approved plan); nothing was sent.
    Precondition,
}

impl ErrorKind {
    /// Every kind, for tests and documentation.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Usage,
        ErrorKind::Spec,
        ErrorKind::Input,
        ErrorKind::Config,
        ErrorKind::Api,
        ErrorKind::NotConfirmed,
        ErrorKind::Blocked,
        ErrorKind::Stale,
        ErrorKind::Failed,
        ErrorKind::Partial,
        ErrorKind::Interrupted,
        ErrorKind::Internal,
        ErrorKind::Precondition,
    ];

    /// The stable name in error headings.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Spec => "spec",
            ErrorKind::Input => "input",
            ErrorKind::Config => "config",
            ErrorKind::Api => "api",
            ErrorKind::NotConfirmed => "not_confirmed",
            ErrorKind::Blocked => "blocked",
            ErrorKind::Stale => "stale",
            ErrorKind::Failed => "failed",
            ErrorKind::Partial => "partial",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Internal => "internal",
            ErrorKind::Precondition => "precondition",
        }
    }
}

/// The one mapping from kinds of failure to exit codes.
pub fn exit_code(kind: ErrorKind) -> Exit {
    match kind {
        ErrorKind::Usage
        | ErrorKind::Spec
        | ErrorKind::Input
        | ErrorKind::Config
        | ErrorKind::Api
        | ErrorKind::NotConfirmed
        | ErrorKind::Failed
        | ErrorKind::Internal => Exit::Error,
        ErrorKind::Blocked => Exit::Blocked,
        ErrorKind::Stale | ErrorKind::Precondition => Exit::Stale,
        ErrorKind::Partial => Exit::Partial,
        ErrorKind::Interrupted => Exit::Interrupted,
    }
}

/// How a command ended when it has no error left to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// Success, or nothing to do.
    Ok,
    /// `plan --detailed-exitcode`: changes present (not a failure).
    Changes,
    /// The command has already shown what went wrong (the plan its blocked steps, apply its
    /// report): exit with the kind's code and print nothing more.
    Reported(ErrorKind),
}

impl Done {
    pub fn exit(self) -> Exit {
        match self {
            Done::Ok => Exit::Ok,
            Done::Changes => Exit::Changes,
            Done::Reported(kind) => exit_code(kind),
        }
    }
}

/// What a command returns.
pub type CmdResult = Result<Done, CmdError>;

/// A command's failure: its kind and the diagnostic to show.
#[derive(Debug)]
pub struct CmdError {
    pub kind: ErrorKind,
    pub report: miette::Report,
}

impl CmdError {
    pub fn new(
        kind: ErrorKind,
        diagnostic: impl miette::Diagnostic + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            report: miette::Report::new(diagnostic),
        }
    }

    pub fn exit(&self) -> Exit {
        exit_code(self.kind)
    }
}

/// The failures of the command line itself, outside any one command.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CliError {
    /// clap refused the arguments; its text without its own `error:` prefix.
    #[error("{message}")]
    #[diagnostic(code(dwsctl::cli::arguments))]
    Arguments {
        message: String,
        #[help]
        help: Option<String>,
    },
    /// A cloud option given to a command that reaches no cloud.
    #[error("`dwsctl {command}` does not use {options}")]
    #[diagnostic(
        code(dwsctl::cli::unused_option),
        help("these options say where a cloud is; only `dwsctl plan` and `dwsctl apply` use them")
    )]
    UnusedCloudOptions {
        command: &'static str,
        options: String,
    },
    /// `DWSCTL_SIM_TIME_SCALE` is not a number.
    #[error("DWSCTL_SIM_TIME_SCALE must be a number, not {0:?}")]
    #[diagnostic(code(dwsctl::cli::sim_time_scale))]
    SimTimeScale(String),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    #[diagnostic(code(dwsctl::cli::runtime))]
    Runtime(std::io::Error),
    /// `sim serve` could not wait for Ctrl-C.
    #[error("cannot wait for Ctrl-C: {0}")]
    #[diagnostic(code(dwsctl::cli::signal))]
    Signal(std::io::Error),
}

impl CliError {
    /// clap's refusal in dwsctl's heading style: its first line is the message, the rest
    /// (tips, usage, the pointer to `--help`) the help.
    pub fn arguments(err: &clap::Error) -> Self {
        let text = err.render().to_string();
        // `dwsctl` alone: clap's text is not a message but the whole help, all of it help
        // (whose command list keeps its indentation).
        let whole_help = matches!(
            err.kind(),
            clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
        let (message, rest) = if whole_help {
            ("a command is required", text.as_str())
        } else {
            text.split_once('\n').unwrap_or((text.as_str(), ""))
        };
        let message = message.strip_prefix("error: ").unwrap_or(message).trim();
        let help: Vec<&str> = rest
            .lines()
            .map(|line| {
                if whole_help {
                    line.trim_end()
                } else {
                    line.trim()
                }
            })
            .filter(|line| !line.is_empty())
            .collect();
        CliError::Arguments {
            message: message.to_owned(),
            help: (!help.is_empty()).then(|| help.join("\n")),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            CliError::Arguments { .. } | CliError::UnusedCloudOptions { .. } => ErrorKind::Usage,
            CliError::SimTimeScale(_) => ErrorKind::Config,
            CliError::Runtime(_) | CliError::Signal(_) => ErrorKind::Internal,
        }
    }
}

impl From<CliError> for CmdError {
    fn from(err: CliError) -> Self {
        CmdError::new(err.kind(), err)
    }
}

impl From<SpecError> for CmdError {
    fn from(err: SpecError) -> Self {
        CmdError::new(ErrorKind::Spec, err)
    }
}

impl From<ConfigError> for CmdError {
    fn from(err: ConfigError) -> Self {
        CmdError::new(ErrorKind::Config, err)
    }
}

impl From<ApiError> for CmdError {
    fn from(err: ApiError) -> Self {
        let kind = match &err {
            ApiError::Config(_) => ErrorKind::Config,
            // `plan`'s client refused to send a mutating call: plan code tried one, a defect.
            ApiError::ReadOnly { .. } => ErrorKind::Internal,
            _ => ErrorKind::Api,
        };
        CmdError::new(kind, err)
    }
}

impl From<crate::preflight::CouldNotRun> for CmdError {
    fn from(err: crate::preflight::CouldNotRun) -> Self {
        // A check the API refused to run for the credentials (401, 403) is the same kind as
        // any other failed call: the run cannot go on without it.
        let kind = match err.source.as_ref() {
            ApiError::Config(_) => ErrorKind::Config,
            ApiError::ReadOnly { .. } => ErrorKind::Internal,
            _ => ErrorKind::Api,
        };
        CmdError::new(kind, err)
    }
}

impl From<PlanFileError> for CmdError {
    fn from(err: PlanFileError) -> Self {
        let kind = match &err {
            PlanFileError::SpecMismatch { .. } => ErrorKind::Stale,
            _ => ErrorKind::Input,
        };
        CmdError::new(kind, err)
    }
}

impl From<ExecError> for CmdError {
    fn from(err: ExecError) -> Self {
        let kind = match &err {
            ExecError::Blocked(_) => ErrorKind::Blocked,
            ExecError::Listing(_) => ErrorKind::Api,
            // The planner never makes these (a cycle becomes a blocked step); a saved plan
            // edited by hand can.
            ExecError::UnknownDependency { .. }
            | ExecError::DuplicateStep(_)
            | ExecError::Cycle(_) => ErrorKind::Input,
        };
        CmdError::new(kind, err)
    }
}

impl From<SimError> for CmdError {
    fn from(err: SimError) -> Self {
        let kind = match &err {
            // A time scale from `--time-scale` / `--sim-time-scale`.
            SimError::Config(_) => ErrorKind::Usage,
            SimError::Bind { .. }
            | SimError::ReadState { .. }
            | SimError::CorruptState { .. }
            | SimError::WriteState { .. } => ErrorKind::Input,
        };
        CmdError::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_documented_exit_code() {
        let codes: Vec<(&str, i32)> = ErrorKind::ALL
            .iter()
            .map(|&kind| (kind.name(), exit_code(kind) as i32))
            .collect();
        assert_eq!(
            codes,
            [
                ("usage", 1),
                ("spec", 1),
                ("input", 1),
                ("config", 1),
                ("api", 1),
                ("not_confirmed", 1),
                ("blocked", 3),
                ("stale", 4),
                ("failed", 1),
                ("partial", 5),
                ("interrupted", 130),
                ("internal", 1),
                ("precondition", 4),
            ]
        );
    }

    #[test]
    fn outcomes_without_an_error_exit_0_and_2_and_reported_ones_by_kind() {
        assert_eq!(Done::Ok.exit() as i32, 0);
        assert_eq!(Done::Changes.exit() as i32, 2);
        for kind in ErrorKind::ALL {
            assert_eq!(Done::Reported(kind).exit(), exit_code(kind));
        }
    }

    #[test]
    fn library_errors_carry_the_kind_their_variant_means() {
        let stale = PlanFileError::SpecMismatch {
            planned: "a".into(),
            current: "b".into(),
        };
        assert_eq!(CmdError::from(stale).kind, ErrorKind::Stale);
        let unreadable = PlanFileError::NotAPlan {
            path: "p".into(),
            detail: "d".into(),
        };
        assert_eq!(CmdError::from(unreadable).kind, ErrorKind::Input);
        let config = ApiError::Config(ConfigError::NoCredentials);
        assert_eq!(CmdError::from(config).kind, ErrorKind::Config);
        assert_eq!(
            CmdError::from(ExecError::Blocked(vec![])).kind,
            ErrorKind::Blocked
        );
        let usage = CliError::UnusedCloudOptions {
            command: "schema",
            options: "--sim".into(),
        };
        assert_eq!(CmdError::from(usage).exit(), Exit::Error);
    }
}
