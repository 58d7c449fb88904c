//! Files named on the command line or in a spec that are not regular files, or too large:
//! the real binary refuses them at once, naming the file, instead of hanging on a FIFO or
//! reading `/dev/zero` until memory runs out. The harness kills each run after its deadline,
//! so a regression fails the test instead of hanging it.

use std::path::Path;
use std::process::Command;

use super::apply_cli::{command, SCALE};
use super::apply_support::example;
use super::cli_support::{self, Run};

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(made.success());
}

/// Stderr with miette's line wrapping undone (wrapped lines joined by one space).
fn stderr_of(out: &Run) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| l.trim().trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The last part of a path (miette may wrap a long path at a `/`).
fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The quickstart with its password read from `path`.
fn spec_with_password_file(dir: &Path, path: &Path) -> String {
    let text = std::fs::read_to_string(example("quickstart.yaml")).expect("quickstart");
    let text = text.replace(
        "{from_env: DWS_ADMIN_PASSWORD}",
        &format!("{{from_file: {}}}", path.display()),
    );
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, text).expect("write spec");
    spec.display().to_string()
}

#[test]
fn a_password_file_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("password-fifo");
    mkfifo(&fifo);
    for (path, what) in [
        (fifo.as_path(), "a named pipe (FIFO), not a regular file"),
        (
            Path::new("/dev/zero"),
            "a character device, not a regular file",
        ),
    ] {
        let spec = spec_with_password_file(dir.path(), path);
        let out = command(dir.path(), SCALE, &["apply", "-f", &spec, "--yes"]).output();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        let stderr = stderr_of(&out);
        assert!(stderr.contains(&name_of(path)), "{stderr}");
        assert!(stderr.contains(what), "{stderr}");
    }
}

#[test]
fn a_password_file_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big-password");
    std::fs::write(&big, vec![b'x'; 1024 * 1024]).expect("write");
    let spec = spec_with_password_file(dir.path(), &big);
    let out = command(dir.path(), SCALE, &["apply", "-f", &spec, "--yes"]).output();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("larger than 64 KiB"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_ca_file_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("ca-fifo");
    mkfifo(&fifo);
    let spec = example("quickstart.yaml").display().to_string();
    for (path, what) in [
        (fifo.as_path(), "named pipe (FIFO)"),
        (Path::new("/dev/zero"), "character device"),
        (dir.path(), "directory"),
    ] {
        let out = cli_support::dwsctl(["plan", "-f", &spec, "--ca-file"])
            .arg(path)
            .env("DWS_ENDPOINT", "https://127.0.0.1:9")
            .env("OS_AUTH_TOKEN", "token-for-a-ca-test")
            .env("OS_PROJECT_ID", "p1")
            .env("DWS_ADMIN_PASSWORD", "Unused-Passw0rd!")
            .output();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        let stderr = stderr_of(&out);
        assert!(stderr.contains(&name_of(path)), "{stderr}");
        assert!(stderr.contains(what), "{stderr}");
    }
}

#[test]
fn a_plan_file_that_is_a_fifo_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("plan-fifo");
    mkfifo(&fifo);
    let fifo_arg = fifo.display().to_string();
    let spec = example("quickstart.yaml").display().to_string();
    let out = command(dir.path(), SCALE, &["apply", "-f", &spec, &fifo_arg]).output();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("named pipe (FIFO)"), "{stderr}");
}
