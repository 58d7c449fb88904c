//! Property tests: random mutations of valid specs never panic the loader, and every error
//! they produce carries a location inside its file. The YAML parser itself is fed arbitrary
//! text the same way.

use std::path::PathBuf;

use dwsctl::spec::{self, yaml};
use proptest::prelude::*;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        PathBuf::from("examples/quickstart.yaml"),
        PathBuf::from("examples/environments/base.yaml"),
        PathBuf::from("examples/environments/prod.yaml"),
    ];
    let mut valid: Vec<PathBuf> = std::fs::read_dir("tests/specs/valid")
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    valid.sort();
    files.extend(valid);
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read")))
        .collect()
}

/// One edit of a file's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: Vec<u8> },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    Replace { at: usize, byte: u8 },
}

/// Text that is likely to break YAML or a rule in interesting ways.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            ":",
            "- ",
            "{",
            "}",
            "[",
            "]",
            "*a",
            "&a ",
            "!reset",
            "!x ",
            "<<: ",
            "\"",
            "'",
            "\n",
            "  ",
            "\t",
            "#",
            "${",
            "${X}",
            "${X:-3}",
            "$$",
            "~",
            "null",
            "true",
            "-1",
            "99999999999999999999",
            "é",
            "\u{feff}",
            "---\n",
            "...\n",
            "? ",
            "|\n  x",
            "password: p",
            "restore_from: x",
            "state: absent",
            "dws-demo",
            "snap",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), fragment()).prop_map(|(at, text)| Mutation::Insert { at, text }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace { at, byte }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::Delete { at, len } => {
            let start = at % n;
            let end = (start + len).min(bytes.len());
            bytes.drain(start.min(end)..end);
        }
        Mutation::Insert { at, text } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, text.iter().copied());
        }
        Mutation::DuplicateLine { line } | Mutation::SwapLines { a: line, .. } => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let count = lines.len();
            let i = line % count;
            match m {
                Mutation::SwapLines { b, .. } => lines.swap(i, b % count),
                _ => {
                    let copy = lines[i].clone();
                    lines.insert(i, copy);
                }
            }
            *bytes = lines.join(&b'\n');
        }
        Mutation::Replace { at, byte } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] = *byte;
            }
        }
    }
}

fn env(name: &str) -> Option<String> {
    (name == "DWS_ADMIN_PASSWORD").then(|| "x".to_owned())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    // PROPTEST_CASES raises the count for a longer local run.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_never_panic_and_every_error_is_located(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let (name, original) = &seeds[seed.index(seeds.len())];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mutated.yaml");
        std::fs::write(&path, &bytes).expect("write");
        if let Err(err) = spec::load_with(std::slice::from_ref(&path), &env) {
            prop_assert!(!err.diagnostics().is_empty(), "an error without diagnostics ({name})");
            for d in err.diagnostics() {
                prop_assert_eq!(d.file(), path.display().to_string());
                prop_assert!(d.line() >= 1 && d.column() >= 1);
                if let Some((start, len)) = d.span() {
                    prop_assert!(start + len <= bytes.len(), "span {start}+{len} past the end");
                }
            }
            let rendered = err.render(100);
            prop_assert!(rendered.contains("mutated.yaml"));
        }
    }

    #[test]
    fn the_yaml_reader_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let mut problems = Vec::new();
        let _ = yaml::parse(0, &text, &mut problems);
    }

    #[test]
    fn the_yaml_reader_never_panics_on_yaml_like_text(
        parts in prop::collection::vec(fragment(), 0..60),
    ) {
        let text = String::from_utf8_lossy(&parts.concat()).into_owned();
        let mut problems = Vec::new();
        let _ = yaml::parse(0, &text, &mut problems);
    }
}
