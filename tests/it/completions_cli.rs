//! `dwsctl completions` and `dwsctl man` as users run them: the bash script loads in bash
//! and registers dwsctl's completion; the manual page is printed.

use std::process::Command;

use crate::cli_support;

#[test]
fn the_bash_completion_parses_loads_and_completes_dwsctl() {
    let run = cli_support::dwsctl(["completions", "bash"]).output();
    run.assert_exit(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("dwsctl.bash");
    std::fs::write(&script, &run.stdout).expect("write");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("run bash");
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Sourced, it registers a completion for dwsctl, which offers the subcommands for
    // `dwsctl pl<TAB>` and apply's flags for `dwsctl apply --exp<TAB>`.
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source {script}; complete -p dwsctl >/dev/null || exit 9; \
             COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT={point}; \
             _dwsctl dwsctl {cur} {prev}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script = script.display(),
            words = words.join(" "),
            cword = words.len() - 1,
            point = line.len(),
            cur = words[words.len() - 1],
            prev = words[words.len() - 2],
        );
        let out = Command::new("bash")
            .args(["-c", &program])
            .output()
            .expect("run bash");
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(complete("dwsctl pl").trim(), "plan");
    assert!(
        complete("dwsctl apply --exp").contains("--expect-plan-hash"),
        "{}",
        complete("dwsctl apply --exp")
    );
}

#[test]
fn zsh_and_fish_scripts_and_the_man_page_are_printed() {
    for (args, marker) in [
        (["completions", "zsh"], "#compdef dwsctl"),
        (["completions", "fish"], "complete -c dwsctl"),
    ] {
        let run = cli_support::dwsctl(args).output();
        run.assert_exit(0);
        let text = String::from_utf8_lossy(&run.stdout);
        assert!(text.contains(marker), "{args:?}: {text}");
    }
    let run = cli_support::dwsctl(["man"]).output();
    run.assert_exit(0);
    let page = String::from_utf8_lossy(&run.stdout);
    assert!(page.contains(".TH dwsctl 1"), "{page}");
    assert!(page.contains("dwsctl\\-completions(1)"), "{page}");
}

#[test]
fn an_unknown_shell_and_a_cloud_option_are_usage_errors() {
    let run = cli_support::dwsctl(["completions", "tcsh"]).output();
    run.assert_exit(1);
    assert!(String::from_utf8_lossy(&run.stderr).contains("[possible values: bash"));
    let run = cli_support::dwsctl(["--sim", "man"]).output();
    run.assert_exit(1);
    assert!(String::from_utf8_lossy(&run.stderr).contains("`dwsctl man` does not use --sim"));
}
