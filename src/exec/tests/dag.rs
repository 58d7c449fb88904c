//! Property: on random dependency graphs of creates with random durations, the makespan is
//! at least the critical path and at most the critical path plus one poll interval (and the
//! call latencies) per level of depth, whatever the shape (goal P6, uncapped).

use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use tokio::time::Instant;

use super::super::fake::FakeCloud;
use super::super::*;
use super::{create, plan};
use crate::api::Live;

/// A DAG as, for each node, its duration in seconds and its dependencies (earlier nodes).
fn dags() -> impl Strategy<Value = Vec<(u64, Vec<usize>)>> {
    prop::collection::vec(
        (
            60u64..1200,
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        1..25,
    )
    .prop_map(|nodes| {
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, (secs, deps))| {
                let mut deps: Vec<usize> = if i == 0 {
                    Vec::new()
                } else {
                    deps.iter().map(|d| d.index(i)).collect()
                };
                deps.sort_unstable();
                deps.dedup();
                (secs, deps)
            })
            .collect()
    })
}

/// (critical path in seconds, depth in nodes) of a DAG.
fn critical_path(dag: &[(u64, Vec<usize>)]) -> (u64, u64) {
    let mut finish: Vec<(u64, u64)> = Vec::with_capacity(dag.len());
    for (secs, deps) in dag {
        let (start, depth) = deps.iter().map(|&d| finish[d]).max().unwrap_or((0, 0));
        finish.push((start + secs, depth + 1));
    }
    let cp = finish.iter().map(|f| f.0).max().unwrap_or(0);
    let depth = finish.iter().map(|f| f.1).max().unwrap_or(0);
    (cp, depth)
}

async fn makespan(dag: &[(u64, Vec<usize>)]) -> Duration {
    let cloud = FakeCloud::new();
    let steps = dag
        .iter()
        .enumerate()
        .map(|(i, (secs, deps))| {
            let name = format!("c{i:02}");
            cloud.create_duration(&name, Duration::from_secs(*secs));
            let mut step = create(&name);
            step.depends_on = deps
                .iter()
                .map(|d| crate::plan::StepId(format!("cluster.c{d:02}.create")))
                .collect();
            step
        })
        .collect();
    let options = Options {
        parallelism: 1000,
        live: Some(Live::default()),
        ..Options::default()
    };
    let start = Instant::now();
    let report = execute(&plan(steps), cloud, options, Arc::new(NoEvents))
        .await
        .expect("execute");
    assert_eq!(report.status(), RunStatus::Complete);
    start.elapsed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn makespan_stays_within_one_poll_per_level_of_the_critical_path(dag in dags()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let took = runtime.block_on(makespan(&dag)).as_secs_f64();
        let (cp, depth) = critical_path(&dag);
        // Per level: one poll interval (10 s), the create call and one list call (0.5 s each).
        let bound = cp as f64 + depth as f64 * 11.0;
        prop_assert!(took >= cp as f64, "makespan {took} < critical path {cp}");
        prop_assert!(took <= bound, "makespan {took} > {bound} (cp {cp}, depth {depth})");
    }
}
