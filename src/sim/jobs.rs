//! The jobs behind the `job_id`s that the rename, start, stop, scale-in and CN answers hand
//! out, and `GET /v1.0/{project_id}/job/{job_id}`
//! (`task_management/querying_the_task_progress.rst`) that reports them.
//!
//! A job follows the cluster task its call started: it runs as long as the task and ends as
//! the task does, `SUCCESS`, or `FAIL` with the task's failure code and message (the
//! `task_fails` fault). A rename's job runs until the new name shows. The page documents `SUCCESS` and `FAIL` (its example) and no value
//! for a job still running; the simulator answers `RUNNING` there (TF-HW's refresh function
//! treats every other value as running, dws-api.md §7.5). `job_name` is the simulator's own (the page's
//! only example is `ecfClusterElbCreateJob`, a job the simulator does not run).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::clock::{format_local, Clock};
use super::conditions::FailureKind;
use super::reply::{self, ApiErr, ApiResult, Params};
use super::server::{Inner, Shared};
use super::state::Op;

/// At most this many jobs are remembered (the oldest are forgotten first).
pub const JOBS_KEPT: usize = 10_000;

/// A job handed out in an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRec {
    pub id: String,
    pub name: String,
    /// From the call's answer to the end of the task it started.
    pub op: Op,
    /// The wall-clock time of the answer, Unix seconds: `begin_time`, and `end_time` the
    /// task's duration later (fixed when handed out, so an advance of the clock does not
    /// move the times a job already shows).
    pub begin_unix: f64,
    /// The task's failure, when the fault schedule made it fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fails: Option<FailureKind>,
}

/// A job for the task just started on cluster `cluster_id` (running as long as it); its id.
pub fn for_task(inner: &mut Inner, cluster_id: &str, name: &str) -> String {
    let now = inner.clock.now();
    let (op, fails) = inner
        .world
        .cluster(cluster_id)
        .and_then(|c| c.task.as_ref())
        .map_or((instant(now), None), |task| {
            (task.op, task.kind.failure().filter(|_| task.fails))
        });
    record(inner, name, op, fails)
}

/// A job that ended when it was handed out (a call that changed nothing); its id.
pub fn done_now(inner: &mut Inner, name: &str) -> String {
    let op = instant(inner.clock.now());
    record(inner, name, op, None)
}

/// An operation that begins and ends at `t`.
fn instant(t: f64) -> Op {
    Op {
        start: t,
        duration: 0.0,
    }
}

/// A job that runs for `op` and succeeds; its id.
pub fn for_op(inner: &mut Inner, name: &str, op: Op) -> String {
    record(inner, name, op, None)
}

fn record(inner: &mut Inner, name: &str, op: Op, fails: Option<FailureKind>) -> String {
    // 32 hex digits, as the reference's job ids.
    let id = inner.world.new_uuid().replace('-', "");
    let begin_unix = unix(inner.clock.wall_at(op.start));
    let jobs = &mut inner.world.jobs;
    if jobs.len() >= JOBS_KEPT {
        jobs.remove(0);
    }
    jobs.push(JobRec {
        id: id.clone(),
        name: name.to_owned(),
        op,
        begin_unix,
        fails,
    });
    id
}

fn unix(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `2022-11-09T20:25:00`, the page's format, of Unix seconds `secs`.
fn wall(secs: f64) -> String {
    let t = UNIX_EPOCH + Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or_default();
    format_local(t)
}

/// `GET /v1.0/{project_id}/job/{job_id}`: the job's status, progress and times. An id the
/// simulator never handed out (or forgot) is the page's 404 "No resources found."; no code
/// is documented for it, so the Huawei profile's not-found code (DWS.0015) is used.
pub async fn query(State(shared): State<Arc<Shared>>, params: Params) -> ApiResult {
    let inner = shared.world();
    let id = params.get("job_id");
    let job = inner
        .world
        .jobs
        .iter()
        .find(|j| j.id == id)
        .ok_or_else(|| {
            ApiErr::dws(
                StatusCode::NOT_FOUND,
                "DWS.0015",
                "Resource not found or permission denied.",
            )
        })?;
    reply::ok(&view(job, &inner.clock))
}

/// The page's body for `job` at the clock's now.
fn view(job: &JobRec, clock: &Clock) -> serde_json::Value {
    let now = clock.now();
    let begin = wall(job.begin_unix);
    if !job.op.done(now) {
        return json!({
            "job_id": job.id, "job_name": job.name, "begin_time": begin, "end_time": null,
            "status": "RUNNING", "progress": job.op.percent(now),
            "failed_code": null, "failed_detail": null,
        });
    }
    let end = wall(job.begin_unix + job.op.duration);
    let reasons = job.fails.map(FailureKind::reasons);
    let (code, detail) = reasons.map_or((None, None), |r| (r.error_code, r.error_msg));
    json!({
        "job_id": job.id, "job_name": job.name, "begin_time": begin, "end_time": end,
        "status": if job.fails.is_some() { "FAIL" } else { "SUCCESS" },
        "progress": if job.fails.is_some() { job.op.percent(job.op.end()) } else { "100%".to_owned() },
        "failed_code": code, "failed_detail": detail,
    })
}
