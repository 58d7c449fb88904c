//! The README quotes things that exist elsewhere; these tests keep the quotes true.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("read README.md")
}

/// The fenced block that ends right before the first line starting with `marker`.
fn block_before(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in the README"));
    let close = text[..at].rfind("```").expect("a closing fence");
    let open = text[..close].rfind("```").expect("an opening fence");
    let body = &text[open..close];
    body.split_once('\n')
        .map_or("", |(_, rest)| rest)
        .to_owned()
}

#[test]
fn the_quickstart_shown_in_the_readme_is_the_example_file() {
    let quoted = block_before(&readme(), "That is `examples/quickstart.yaml`");
    let file = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.yaml"),
    )
    .expect("read the example");
    assert_eq!(quoted, file);
}

/// The export block the README shows is the one `sim serve` prints on its default address.
#[test]
fn the_readme_export_block_is_what_sim_serve_prints() {
    let text = readme();
    let quoted = block_before(&text, "dwsctl learns the simulator's time scale");
    for (name, value) in dwsctl::cli::sim::client_env("http://127.0.0.1:8080") {
        let line = format!("export {name}='{value}'");
        assert!(quoted.contains(&line), "{line} missing from:\n{quoted}");
    }
}

/// "Reading a plan" shows the quickstart's plan on a fresh simulator, exactly as `plan`
/// prints it (hashes in the record tag included), so the example cannot go stale.
#[test]
fn the_readme_plan_is_the_quickstart_plan_on_a_fresh_simulator() {
    let quoted = block_before(&readme(), "There is one block per object");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let quickstart = crate::cli_support::repo_root().join("examples/quickstart.yaml");
    let run = crate::cli_support::dwsctl(["plan".into(), "-f".into(), quickstart.into_os_string()])
        .embedded_sim(dir.path(), "1000")
        .output();
    run.assert_exit(0);
    assert_eq!(quoted, run.stdout());
}
