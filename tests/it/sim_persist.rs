//! The state file: round trips, progress while stopped, and loud errors for bad files.

use dwsctl::sim::{self, Config, SimError};
use serde_json::Value;

use crate::sim_support::start_with;

fn with_state(path: &std::path::Path) -> Config {
    Config {
        state_file: Some(path.to_owned()),
        ..Config::default()
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/dir/sim-state.json");
    let sim = start_with(with_state(&path)).await;
    let id = sim.create_available("persisted-one").await;
    let snap = sim.snapshot(&id, "persisted-snap").await;
    sim.handle.shutdown().await;
    assert!(path.exists(), "the parent directory is created");

    let sim = start_with(with_state(&path)).await;
    let (status, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["cluster"]["name"], "persisted-one");
    assert_eq!(body["cluster"]["task_status"], "SNAPSHOTTING");
    let (status, body) = sim.get(&format!("snapshots/{snap}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["snapshot"]["name"], "persisted-snap");
}

#[tokio::test]
async fn operations_progress_while_the_simulator_is_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let sim = start_with(with_state(&path)).await;
    let id = sim.create("progressing").await;
    sim.handle.shutdown().await;
    // Pretend the file was saved 20 minutes ago: a create takes at most 15.
    let mut file: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    let saved = file["saved_at_unix"].as_f64().expect("saved_at_unix");
    file["saved_at_unix"] = (saved - 1200.0).into();
    std::fs::write(&path, serde_json::to_vec(&file).expect("encode")).expect("write");

    let sim = start_with(with_state(&path)).await;
    let (_, body) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(body["cluster"]["status"], "AVAILABLE");
}

#[tokio::test]
async fn ids_continue_the_seeded_sequence_after_a_reload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let sim = start_with(with_state(&path)).await;
    sim.create("first-one").await;
    sim.handle.shutdown().await;
    let sim = start_with(with_state(&path)).await;
    let second = sim.create("second-one").await;

    let memory = start_with(Config::default()).await;
    memory.create("first-one").await;
    assert_eq!(second, memory.create("second-one").await);
}

#[tokio::test]
async fn corrupt_state_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, b"{\"format\": 1, \"world\": [").expect("write");
    let err = sim::spawn(with_state(&path))
        .await
        .expect_err("corrupt file");
    assert!(matches!(err, SimError::CorruptState { .. }), "{err:?}");
    assert!(err.to_string().contains("broken.json"), "{err}");
    assert_eq!(
        std::fs::read(&path).expect("still there"),
        b"{\"format\": 1, \"world\": [",
        "the file is left alone"
    );
}

#[tokio::test]
async fn empty_state_file_is_corrupt_not_a_fresh_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.json");
    std::fs::write(&path, b"").expect("write");
    let err = sim::spawn(with_state(&path)).await.expect_err("empty file");
    assert!(matches!(err, SimError::CorruptState { .. }), "{err:?}");
}

#[tokio::test]
async fn unreadable_state_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory where the file should be cannot be read as one.
    let path = dir.path().join("a-directory.json");
    std::fs::create_dir(&path).expect("mkdir");
    let err = sim::spawn(with_state(&path)).await.expect_err("unreadable");
    assert!(matches!(err, SimError::ReadState { .. }), "{err:?}");
    assert!(err.to_string().contains("a-directory.json"), "{err}");
}

#[tokio::test]
async fn state_file_never_holds_the_admin_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let sim = start_with(with_state(&path)).await;
    sim.create("secretive").await;
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("secretive"));
    assert!(!text.contains("Canary-Pw-2024!"));
}

#[cfg(unix)]
#[tokio::test]
async fn state_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let sim = start_with(with_state(&path)).await;
    sim.create("private-one").await;
    let mode = std::fs::metadata(&path)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}
