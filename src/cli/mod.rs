//! The command line: the only code that knows clap; one file per command.
//!
//! `main.rs` calls [`main`], which parses arguments, runs one command and maps its outcome to
//! an exit code through the one mapping of `error.rs`. Library modules return their own error
//! enums; only this layer gives them a kind and turns them into reports.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub mod apply;
pub mod completions;
pub mod connect;
mod diagnostic;
pub mod error;
pub mod export;
pub mod interrupt;
pub mod plan;
pub mod progress;
pub mod schema;
pub mod sim;
mod summary;
pub mod timing;
pub mod validate;

pub use error::{exit_code, CliError, CmdError, CmdResult, Done, ErrorKind, Exit};

#[derive(Debug, Parser)]
#[command(name = "dwsctl", version, about = "Keep GaussDB(DWS) clusters and snapshots as a YAML spec says", long_about = None)]
pub struct Cli {
    /// The cloud options written before the subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the cloud is and how to reach it: the options of `plan` and `apply`, accepted before
/// the subcommand (`dwsctl --sim plan`) or after it (`dwsctl plan --os-cloud prod`). They are
/// not clap-global, so the help of `validate`, `schema` and `sim serve` does not list them, and
/// given to those commands they are an error rather than silently ignored. Their environment
/// variables are read where they are used (`connect`, `apply`), so a flag always wins over
/// the environment wherever it is written.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Run the DWS simulator in-process instead of talking to a cloud; its state persists in
    /// STATE_FILE (write `--sim=FILE`: a bare `--sim` never takes the next word as its file).
    #[arg(long, value_name = "STATE_FILE", num_args = 0..=1,
          require_equals = true, default_missing_value = ".dwsctl/sim-state.json")]
    pub sim: Option<PathBuf>,
    /// Simulator time scale for --sim (simulated seconds per real second; also
    /// DWSCTL_SIM_TIME_SCALE).
    #[arg(long, value_name = "X")]
    pub sim_time_scale: Option<f64>,
    /// The cloud the --sim simulator answers as (otc, huawei).
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub sim_profile: Option<crate::sim::Profile>,
    /// DWS endpoint, e.g. https://dws.eu-de.otc.t-systems.com (also DWS_ENDPOINT; default:
    /// from the region or the token's service catalog).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region, e.g. eu-de; picks the default IAM and DWS endpoints (also OS_REGION_NAME).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// A PEM file with the CA certificate that signed the endpoint's certificate (added to the
    /// trusted roots); for a self-signed endpoint its own certificate, if not marked CA:TRUE
    /// (also OS_CACERT).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// A clouds.yaml profile to read credentials from (also OS_CLOUD).
    #[arg(long, value_name = "NAME")]
    pub os_cloud: Option<String>,
    /// The dense polling interval, in seconds of cloud time (also DWSCTL_POLL_INTERVAL):
    /// listings come this often near an operation's expected end and while waiting for a busy
    /// cluster; sparser before (README "Polling").
    #[arg(long, value_name = "SECONDS", hide = true)]
    pub poll_interval: Option<f64>,
}

impl GlobalArgs {
    /// These options as given after the subcommand (`after`), each falling back to its value
    /// before it.
    pub fn or(&self, after: &GlobalArgs) -> GlobalArgs {
        GlobalArgs {
            sim: after.sim.clone().or_else(|| self.sim.clone()),
            sim_time_scale: after.sim_time_scale.or(self.sim_time_scale),
            sim_profile: after.sim_profile.or(self.sim_profile),
            endpoint: after.endpoint.clone().or_else(|| self.endpoint.clone()),
            region: after.region.clone().or_else(|| self.region.clone()),
            ca_file: after.ca_file.clone().or_else(|| self.ca_file.clone()),
            os_cloud: after.os_cloud.clone().or_else(|| self.os_cloud.clone()),
            poll_interval: after.poll_interval.or(self.poll_interval),
        }
    }

    /// The flags given, by name, for the error of a command that does not use them.
    fn given(&self) -> Vec<&'static str> {
        let GlobalArgs {
            sim,
            sim_time_scale,
            sim_profile,
            endpoint,
            region,
            ca_file,
            os_cloud,
            poll_interval,
        } = self;
        [
            ("--sim", sim.is_some()),
            ("--sim-time-scale", sim_time_scale.is_some()),
            ("--sim-profile", sim_profile.is_some()),
            ("--endpoint", endpoint.is_some()),
            ("--region", region.is_some()),
            ("--ca-file", ca_file.is_some()),
            ("--os-cloud", os_cloud.is_some()),
            ("--poll-interval", poll_interval.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// `validate`, `schema` and `sim` talk to no cloud: a cloud option given to them is a mistake
/// worth saying, not something to ignore.
fn refuse_cloud_options(global: &GlobalArgs, command: &'static str) -> Result<(), CliError> {
    let given = global.given();
    if given.is_empty() {
        return Ok(());
    }
    Err(CliError::UnusedCloudOptions {
        command,
        options: given.join(", "),
    })
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the manual page dwsctl(1), as roff (or write one page per command).
    Man(completions::ManArgs),
    /// Write a spec for the clusters that exist (from the cloud, or a Terraform state).
    Export(export::ExportArgs),
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return finish(Err(CliError::Runtime(err).into())),
    };
    let result = runtime.block_on(run(cli));
    if matches!(result, Ok(Done::Reported(ErrorKind::Interrupted))) {
        // A second Ctrl-C dropped the run where it stood: do not wait for what it left.
        runtime.shutdown_background();
    }
    finish(result)
}

/// Prints the error, if any, and gives the exit code of its kind.
fn finish(result: CmdResult) -> ExitCode {
    match result {
        Ok(done) => done.exit().into(),
        Err(err) => {
            print_error(&err);
            err.exit().into()
        }
    }
}

async fn run(cli: Cli) -> CmdResult {
    match cli.command {
        Command::Validate(args) => {
            refuse_cloud_options(&cli.global, "validate")?;
            validate::run(&cli.global, args).await
        }
        Command::Plan(args) => plan::run(&cli.global.or(&args.cloud), args).await,
        Command::Apply(args) => apply::run(&cli.global.or(&args.cloud), args).await,
        Command::Sim(args) => {
            refuse_cloud_options(&cli.global, "sim")?;
            sim::run(&cli.global, args).await
        }
        Command::Schema(args) => {
            refuse_cloud_options(&cli.global, "schema")?;
            schema::run(&cli.global, args).await
        }
        Command::Completions(args) => {
            refuse_cloud_options(&cli.global, "completions")?;
            completions::completions(args).await
        }
        Command::Man(args) => {
            refuse_cloud_options(&cli.global, "man")?;
            completions::man(args).await
        }
        Command::Export(args) => export::run(&cli.global.or(&args.cloud), args).await,
    }
}

/// `--help` and `--version` print as clap writes them and exit 0; a command-line mistake is
/// an error of the usage kind, printed like every other (and exits 1: clap's own code 2
/// would read as "changes present" to a CI job using `plan --detailed-exitcode`).
fn usage_error(err: &clap::Error) -> ExitCode {
    if err.use_stderr() {
        return finish(Err(CliError::arguments(err).into()));
    }
    // Printing can only fail when stdout is gone; the exit code still tells.
    let _ = err.print();
    Exit::Ok.into()
}

// Everything printed passes through `term`: values from outside were escaped where their
// line was built; this is the net under that, keeping only dwsctl's own layout.

/// Prints an error to stderr in the one heading style of `diagnostic.rs` (the one place
/// errors are printed). On a terminal without `NO_COLOR` the text is coloured, so its colour
/// codes (and only those) are kept.
#[allow(clippy::print_stderr)]
pub fn print_error(err: &CmdError) {
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && !std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let text = diagnostic::render(err, colour);
    if colour {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(args).expect("parses")
    }

    #[test]
    fn cloud_options_work_before_and_after_plan_and_after_wins() {
        let cli = parse(&[
            "dwsctl",
            "--region",
            "eu-de",
            "plan",
            "--endpoint",
            "https://a",
        ]);
        let Command::Plan(args) = &cli.command else {
            panic!("not plan")
        };
        let merged = cli.global.or(&args.cloud);
        assert_eq!(merged.region.as_deref(), Some("eu-de"));
        assert_eq!(merged.endpoint.as_deref(), Some("https://a"));
        let cli = parse(&[
            "dwsctl",
            "--endpoint",
            "https://a",
            "apply",
            "--endpoint",
            "https://b",
        ]);
        let Command::Apply(args) = &cli.command else {
            panic!("not apply")
        };
        assert_eq!(
            cli.global.or(&args.cloud).endpoint.as_deref(),
            Some("https://b")
        );
    }

    #[test]
    fn commands_without_a_cloud_refuse_cloud_options_by_name() {
        let cli = parse(&["dwsctl", "--sim", "--os-cloud", "x", "schema"]);
        let err = refuse_cloud_options(&cli.global, "schema").expect_err("refused");
        let text = format!("{err}");
        assert!(text.contains("--sim, --os-cloud"), "{text}");
        assert!(refuse_cloud_options(&GlobalArgs::default(), "schema").is_ok());
        assert!(Cli::try_parse_from(["dwsctl", "validate", "--endpoint", "x"]).is_err());
    }
}
