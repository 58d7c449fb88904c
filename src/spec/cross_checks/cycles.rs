//! Restore cycles: a cluster restored (directly or through others) from a snapshot of
//! itself can never be created. Each cycle is reported once, as the whole circle.

use std::collections::HashMap;

use super::super::error::Problem;
use super::super::raw::RawSpec;
use super::SnapshotIndex;

pub(super) fn cycles(spec: &RawSpec, index: &SnapshotIndex<'_>, problems: &mut Vec<Problem>) {
    // Each cluster restores from at most one snapshot, so the graph is a function:
    // cluster → (snapshot, the cluster that snapshot belongs to).
    let mut edge: HashMap<&str, (&str, &str)> = HashMap::new();
    for c in &spec.clusters {
        if let Some(from) = &c.value.restore_from {
            if let Some((owner, _, _)) = index.by_name.get(from.value.snapshot.value.as_str()) {
                edge.insert(&c.name, (&from.value.snapshot.value, owner));
            }
        }
    }
    let mut reported: Vec<&str> = Vec::new();
    for c in &spec.clusters {
        let start = c.name.as_str();
        if reported.contains(&start) {
            continue;
        }
        // Walk at most len steps; a cycle through `start` returns to it.
        let mut path = vec![start];
        let mut at = start;
        let mut closes = false;
        for _ in 0..spec.clusters.len() {
            let Some((_, next)) = edge.get(at) else { break };
            if *next == start {
                closes = true;
                break;
            }
            if path.contains(next) {
                break;
            }
            path.push(next);
            at = next;
        }
        if !closes {
            continue;
        }
        reported.extend(path.iter().copied());
        let mut circle = String::new();
        for name in &path {
            let (snap, owner) = edge.get(name).copied().unwrap_or(("?", "?"));
            circle.push_str(&format!("`{name}` restores from `{snap}` of `{owner}`; "));
        }
        let names: Vec<&str> = path.iter().copied().chain(std::iter::once(start)).collect();
        let span = c.value.restore_from.as_ref().map_or(c.span, |r| r.span);
        problems.push(
            Problem::new("restore_cycle", span, format!("restore cycle: {}", names.join(" → ")))
                .label(circle.trim_end_matches("; ").to_owned())
                .help("a cluster cannot come from a snapshot of itself, even through other clusters; create one of them (drop its `restore_from`) or restore it from a snapshot outside the circle"),
        );
    }
}
