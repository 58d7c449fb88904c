//! `apply --deadline` and maintenance windows end to end: the real binary against `sim serve`,
//! whose request counters show what was sent and what was not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::apply_support::client_for;
use super::cli_support::{dwsctl, Run, SimServe};

const PASSWORD: &str = "Served-Sim-Pw#2026";

fn spec(dir: &Path, nodes: u32) -> PathBuf {
    let text = format!(
        "version: 1\nclusters:\n  win-demo:\n    node_type: dws.d1.xlarge\n    \
         number_of_node: {nodes}\n    vpc_id: {}\n    subnet_id: {}\n    \
         security_group_id: {}\n    user_name: dbadmin\n    \
         password: {{from_env: DWS_ADMIN_PASSWORD}}\n",
        dwsctl::sim::DEFAULT_VPC_ID,
        dwsctl::sim::DEFAULT_SUBNET_ID,
        dwsctl::sim::DEFAULT_SECURITY_GROUP_ID
    );
    let path = dir.join(format!("n{nodes}.yaml"));
    std::fs::write(&path, text).expect("write spec");
    path
}

async fn run(served: &SimServe, args: &[&str], spec: &Path) -> Run {
    dwsctl(args)
        .arg("-f")
        .arg(spec)
        .envs(served.exports())
        .env("DWS_ADMIN_PASSWORD", PASSWORD)
        .run()
        .await
}

async fn hook(
    served: &SimServe,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", served.base));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let resp = request.send().await.expect("hook call");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

/// The requests counted since the last reset that change something (token calls aside).
async fn mutations(served: &SimServe) -> BTreeMap<String, u64> {
    let body = hook(served, reqwest::Method::GET, "/_sim/requests", None).await;
    let all: BTreeMap<String, u64> =
        serde_json::from_value(body["requests"].clone()).expect("counters");
    all.into_iter()
        // The checks before apply are POSTs that change nothing (`preflight`).
        .filter(|(route, n)| {
            *n > 0
                && !route.starts_with("GET ")
                && !route.contains("/auth/")
                && !route.ends_with("/cluster-precheck")
                && !route.ends_with("/grow-check")
        })
        .collect()
}

async fn reset_counters(served: &SimServe) {
    hook(served, reqwest::Method::DELETE, "/_sim/requests", None).await;
}

/// Sets the maintenance window of `win-demo` to `day start-end`.
async fn set_window(served: &SimServe, day: &str, start: &str, end: &str) {
    let live = client_for(&served.base, 1000.0)
        .observe()
        .await
        .expect("observe");
    let id = &live.cluster("win-demo").expect("win-demo exists").id;
    let body = json!({"day": day, "start_time": start, "end_time": end});
    let path = format!("/_sim/clusters/{id}/maintain-window");
    hook(served, reqwest::Method::PUT, &path, Some(body)).await;
}

fn day_name(t: OffsetDateTime) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        [usize::from(t.weekday().number_days_from_monday())]
}

/// At the harness's fixed time (`FIXED_NOW`, Wednesday 23:00 UTC): the default window is open,
/// a Saturday one closed.
const OPEN: (&str, &str, &str) = ("Wed", "22:00", "02:00");
const CLOSED: (&str, &str, &str) = ("Sat", "10:00", "14:00");

/// For a run on this machine's clock: a 4-hour window around now (starting on the hour
/// before), and one that opens in three days; hours of margin either way.
fn windows_around_now() -> ((String, String, String), (String, String, String)) {
    let now = OffsetDateTime::now_utc();
    let start = now - time::Duration::hours(1);
    let open = (
        day_name(start).to_owned(),
        format!("{:02}:00", start.hour()),
        format!("{:02}:00", (start.hour() + 4) % 24),
    );
    let later = now + time::Duration::days(3);
    let closed = (
        day_name(later).to_owned(),
        "10:00".to_owned(),
        "14:00".to_owned(),
    );
    (open, closed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_shorter_than_a_create_defers_it_with_exit_5_and_sends_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // At time scale 60 a create is expected to take up to 15 s of real time.
    let served = dwsctl(["--time-scale", "60"]).serve();
    let n3 = spec(dir.path(), 3);
    reset_counters(&served).await;
    let out = run(&served, &["apply", "--yes", "--deadline", "5s"], &n3).await;
    out.assert_exit(5);
    let stderr = out.stderr();
    assert!(
        stderr.contains("cluster.win-demo.create: deferred: expected to take up to 15 min"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Apply partially complete: 0 done, 0 failed, 0 skipped, 1 deferred."),
        "{stderr}"
    );
    assert_eq!(mutations(&served).await, BTreeMap::new(), "nothing is sent");
    // The next run, given the time, takes it.
    let out = run(&served, &["plan", "--detailed-exitcode"], &n3).await;
    out.assert_exit(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resize_outside_the_window_is_deferred_inside_it_runs_and_the_flag_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "2000"]).serve();
    let (n3, n6, n9) = (
        spec(dir.path(), 3),
        spec(dir.path(), 6),
        spec(dir.path(), 9),
    );
    run(&served, &["apply", "--yes"], &n3).await.assert_exit(0);
    let (open, closed) = (OPEN, CLOSED);

    // Closed: the plan marks the step, apply defers it and sends nothing.
    set_window(&served, closed.0, closed.1, closed.2).await;
    let plan = run(&served, &["plan"], &n6).await;
    plan.assert_exit(0);
    assert!(
        plan.stdout().contains("impact: disruptive"),
        "{}",
        plan.stdout()
    );
    assert!(
        plan.stdout().contains(
            "window: deferred until 2026-12-05T10:00:00Z (outside the maintenance window \
             Sat 10:00-14:00 UTC)"
        ),
        "{}",
        plan.stdout()
    );
    let json = run(&served, &["plan", "--json"], &n6).await;
    let value: Value = serde_json::from_str(&json.stdout()).expect("JSON plan");
    let step = &value["steps"][0];
    assert_eq!(step["impact"], "disruptive");
    assert_eq!(step["maintenance"]["deferred"], true);
    assert_eq!(step["maintenance"]["window"]["day"], closed.0);
    assert_eq!(
        step["maintenance"]["deferred_until"],
        "2026-12-05T10:00:00Z"
    );
    // The summary counts the deferred step with the updates, in every format alike.
    let deferral = "(1 deferred until 2026-12-05T10:00:00Z)";
    assert!(
        plan.stdout().contains(&format!(
            "Plan: 0 to create, 2 to update {deferral}, 0 to delete"
        )),
        "{}",
        plan.stdout()
    );
    assert_eq!(value["summary"]["update"], 2);
    assert_eq!(value["summary"]["deferred"], 1);
    assert_eq!(
        value["summary"]["deferred_until"],
        serde_json::json!(["2026-12-05T10:00:00Z"])
    );
    let md = run(&served, &["plan", "--format", "markdown"], &n6).await;
    assert!(
        md.stdout()
            .starts_with(&format!("### dwsctl plan: 2 to update {deferral}\n")),
        "{}",
        md.stdout()
    );
    reset_counters(&served).await;
    let out = run(&served, &["apply", "--yes"], &n6).await;
    out.assert_exit(5);
    assert!(
        out.stderr()
            .contains("cluster.win-demo.scale_out: deferred: outside the maintenance window"),
        "{}",
        out.text()
    );
    assert_eq!(mutations(&served).await, BTreeMap::new(), "nothing is sent");

    // Open: it runs.
    set_window(&served, open.0, open.1, open.2).await;
    let out = run(&served, &["apply", "--yes"], &n6).await;
    out.assert_exit(0);
    assert!(
        out.stdout()
            .contains("window: open now (maintenance window Wed 22:00-02:00 UTC)"),
        "{}",
        out.text()
    );
    run(&served, &["plan", "--detailed-exitcode"], &n6)
        .await
        .assert_exit(0);

    // Closed again, with the flag: it runs, and apply reads no window.
    set_window(&served, closed.0, closed.1, closed.2).await;
    reset_counters(&served).await;
    let out = run(
        &served,
        &["apply", "--yes", "--ignore-maintenance-window"],
        &n9,
    )
    .await;
    out.assert_exit(0);
    let sent = mutations(&served).await;
    assert_eq!(
        sent.get("POST /v1.0/{project_id}/clusters/{cluster_id}/resize"),
        Some(&1),
        "{sent:?}"
    );
    assert_eq!(detail_reads(&served).await, 0, "no window is read");
    run(&served, &["plan", "--detailed-exitcode"], &n9)
        .await
        .assert_exit(0);
}

/// The cluster detail GETs counted since the last reset.
async fn detail_reads(served: &SimServe) -> u64 {
    let body = hook(served, reqwest::Method::GET, "/_sim/requests", None).await;
    let all: BTreeMap<String, u64> =
        serde_json::from_value(body["requests"].clone()).expect("counters");
    all.get("GET /v1.0/{project_id}/clusters/{cluster_id}")
        .copied()
        .unwrap_or(0)
}

/// A plan without a disruptive step reads no window: still exactly the two listings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_plan_with_a_disruptive_step_reads_its_clusters_detail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "2000"]).serve();
    let n3 = spec(dir.path(), 3);
    reset_counters(&served).await;
    run(&served, &["plan"], &n3).await.assert_exit(0);
    assert_eq!(detail_reads(&served).await, 0);
    // With a disruptive step: one detail GET for its cluster.
    run(&served, &["apply", "--yes"], &n3).await.assert_exit(0);
    reset_counters(&served).await;
    run(&served, &["plan"], &spec(dir.path(), 6))
        .await
        .assert_exit(0);
    assert_eq!(detail_reads(&served).await, 1);
}

/// The time a window is read against is the cloud's (its `Date`), not this machine's: with the
/// simulator's clock moved into a window that is closed here, the resize runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_is_read_against_the_clouds_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "2000"]).serve();
    let (n3, n6) = (spec(dir.path(), 3), spec(dir.path(), 6));
    run(&served, &["apply", "--yes"], &n3).await.assert_exit(0);
    let (_, closed) = windows_around_now();
    set_window(&served, &closed.0, &closed.1, &closed.2).await;
    // Noon of the window's day, three days from now.
    let now = OffsetDateTime::now_utc();
    let noon =
        (now + time::Duration::days(3)).replace_time(time::Time::from_hms(12, 0, 0).expect("noon"));
    let skew = (noon - now).whole_seconds();
    hook(
        &served,
        reqwest::Method::POST,
        "/_sim/clock/skew",
        Some(json!({ "seconds": skew })),
    )
    .await;
    let out = dwsctl(["apply", "--yes", "-f"])
        .arg(&n6)
        .envs(served.exports())
        .env("DWS_ADMIN_PASSWORD", PASSWORD)
        .env_remove(dwsctl::cli::timing::NOW_VAR)
        .run()
        .await;
    out.assert_exit(0);
    assert!(out.stdout().contains("window: open now"), "{}", out.text());
}

/// `DWSCTL_NOW` is the time windows are read against; one that is not a time is an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dwsctl_now_moves_the_window_check_and_a_bad_one_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "2000"]).serve();
    let (n3, n6) = (spec(dir.path(), 3), spec(dir.path(), 6));
    run(&served, &["apply", "--yes"], &n3).await.assert_exit(0);
    let plan_at = |now: &str| {
        dwsctl(["plan", "-f"])
            .arg(&n6)
            .envs(served.exports())
            .env(dwsctl::cli::timing::NOW_VAR, now)
    };
    // Thursday 02:00 is the end of the default window (Wed 22:00-02:00).
    let out = plan_at("2026-12-03T02:00:00Z").run().await;
    out.assert_exit(0);
    assert!(
        out.stdout()
            .contains("window: deferred until 2026-12-09T22:00:00Z"),
        "{}",
        out.stdout()
    );
    let out = plan_at("2026-12-03T01:59:59Z").run().await;
    assert!(
        out.stdout().contains("window: open now"),
        "{}",
        out.stdout()
    );
    let out = plan_at("next wednesday").run().await;
    out.assert_exit(1);
    assert!(
        out.stderr()
            .contains("DWSCTL_NOW=\"next wednesday\" is not an RFC 3339 time"),
        "{}",
        out.stderr()
    );
}
