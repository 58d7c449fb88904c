//! `dwsctl export --from-terraform`: the Terraform state samples in tests/fixtures/terraform/
//! (huaweicloud, opentelekomcloud) export without touching the network, the specs satisfy the
//! schema and round trip against clusters seeded to match (adoption only, then an empty
//! plan); a broken state is an input error naming where. The seeding and the round trip are
//! export_cli's.

use serde_json::json;

use crate::cli_support;
use crate::export_cli::{create, read, round_trip, stop, Seed};
use crate::sim_support::{self, Sim};
use crate::spec_schema::{assert_satisfies_the_schema, validator};

/// The clusters and snapshots `tests/fixtures/terraform/huaweicloud.tfstate` describes,
/// created in the simulator (their ids differ: the export keys by name).
async fn seed_huaweicloud_sample(sim: &Sim) {
    let seeds = [
        Seed {
            name: "tf-analytics".into(),
            extra: json!({"number_of_node": 6, "availability_zone": "eu-de-01", "number_of_cn": 4}),
            tags: vec![("team", "analytics"), ("cost-center", "4711")],
        },
        Seed {
            name: "tf-reporting-eu".into(),
            extra: json!({"node_type": "dws.d1.xlarge", "availability_zone": "eu-de-02",
                          "port": 8100, "user_name": "report_admin",
                          "public_ip": {"public_bind_type": "auto_assign"}}),
            tags: Vec::new(),
        },
    ];
    let mut ids = Vec::new();
    for s in &seeds {
        ids.push(create(sim, s).await);
    }
    sim.advance(3000.0).await;
    let (status, answer) = sim
        .post(
            "snapshots",
            json!({"snapshot": {"name": "tf-analytics-baseline", "cluster_id": ids[0],
                                "description": "Baseline after the first load"}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    sim.snapshot(&ids[1], "tf-reporting-monthly").await;
    sim.advance(3000.0).await;
    // The policy the state's huaweicloud_dws_snapshot_policy.nightly added.
    let (status, answer) = sim
        .call(
            "PUT",
            &format!(
                "/v2/{}/clusters/{}/snapshot-policies",
                sim_support::PID,
                ids[0]
            ),
            Some(json!({"backup_strategies": [{"policy_name": "nightly-full",
                "backup_strategy": "0 0 2 ? * 1", "backup_type": "full"}]})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // The state's tf-analytics has a description.
    let path = format!("/v1/{}/clusters/{}/description", sim_support::PID, ids[0]);
    let (status, answer) = sim
        .call(
            "POST",
            &path,
            Some(json!({"description_info": "Analytics warehouse, loaded nightly"})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    // The state's tf-reporting-eu has `status: STOPPED`.
    stop(sim, &seeds, &ids, &["tf-reporting-eu"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terraform_state_exports_without_network_and_round_trips() {
    let sim = sim_support::start().await;
    seed_huaweicloud_sample(&sim).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("from-terraform.yaml");
    let spec_arg = spec.display().to_string();
    sim.reset_requests().await;
    let out = cli_support::dwsctl([
        "export",
        "--from-terraform",
        "tests/fixtures/terraform/huaweicloud.tfstate",
        "--out",
        &spec_arg,
    ])
    .env("TF_CANARY_PASSWORD", "Canary-TF-Pw-4242!")
    .run()
    .await;
    out.assert_exit(0).assert_no_secrets();
    assert!(
        sim.requests().await.is_empty(),
        "a state export reads no cloud"
    );
    let text = read(&spec);
    assert!(!text.contains("Canary-TF-Pw-4242!"), "{text}");
    insta::assert_snapshot!("export_terraform_huaweicloud", text);
    insta::assert_snapshot!("export_terraform_huaweicloud_stderr", out.transcript());
    assert_satisfies_the_schema(&validator(), &spec);
    round_trip(&sim, &spec_arg, &["tf-analytics", "tf-reporting-eu"], true).await;
}

/// The clusters `tests/fixtures/terraform/opentelekomcloud.tfstate` describes, created in the
/// simulator.
async fn seed_opentelekomcloud_sample(sim: &Sim) {
    let seeds = [
        Seed {
            name: "otc-staging".into(),
            extra: json!({"availability_zone": "eu-de-01"}),
            tags: Vec::new(),
        },
        Seed {
            name: "otc-warehouse".into(),
            extra: json!({"node_type": "dws.m3.2xlarge", "availability_zone": "eu-de-03",
                          "port": 8899, "public_ip": {"public_bind_type": "auto_assign"}}),
            tags: Vec::new(),
        },
    ];
    for s in &seeds {
        create(sim, s).await;
    }
    sim.advance(3000.0).await;
}

/// The OTC provider's sample exports, satisfies the schema and loads, and round trips on
/// the simulator like the Huawei one (issue 13: "over the Terraform state samples").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_opentelekomcloud_sample_exports_validates_and_round_trips() {
    let out = cli_support::dwsctl([
        "export",
        "--from-terraform",
        "tests/fixtures/terraform/opentelekomcloud.tfstate",
    ])
    .run()
    .await;
    out.assert_exit(0);
    insta::assert_snapshot!("export_terraform_opentelekomcloud", out.stdout());
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("otc.yaml");
    std::fs::write(&spec, out.stdout()).expect("write");
    assert_satisfies_the_schema(&validator(), &spec);
    dwsctl::spec::load_with(std::slice::from_ref(&spec), &|_| None).expect("the export loads");
    let sim = sim_support::start().await;
    seed_opentelekomcloud_sample(&sim).await;
    let spec_arg = spec.display().to_string();
    round_trip(&sim, &spec_arg, &["otc-staging", "otc-warehouse"], false).await;
}

#[tokio::test]
async fn a_bad_state_file_is_an_input_error_naming_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("broken.tfstate");
    std::fs::write(
        &state,
        "{\"version\": 4, \"resources\": [\n  {\"type\": }\n]}",
    )
    .expect("write");
    let out = cli_support::dwsctl(["export", "--from-terraform", "broken.tfstate"])
        .current_dir(dir.path())
        .run()
        .await;
    out.assert_exit(1);
    insta::assert_snapshot!(out.transcript());
    let out = cli_support::dwsctl(["export", "--from-terraform", "/dev/zero"])
        .run()
        .await;
    out.assert_exit(1);
    assert!(
        out.stderr().contains("not a regular file"),
        "{}",
        out.stderr()
    );
    let out = cli_support::dwsctl([
        "--endpoint",
        "https://x",
        "export",
        "--from-terraform",
        "tests/fixtures/terraform/opentelekomcloud.tfstate",
    ])
    .run()
    .await;
    out.assert_exit(1);
    let stderr = out.stderr();
    assert!(
        stderr.contains("usage::unused_option") && stderr.contains("--endpoint"),
        "{stderr}"
    );
}
