//! The command line: the only code that knows clap; one file per command.
//!
//! `main.rs` calls [`main`], which parses arguments, runs one command and maps its outcome to
//! the exit codes of DESIGN.md. Library modules return their own error enums; only this layer
//! turns them into miette reports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub mod apply;
pub mod connect;
pub mod plan;
pub mod schema;
pub mod sim;
pub mod validate;

/// The process exit codes of DESIGN.md.
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

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// What a command returns: an exit code, or an error report (exit code 1 unless the
/// error says otherwise).
pub type CmdResult = Result<Exit, CmdError>;

/// A command's failure: a miette report and the exit code it maps to.
#[derive(Debug)]
pub struct CmdError {
    pub exit: Exit,
    pub report: miette::Report,
}

impl CmdError {
    pub fn new(exit: Exit, report: impl Into<miette::Report>) -> Self {
        Self {
            exit,
            report: report.into(),
        }
    }
}

impl<E: miette::Diagnostic + Send + Sync + 'static> From<E> for CmdError {
    fn from(err: E) -> Self {
        Self {
            exit: Exit::Error,
            report: miette::Report::new(err),
        }
    }
}

#[derive(Debug, Parser)]
#[command(name = "dwsctl", version, about = "Keep GaussDB(DWS) clusters and snapshots as a YAML spec says", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands: where the API is and how to authenticate.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Run the DWS simulator in-process instead of talking to a cloud; its state persists in
    /// STATE_FILE (write `--sim=FILE`: a bare `--sim` never takes the next word as its file).
    #[arg(long, global = true, value_name = "STATE_FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = ".dwsctl/sim-state.json")]
    pub sim: Option<PathBuf>,
    /// Simulator time scale for --sim (simulated seconds per real second).
    #[arg(long, global = true, value_name = "X", env = "DWSCTL_SIM_TIME_SCALE")]
    pub sim_time_scale: Option<f64>,
    /// The cloud the --sim simulator answers as (otc, huawei).
    #[arg(long, global = true, value_enum, value_name = "PROFILE")]
    pub sim_profile: Option<crate::sim::Profile>,
    /// DWS endpoint, e.g. https://dws.eu-de.otc.t-systems.com (default: from the region or
    /// the token's service catalog).
    #[arg(long, global = true, env = "DWS_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region, e.g. eu-de; picks the default IAM and DWS endpoints.
    #[arg(long, global = true, env = "OS_REGION_NAME", value_name = "REGION")]
    pub region: Option<String>,
    /// A PEM file with the CA certificate that signed the endpoint's certificate (added to the
    /// trusted roots); for a self-signed endpoint its own certificate, if not marked CA:TRUE.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// A clouds.yaml profile to read credentials from.
    #[arg(long, global = true, env = "OS_CLOUD", value_name = "NAME")]
    pub os_cloud: Option<String>,
    /// Interval between status polls while waiting, in seconds of cloud time.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        hide = true,
        env = "DWSCTL_POLL_INTERVAL"
    )]
    pub poll_interval: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, merge, validate and resolve the spec; no network.
    Validate(validate::ValidateArgs),
    /// Diff the spec against the live API and print what would change (read-only).
    Plan(plan::PlanArgs),
    /// Re-plan, show, confirm and execute; or execute a saved plan exactly.
    Apply(apply::ApplyArgs),
    /// Run the API simulator.
    Sim(sim::SimArgs),
    /// Print the JSON Schema of the spec.
    Schema(schema::SchemaArgs),
}

/// Spec file selection shared by validate, plan and apply.
#[derive(Debug, Clone, Args)]
pub struct SpecArgs {
    /// Spec file; repeat for overlays (later files override earlier ones). Default:
    /// dwsctl.yaml in the current directory.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

impl SpecArgs {
    /// The default spec file name looked up when `-f` is absent.
    pub const DEFAULT_FILE: &'static str = "dwsctl.yaml";

    pub fn files(&self) -> Vec<PathBuf> {
        if self.files.is_empty() {
            vec![PathBuf::from(Self::DEFAULT_FILE)]
        } else {
            self.files.clone()
        }
    }
}

/// Parses the command line, runs the command, and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(cli)),
        Err(err) => Err(CmdError::new(
            Exit::Error,
            miette::miette!("cannot start the async runtime: {err}"),
        )),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => {
            crate::cli::print_report(&err.report);
            err.exit.into()
        }
    }
}

async fn run(cli: Cli) -> CmdResult {
    match cli.command {
        Command::Validate(args) => validate::run(&cli.global, args).await,
        Command::Plan(args) => plan::run(&cli.global, args).await,
        Command::Apply(args) => apply::run(&cli.global, args).await,
        Command::Sim(args) => sim::run(&cli.global, args).await,
        Command::Schema(args) => schema::run(&cli.global, args).await,
    }
}

// Everything printed passes through `term`: values from outside were escaped where their
// line was built; this is the net under that, keeping only dwsctl's own layout.

/// Prints an error report to stderr (the one place errors are printed). On a terminal
/// miette colours the report, so its colour codes (and only those) are kept.
#[allow(clippy::print_stderr)]
pub fn print_report(report: &miette::Report) {
    let text = format!("{report:?}");
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!("{}", crate::term::escape_text_keeping_sgr(&text));
    } else {
        eprintln!("{}", crate::term::escape_text(&text));
    }
}

/// Writes data to stdout (plans, JSON, schemas): the one place data is printed.
#[allow(clippy::print_stdout)]
pub fn print_data(text: &str) {
    print!("{}", crate::term::escape_text(text));
}

/// [`print_data`] for text coloured on request (`plan --color`): colour codes are kept.
#[allow(clippy::print_stdout)]
pub fn print_painted(text: &str) {
    print!("{}", crate::term::escape_text_keeping_sgr(text));
}

/// Writes a line of progress or a warning to stderr.
#[allow(clippy::print_stderr)]
pub fn print_status(line: &str) {
    eprintln!("{}", crate::term::escape_text(line));
}

/// The error a command returns before it is written.
pub fn not_yet(command: &str) -> CmdError {
    CmdError::new(
        Exit::Error,
        miette::miette!("`dwsctl {command}` is not implemented yet"),
    )
}
