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
        .filter(|(route, n)| *n > 0 && !route.starts_with("GET ") && !route.contains("/auth/"))
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

/// A 4-hour window around now (starting on the hour before), and one that opens in three
/// days: the checks have hours of margin either way.
fn windows() -> ((String, String, String), (String, String, String)) {
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
    let (open, closed) = windows();

    // Closed: the plan marks the step, apply defers it and sends nothing.
    set_window(&served, &closed.0, &closed.1, &closed.2).await;
    let plan = run(&served, &["plan"], &n6).await;
    plan.assert_exit(0);
    let shown = format!(
        "outside the maintenance window {} {}-{} UTC",
        closed.0, closed.1, closed.2
    );
    assert!(
        plan.stdout().contains("impact: disruptive"),
        "{}",
        plan.stdout()
    );
    assert!(
        plan.stdout().contains("window: deferred until "),
        "{}",
        plan.stdout()
    );
    assert!(plan.stdout().contains(&shown), "{}", plan.stdout());
    let json = run(&served, &["plan", "--json"], &n6).await;
    let value: Value = serde_json::from_str(&json.stdout()).expect("JSON plan");
    let step = &value["steps"][0];
    assert_eq!(step["impact"], "disruptive");
    assert_eq!(step["maintenance"]["deferred"], true);
    assert_eq!(step["maintenance"]["window"]["day"], closed.0.as_str());
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
    set_window(&served, &open.0, &open.1, &open.2).await;
    let out = run(&served, &["apply", "--yes"], &n6).await;
    out.assert_exit(0);
    run(&served, &["plan", "--detailed-exitcode"], &n6)
        .await
        .assert_exit(0);

    // Closed again, with the flag: it runs, and apply reads no window.
    set_window(&served, &closed.0, &closed.1, &closed.2).await;
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
    run(&served, &["plan", "--detailed-exitcode"], &n9)
        .await
        .assert_exit(0);
}

/// A plan without a disruptive step reads no window: still exactly the two listings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_without_disruptive_steps_makes_no_detail_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "2000"]).serve();
    let n3 = spec(dir.path(), 3);
    reset_counters(&served).await;
    run(&served, &["plan"], &n3).await.assert_exit(0);
    let body = hook(&served, reqwest::Method::GET, "/_sim/requests", None).await;
    let all: BTreeMap<String, u64> =
        serde_json::from_value(body["requests"].clone()).expect("counters");
    let gets: u64 = all
        .iter()
        .filter(|(route, _)| route.starts_with("GET /v1.0/{project_id}/clusters/{cluster_id}"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(gets, 0, "{all:?}");
}

/// The time a window is read against is the cloud's (its `Date`), not this machine's: with the
/// simulator's clock moved into a window that is closed here, the resize runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_is_read_against_the_clouds_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dwsctl(["--time-scale", "2000"]).serve();
    let (n3, n6) = (spec(dir.path(), 3), spec(dir.path(), 6));
    run(&served, &["apply", "--yes"], &n3).await.assert_exit(0);
    let (_, closed) = windows();
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
    let out = run(&served, &["apply", "--yes"], &n6).await;
    out.assert_exit(0);
    assert!(out.stdout().contains("window: open now"), "{}", out.text());
}
