//! `GET /v1.0/{project_id}/job/{job_id}` (`task_management/querying_the_task_progress.rst`):
//! every `job_id` the simulator hands out (start, stop, scale-in, CN changes, rename) can be
//! queried, and the job runs and ends as the change its call started.

use serde_json::{json, Value};

use crate::sim_support::{assert_error, cluster_body, start, Sim, PID};

/// The job's body (200 asserted).
async fn job(sim: &Sim, id: &str) -> Value {
    let (status, body) = sim.get(&format!("/v1.0/{PID}/job/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The `job_id` of an answer.
#[track_caller]
fn job_id(answer: &(u16, Value)) -> String {
    assert_eq!(answer.0, 200, "{}", answer.1);
    let id = answer.1["job_id"].as_str().expect("job_id").to_owned();
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    id
}

#[tokio::test]
async fn a_stop_job_runs_with_the_task_then_succeeds() {
    let sim = start().await;
    let id = sim.create_available("job-demo").await;
    let answer = sim
        .post(&format!("/v1/{PID}/clusters/{id}/stop"), json!({}))
        .await;
    let job_id = job_id(&answer);
    sim.advance(30.0).await;
    let running = job(&sim, &job_id).await;
    assert_eq!(running["job_id"], job_id.as_str());
    assert_eq!(running["job_name"], "ClusterStopJob");
    assert_eq!(running["status"], "RUNNING", "{running}");
    assert_eq!(running["end_time"], Value::Null);
    let progress = running["progress"].as_str().expect("progress");
    assert!(progress.ends_with('%') && progress != "100%", "{progress}");
    assert!(running["begin_time"]
        .as_str()
        .is_some_and(|t| t.len() == 19));

    sim.advance(3600.0).await;
    let (_, detail) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(detail["cluster"]["status"], "STOPPED", "{detail}");
    let done = job(&sim, &job_id).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    assert_eq!(done["progress"], "100%");
    assert_eq!(done["failed_code"], Value::Null);
    assert!(done["end_time"].as_str().is_some_and(|t| t.len() == 19));
    assert_eq!(done["begin_time"], running["begin_time"]);
}

#[tokio::test]
async fn a_start_whose_task_fails_ends_its_job_as_fail_with_the_tasks_reason() {
    let sim = start().await;
    let id = sim.create_available("job-fails").await;
    job_id(
        &sim.post(&format!("/v1/{PID}/clusters/{id}/stop"), json!({}))
            .await,
    );
    sim.advance(3600.0).await;
    let rules = json!({"rules": [{"route": "POST /v1/{project_id}/clusters/{cluster_id}/start",
                                  "fault": {"kind": "task_fails"}}]});
    let (status, body) = sim.hook("POST", "faults", Some(rules)).await;
    assert_eq!(status, 200, "{body}");
    let answer = sim
        .post(&format!("/v1/{PID}/clusters/{id}/start"), json!({}))
        .await;
    let job_id = job_id(&answer);
    assert_eq!(job(&sim, &job_id).await["status"], "RUNNING");
    sim.advance(3600.0).await;
    let failed = job(&sim, &job_id).await;
    assert_eq!(failed["status"], "FAIL", "{failed}");
    assert_eq!(failed["failed_code"], "DWS.6002");
    let (_, detail) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(
        failed["failed_detail"], detail["cluster"]["failed_reasons"]["error_msg"],
        "{detail}"
    );
}

#[tokio::test]
async fn a_cn_addition_and_a_rename_each_have_a_job_that_ends_with_the_change() {
    let sim = start().await;
    let mut body = cluster_body("job-cns");
    body["cluster"]["number_of_node"] = json!(6);
    let (status, created) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{created}");
    sim.advance(3600.0).await;
    let id = created["cluster"]["id"].as_str().expect("id");

    let add = sim
        .post(
            &format!("clusters/{id}/cns/batch-create"),
            json!({"num": 4}),
        )
        .await;
    let add_job = job_id(&add);
    let running = job(&sim, &add_job).await;
    assert_eq!(
        (&running["job_name"], &running["status"]),
        (&json!("ClusterCnAddJob"), &json!("RUNNING"))
    );
    sim.advance(3600.0).await;
    assert_eq!(job(&sim, &add_job).await["status"], "SUCCESS");

    let rename = sim
        .call(
            "PUT",
            &format!("/v1/{PID}/clusters/{id}/cluster-name"),
            Some(json!({"cluster_name": "job-renamed"})),
        )
        .await;
    let rename_job = job_id(&rename);
    let running = job(&sim, &rename_job).await;
    assert_eq!(
        (&running["job_name"], &running["status"]),
        (&json!("ClusterRenameJob"), &json!("RUNNING"))
    );
    let (_, detail) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(
        detail["cluster"]["name"], "job-cns",
        "renamed before its job ended"
    );
    sim.advance(60.0).await;
    assert_eq!(job(&sim, &rename_job).await["status"], "SUCCESS");
    let (_, detail) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(detail["cluster"]["name"], "job-renamed");
    // The cluster's own name: nothing to do, a job that has ended.
    let same = sim
        .call(
            "PUT",
            &format!("/v1/{PID}/clusters/{id}/cluster-name"),
            Some(json!({"cluster_name": "job-renamed"})),
        )
        .await;
    let same = job(&sim, &job_id(&same)).await;
    assert_eq!(same["status"], "SUCCESS", "{same}");
    assert_eq!(same["begin_time"], same["end_time"]);
}

/// The scale-in answers its job too (`node_change/scaling_in_a_cluster.rst`), beside the
/// newer APIs' `error_code`.
#[tokio::test]
async fn a_scale_in_answers_a_job_that_ends_with_the_scale_in() {
    let sim = start().await;
    let mut body = cluster_body("job-shrink");
    body["cluster"]["number_of_node"] = json!(6);
    let (status, created) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{created}");
    sim.advance(3600.0).await;
    let id = created["cluster"]["id"].as_str().expect("id");
    let answer = sim
        .post(
            &format!("clusters/{id}/cluster-shrink"),
            json!({"shrink_number": 3, "online": false, "retry": false}),
        )
        .await;
    assert_eq!(answer.1["error_code"], "DWS.0000", "{}", answer.1);
    let shrink_job = job_id(&answer);
    let running = job(&sim, &shrink_job).await;
    assert_eq!(
        (&running["job_name"], &running["status"]),
        (&json!("ClusterShrinkJob"), &json!("RUNNING"))
    );
    sim.advance(7200.0).await;
    assert_eq!(job(&sim, &shrink_job).await["status"], "SUCCESS");
    let (_, detail) = sim.get(&format!("clusters/{id}")).await;
    assert_eq!(detail["cluster"]["number_of_node"], 3, "{detail}");
}

#[tokio::test]
async fn a_job_id_never_handed_out_is_not_found() {
    let sim = start().await;
    let got = sim
        .get(&format!("/v1.0/{PID}/job/2c9080e88459fa44018459fbeb600001"))
        .await;
    assert_error(&got, 404, "DWS.0015", "not found");
}
