//! The command line itself: which options each command's help lists, what it refuses, and
//! the exit codes of command-line mistakes. The real binary through the CLI harness.

use super::cli_support::{self, Run};

fn dwsctl(args: &[&str]) -> Run {
    cli_support::dwsctl(args).output()
}

fn stdout(out: &Run) -> String {
    out.stdout()
}

fn stderr(out: &Run) -> String {
    out.stderr()
}

/// `--sim[` as clap writes an option whose value is optional.
const CLOUD_FLAGS: [&str; 7] = [
    "--sim[",
    "--sim-time-scale",
    "--sim-profile",
    "--endpoint",
    "--region",
    "--ca-file",
    "--os-cloud",
];

#[test]
fn commands_that_reach_no_cloud_list_no_cloud_options() {
    for (name, args) in [
        ("validate", vec!["validate", "--help"]),
        ("schema", vec!["schema", "--help"]),
        ("sim_serve", vec!["sim", "serve", "--help"]),
        ("completions", vec!["completions", "--help"]),
        ("man", vec!["man", "--help"]),
    ] {
        let out = dwsctl(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let help = stdout(&out);
        for flag in CLOUD_FLAGS {
            assert!(!help.contains(flag), "{name} lists {flag}:\n{help}");
        }
        insta::assert_snapshot!(format!("help_{name}"), out.transcript());
    }
}

#[test]
fn the_help_of_every_other_command() {
    for (name, args) in [
        ("dwsctl", vec!["--help"]),
        ("plan", vec!["plan", "--help"]),
        ("apply", vec!["apply", "--help"]),
        ("sim", vec!["sim", "--help"]),
        ("export", vec!["export", "--help"]),
    ] {
        let out = dwsctl(&args);
        out.assert_exit(0);
        insta::assert_snapshot!(format!("help_{name}"), out.transcript());
    }
}

#[test]
fn plan_and_apply_list_the_cloud_options() {
    for command in ["plan", "apply"] {
        let help = stdout(&dwsctl(&[command, "--help"]));
        for flag in CLOUD_FLAGS {
            assert!(
                help.contains(flag),
                "{command} does not list {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn sim_serve_refuses_the_embedded_simulators_time_scale() {
    let out = dwsctl(&["sim", "serve", "--sim-time-scale", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--sim-time-scale"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!("sim_time_scale_after_sim_serve", out.transcript());
    let out = dwsctl(&["--sim-time-scale", "5", "sim", "serve"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`dwsctl sim` does not use --sim-time-scale"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!("sim_time_scale_before_sim_serve", out.transcript());
}

#[test]
fn a_cloud_option_before_validate_is_an_error_not_ignored() {
    let out = dwsctl(&[
        "--endpoint",
        "https://dws.example",
        "validate",
        "-f",
        "examples/quickstart.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`dwsctl validate` does not use --endpoint"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!(out.transcript());
}

/// clap's own exit code for a mistyped option is 2, which `plan --detailed-exitcode` uses
/// for "changes present": a CI job would read a typo as a plan with changes.
#[test]
fn a_command_line_mistake_exits_1_and_help_exits_0() {
    let out = dwsctl(&["plan", "--detailed-exitcod"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--detailed-exitcod"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!("usage_error", out.transcript());
    assert_eq!(dwsctl(&["--help"]).status.code(), Some(0));
    assert_eq!(dwsctl(&["--version"]).status.code(), Some(0));
}
