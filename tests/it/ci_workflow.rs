//! The example GitHub Actions workflow (`examples/ci/dwsctl.yml`) calls dwsctl with flags
//! that exist: every `dwsctl` command line in its `run:` scripts parses with the real clap
//! definition. (`.ci/run` lints the workflow itself: schema and zizmor.)

use std::path::Path;

use clap::Parser;
use dwsctl::cli::Cli;
use serde_yaml::Value;

fn workflow() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/dwsctl.yml");
    let text = std::fs::read_to_string(&path).expect("read the example workflow");
    serde_yaml::from_str(&text).expect("YAML")
}

/// Every step's `run:` script, by job.
fn scripts(workflow: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    for (name, job) in jobs {
        for step in job["steps"].as_sequence().expect("steps") {
            if let Some(run) = step["run"].as_str() {
                out.push((name.as_str().unwrap_or("?").to_owned(), run.to_owned()));
            }
        }
    }
    out
}

/// The dwsctl command lines of a script: continuation lines joined, each cut at the first
/// shell operator or redirection, split into words with quotes removed (variables stay as
/// written: a value is a value to clap).
fn dwsctl_lines(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|line| {
            let at = line.find("dwsctl ")?;
            // `command -v dwsctl || cargo install … dwsctl` names it without running it.
            if line[..at].contains("command -v") || line.trim_start().starts_with("cargo ") {
                return None;
            }
            let words: Vec<String> = line[at..]
                .split_whitespace()
                .take_while(|w| {
                    !matches!(*w, ">" | "2>" | "|" | "||" | "&&" | ";")
                        && !w.starts_with('>')
                        && !w.starts_with("2>")
                })
                .map(|w| value(w.trim_matches('"').trim_matches('\'')))
                .collect();
            Some(words)
        })
        .collect()
}

/// A word with its shell variable replaced by a value of the kind the workflow puts there;
/// a variable this test does not know fails it.
fn value(word: &str) -> String {
    match word {
        "$APPROVED_HASH" => format!("sha256:{}", "0".repeat(64)),
        w if w.contains('$') => panic!("unknown shell variable in a dwsctl argument: {w}"),
        w => w.to_owned(),
    }
}

#[test]
fn every_dwsctl_command_in_the_example_workflow_parses() {
    let workflow = workflow();
    let mut seen = Vec::new();
    for (job, script) in scripts(&workflow) {
        for words in dwsctl_lines(&script) {
            if let Err(err) = Cli::try_parse_from(&words) {
                panic!("job {job}: {words:?} does not parse:\n{err}");
            }
            seen.push((
                job.clone(),
                words.get(1).cloned().unwrap_or_default(),
                words,
            ));
        }
    }
    // The three uses the README promises: a markdown plan saved for apply, the approved
    // plan applied with its hash checked, and a drift check with detailed exit codes.
    let has = |job: &str, flags: &[&str]| {
        seen.iter()
            .any(|(j, _, words)| j == job && flags.iter().all(|f| words.iter().any(|w| w == f)))
    };
    assert!(
        has(
            "plan",
            &[
                "plan",
                "--out",
                "--format",
                "markdown",
                "--detailed-exitcode"
            ]
        ),
        "{seen:?}"
    );
    assert!(
        has("apply", &["apply", "plan.json", "--expect-plan-hash"]),
        "{seen:?}"
    );
    assert!(has("drift", &["plan", "--detailed-exitcode"]), "{seen:?}");
}

#[test]
fn the_command_line_reader_cuts_at_redirections_and_skips_installs() {
    let lines = dwsctl_lines(
        "command -v dwsctl || cargo install dwsctl\n\
         dwsctl plan -f a.yaml \\\n  --json > out.json 2> log\n\
         echo x | dwsctl apply \"p.json\" --yes",
    );
    assert_eq!(
        lines,
        [
            vec!["dwsctl", "plan", "-f", "a.yaml", "--json"],
            vec!["dwsctl", "apply", "p.json", "--yes"],
        ]
    );
    // A flag that does not exist is caught.
    assert!(Cli::try_parse_from(["dwsctl", "plan", "--no-such-flag"]).is_err());
}
