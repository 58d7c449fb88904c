//! `dwsctl completions SHELL` and `dwsctl man`: shell completions and manual pages generated
//! from the clap definition itself, so they can never list a flag that does not exist or miss
//! one that does. Both are data and go to stdout (`man --dir` writes files instead).
//!
//! The generators are clap's own companion crates, `clap_complete` and `clap_mangen`: kept in
//! the clap repository and released with clap, so they follow every clap change.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::error::{CmdError, CmdResult, Done, ErrorKind};
use super::{print_data, print_status, Cli};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for; e.g. `dwsctl completions bash > /etc/bash_completion.d/dwsctl`.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (dwsctl.1, dwsctl-plan.1, …) into DIR instead of printing
    /// dwsctl(1).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Why `man --dir` could not write its pages.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write the manual pages to {dir}: {source}")]
#[diagnostic(code(dwsctl::man::write))]
pub struct ManError {
    dir: PathBuf,
    #[source]
    source: std::io::Error,
}

impl From<ManError> for CmdError {
    fn from(err: ManError) -> Self {
        CmdError::new(ErrorKind::Input, err)
    }
}

/// The completion script for `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "dwsctl", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The dwsctl(1) page, as roff.
pub fn man_page() -> String {
    let mut out = Vec::new();
    // Rendering into memory cannot fail; an error would leave the page empty, which the
    // tests catch.
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn completions(args: CompletionsArgs) -> CmdResult {
    print_data(&completion_script(args.shell));
    Ok(Done::Ok)
}

pub async fn man(args: ManArgs) -> CmdResult {
    match &args.dir {
        None => print_data(&man_page()),
        Some(dir) => {
            write_pages(dir)?;
            print_status(&format!("manual pages written to {}", dir.display()));
        }
    }
    Ok(Done::Ok)
}

fn write_pages(dir: &Path) -> Result<(), ManError> {
    let fail = |source| ManError {
        dir: dir.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::Shell;

    /// Every shell's script names the commands and the flags users type most.
    #[test]
    fn completions_name_real_subcommands_and_flags() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = completion_script(shell);
            for word in [
                "plan",
                "apply",
                "validate",
                "schema",
                "serve",
                "completions",
                "--detailed-exitcode",
                "--expect-plan-hash",
                "--out",
            ] {
                // zsh and fish write flags without their dashes in places; the name is there.
                let name = word.trim_start_matches('-');
                assert!(script.contains(name), "{shell}: {word} missing");
            }
            // A flag that does not exist is not offered.
            assert!(!script.contains("--no-such-flag"), "{shell}");
        }
        assert!(completion_script(Shell::Bash).contains("--expect-plan-hash"));
        assert!(completion_script(Shell::Fish).contains("-l expect-plan-hash"));
    }

    #[test]
    fn the_man_page_is_roff_listing_the_commands() {
        let page = man_page();
        assert!(page.starts_with(".ie"), "{}", &page[..page.len().min(80)]);
        assert!(page.contains(".TH dwsctl 1"), "{page}");
        for command in [
            "plan",
            "apply",
            "validate",
            "sim",
            "schema",
            "completions",
            "man",
        ] {
            assert!(
                page.contains(&format!("dwsctl\\-{command}(1)")),
                "{command}: {page}"
            );
        }
    }

    #[test]
    fn man_dir_writes_a_page_per_command() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_pages(dir.path()).expect("written");
        for name in [
            "dwsctl.1",
            "dwsctl-plan.1",
            "dwsctl-apply.1",
            "dwsctl-sim-serve.1",
        ] {
            let page = std::fs::read_to_string(dir.path().join(name)).expect(name);
            assert!(
                page.contains(".SH OPTIONS") || page.contains(".SH SYNOPSIS"),
                "{name}"
            );
        }
        let apply = std::fs::read_to_string(dir.path().join("dwsctl-apply.1")).expect("apply");
        assert!(apply.contains("expect\\-plan\\-hash"), "{apply}");
    }
}
