//! How a CLI run's transcript is normalised for a snapshot: the named filters for what
//! changes from run to run (ports, ids, times, durations, temporary paths), and the grouping
//! of progress lines for steps that run at once. Used by `cli_support`.

use std::path::PathBuf;

use dwsctl::sim;
use regex::Regex;

/// The unstable parts of a run's output: each match becomes the filter's name in brackets
/// (`[PORT]`), so a snapshot says what was there; a group named `keep` stays. Applied in
/// this order, after the literal paths of the run (`[DIR]`, `[HOME]`, `[REPO]`).
const FILTERS: &[(&str, &str)] = &[
    // RFC 3339 timestamps: JSON events' `ts`, the simulator's `created`.
    (
        "TIMESTAMP",
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?",
    ),
    // The wall-clock time that starts each progress line.
    ("TIME", r"(?m)^\d{2}:\d{2}:\d{2}\b"),
    // Cluster, snapshot and request ids (not the simulator's fixed ids: see `STABLE`).
    (
        "UUID",
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
    ),
    // Ports the kernel picks for `127.0.0.1:0`: ephemeral ones have five digits, so a
    // documented `:0` or `:8080` stays.
    ("PORT", r"(?P<keep>(127\.0\.0\.1|localhost):)[1-9]\d{4}\b"),
    // Durations measured while polling (`done in 13m 37s`, `after 1.5s`).
    ("DURATION", r"\b\d+m \d{2}s\b|\b\d+(\.\d+)?(ms|s)\b"),
    ("SECONDS", r#"(?P<keep>"elapsed_s":)\d+(\.\d+)?"#),
    // The progress a status line reports depends on when the poll landed.
    ("PERCENT", r"\b\d{1,3}%"),
    // Plan hashes: they change with every change to the plan format; their stability and
    // checks have tests of their own (`plan_hash_cli.rs`).
    ("PLAN_HASH", r"(?P<keep>sha256:)[0-9a-f]{64}\b"),
    // Temporary files named by something other than the run's own directory.
    ("TMP", r"/tmp/\.tmp[0-9A-Za-z]+"),
];

/// Ids that are the same in every run (the simulator's default account and network, which
/// the examples name): shown as they are.
const STABLE: [&str; 4] = [
    sim::DEFAULT_PROJECT_ID,
    sim::DEFAULT_VPC_ID,
    sim::DEFAULT_SUBNET_ID,
    sim::DEFAULT_SECURITY_GROUP_ID,
];

/// Lines whose number depends on the machine's speed, dropped rather than renamed: the
/// heartbeat lines of the progress text, and the JSON progress events (one per status call).
const DROPPED_LINES: &str = r#"(?m)^(.*: still waiting: .*|\{.*"event":"progress".*\})\n"#;

/// A progress line: the wall-clock time, then the step it is about (`kind.name.action`).
const PROGRESS_LINE: &str = r"^\d{2}:\d{2}:\d{2} [a-z]+\.\S+: (?P<message>.*)$";

/// The messages of a step's life that every run prints: it started, ended (done, failed,
/// stale, skipped, still running), waited for another run's lease, or finished its
/// ownership unit before stopping. Every other progress line reports a state a status call
/// happened to see (`CREATING 17%`, `deleting (DELETING)`, `3 of 6 nodes`): whether a call
/// lands inside a state depends on the machine's speed (a short delete can be over before
/// the first listing), so those lines are dropped like the heartbeat.
const LIFE_MESSAGES: [&str; 8] = [
    "started (",
    "done",
    "FAILED:",
    "STALE:",
    "skipped:",
    "still running:",
    "waiting for another dwsctl run",
    "finishing the ",
];

/// `text` without the progress lines that report an observed state (see [`LIFE_MESSAGES`]).
fn drop_observations(text: &str) -> String {
    let progress = Regex::new(PROGRESS_LINE).expect("filter");
    text.split_inclusive('\n')
        .filter(|line| {
            let Some(caps) = progress.captures(line.trim_end_matches('\n')) else {
                return true;
            };
            let message = caps.name("message").map_or("", |m| m.as_str());
            LIFE_MESSAGES.iter().any(|life| message.starts_with(life))
        })
        .collect()
}

/// Within each run of consecutive progress lines (`[TIME] STEP: ...`), the lines grouped by
/// step in the order the plan above them lists the steps (`[STEP]`), each step's own lines in
/// the order printed.
pub fn group_by_step(text: &str) -> String {
    fn rank<'a>(text: &str, line: &'a str) -> Option<(usize, &'a str)> {
        let step = line.strip_prefix("[TIME] ")?.split_once(": ")?.0;
        Some((text.find(&format!("[{step}]")).unwrap_or(usize::MAX), step))
    }
    let mut out: Vec<&str> = Vec::new();
    let mut block: Vec<((usize, &str), &str)> = Vec::new();
    for line in text.split_inclusive('\n') {
        match rank(text, line) {
            Some(key) => block.push((key, line)),
            None => {
                block.sort_by_key(|(key, _)| *key);
                out.extend(block.drain(..).map(|(_, line)| line));
                out.push(line);
            }
        }
    }
    block.sort_by_key(|(key, _)| *key);
    out.extend(block.drain(..).map(|(_, line)| line));
    out.concat()
}

/// Replaces the literal `paths` (longest first), then each of [`FILTERS`].
pub fn normalise(text: &str, paths: &[(PathBuf, &'static str)]) -> String {
    let mut paths: Vec<(String, &str)> = paths
        .iter()
        .map(|(p, name)| (p.display().to_string(), *name))
        .filter(|(p, _)| p.len() > 1)
        .collect();
    paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut text = text.to_owned();
    for (path, name) in paths {
        text = text.replace(&path, name);
    }
    let dropped = Regex::new(DROPPED_LINES).expect("filter");
    let mut text = drop_observations(&dropped.replace_all(&text, ""));
    for (name, pattern) in FILTERS {
        let re = Regex::new(pattern).expect("filter");
        text = re
            .replace_all(&text, |caps: &regex::Captures| {
                if STABLE.contains(&&caps[0]) {
                    return caps[0].to_owned();
                }
                let keep = caps.name("keep").map_or("", |k| k.as_str());
                format!("{keep}[{name}]")
            })
            .into_owned();
    }
    text
}

#[test]
fn normalise_names_what_changes_from_run_to_run_and_keeps_the_rest() {
    let dir = PathBuf::from("/tmp/.tmpAbC123");
    let text = "10:25:46 cluster.a.create: started (create_cluster a)\n\
                10:25:47 cluster.a.create: CREATING 17%\n\
                10:25:47 cluster.b.delete: deleting (DELETING)\n\
                10:25:47 cluster.c.scale_out: waiting for another dwsctl run (r1) that is changing\n\
                10:25:47 cluster.a.create: still waiting: CREATING 17% (2m 01s)\n\
                {\"ts\":\"2026-11-30T10:25:47Z\",\"event\":\"progress\",\"percent\":17}\n\
                10:25:48 cluster.a.create: done in 13m 37s\n\
                {\"ts\":\"2026-11-30T10:25:48.127200523Z\",\"elapsed_s\":817.25}\n\
                GET http://127.0.0.1:39295/v1.0/9bc552e6-19af-4326-800d-281a92984636/clusters\n\
                request 0b4a3f8e-1111-4000-8000-00000000abcd failed\n\
                wrote /tmp/.tmpAbC123/plan.json; retried after 1.5s; 3 done\n\
                --listen 127.0.0.1:0\n";
    let want = "[TIME] cluster.a.create: started (create_cluster a)\n\
                [TIME] cluster.c.scale_out: waiting for another dwsctl run (r1) that is changing\n\
                [TIME] cluster.a.create: done in [DURATION]\n\
                {\"ts\":\"[TIMESTAMP]\",\"elapsed_s\":[SECONDS]}\n\
                GET http://127.0.0.1:[PORT]/v1.0/9bc552e6-19af-4326-800d-281a92984636/clusters\n\
                request [UUID] failed\n\
                wrote [DIR]/plan.json; retried after [DURATION]; 3 done\n\
                --listen 127.0.0.1:0\n";
    assert_eq!(normalise(text, &[(dir, "[DIR]")]), want);
}

#[test]
fn group_by_step_keeps_each_steps_order_and_the_lines_around() {
    let text = "plan: [z] then [b]\n\
                [TIME] b: started\n\
                [TIME] z: started\n\
                [TIME] a: started\n\
                [TIME] b: done\n\
                [TIME] z: done\n\
                Apply complete\n";
    let want = "plan: [z] then [b]\n\
                [TIME] z: started\n\
                [TIME] z: done\n\
                [TIME] b: started\n\
                [TIME] b: done\n\
                [TIME] a: started\n\
                Apply complete\n";
    assert_eq!(group_by_step(text), want);
}
