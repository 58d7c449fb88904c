//! `dwsctl export` from the cloud: a spec exported from a seeded estate plans as the adoption
//! of the clusters dwsctl does not own and nothing else; apply adopts them; the next plan is
//! empty. The simulator's request counters prove that export only lists and that no create,
//! delete, resize or restore was sent. Hostile strings from the cloud stay values. The estate
//! seeding and the round trip are shared with export_terraform_cli (`--from-terraform`).

use std::path::Path;

use serde_json::{json, Value};

use crate::cli_support::{self, Run};
use crate::sim_support::{self, cluster_body, Sim};
use crate::spec_schema::{assert_satisfies_the_schema, validator};

/// `dwsctl ARGS` with AK/SK credentials for `sim`; no password variable is set, because
/// adopting a cluster must not need one.
async fn dwsctl(sim: &Sim, args: &[&str]) -> Run {
    cli_support::dwsctl(args).ak_sk(&sim.base).run().await
}

/// One cluster of a seeded estate: what its create request sets beyond [`cluster_body`].
pub(super) struct Seed {
    pub(super) name: String,
    pub(super) extra: Value,
    pub(super) tags: Vec<(&'static str, &'static str)>,
}

/// 20 clusters that differ where a spec can: node type and count, CN count, zone, port,
/// admin user, public access, tags; every fourth owned by dwsctl (one with a password
/// version), one tagged as another tool's. [`STOPPED`] are stopped once seeded.
fn estate() -> Vec<Seed> {
    (1..=20)
        .map(|i| {
            let mut tags = Vec::new();
            if i % 4 == 0 {
                tags.push(("managed-by", "dwsctl"));
            }
            if i == 8 {
                tags.push(("dwsctl-password-version", "2026-01"));
            }
            if i == 7 {
                tags.push(("managed-by", "terraform"));
            }
            if i % 3 == 0 {
                tags.push(("team", "analytics"));
                tags.push(("cost-center", "4711"));
            }
            let zone = ["eu-de-01", "eu-de-02", "eu-de-03"][i % 3];
            let mut extra = json!({"availability_zone": zone});
            if i % 5 == 0 {
                extra["number_of_node"] = json!(6);
            }
            // CN counts other than the cloud's default of 3: the fewest, and more.
            if i % 7 == 2 {
                extra["number_of_cn"] = json!(2);
            }
            if i == 10 || i == 20 {
                extra["number_of_cn"] = json!(5);
            }
            if i % 6 == 1 {
                extra["node_type"] = json!("dws.d1.xlarge");
            }
            if i == 2 || i == 11 {
                extra["port"] = json!(8100);
                extra["user_name"] = json!("report_admin");
            }
            if i == 3 || i == 13 {
                extra["public_ip"] = json!({"public_bind_type": "auto_assign"});
            }
            Seed {
                name: format!("estate-{i:02}"),
                extra,
                tags,
            }
        })
        .collect()
}

/// The clusters of [`estate`] stopped after seeding: two adopted (one with a non-default CN
/// count), one owned.
const STOPPED: [&str; 3] = ["estate-05", "estate-09", "estate-12"];

/// Stops the clusters named in `names` (ids in `seeds` order) and waits until they are.
pub(super) async fn stop(sim: &Sim, seeds: &[Seed], ids: &[String], names: &[&str]) {
    for (s, id) in seeds.iter().zip(ids) {
        if !names.contains(&s.name.as_str()) {
            continue;
        }
        let path = format!("/v1/{}/clusters/{id}/stop", sim_support::PID);
        let (status, answer) = sim.call("POST", &path, None).await;
        assert_eq!(status, 200, "{}: {answer}", s.name);
    }
    sim.advance(3000.0).await;
    for (s, id) in seeds.iter().zip(ids) {
        if names.contains(&s.name.as_str()) {
            let (_, body) = sim.get(&format!("clusters/{id}")).await;
            assert_eq!(body["cluster"]["status"], "STOPPED", "{}", s.name);
        }
    }
}

/// Sends the create request of `s` and returns the new cluster's id.
pub(super) async fn create(sim: &Sim, s: &Seed) -> String {
    let mut body = cluster_body(&s.name);
    if let (Some(cluster), Some(extra)) = (body["cluster"].as_object_mut(), s.extra.as_object()) {
        cluster.extend(extra.clone());
    }
    let tags: Vec<Value> = s
        .tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    body["cluster"]["tags"] = json!(tags);
    let (status, answer) = sim.post("clusters", body).await;
    assert_eq!(status, 200, "{}: {answer}", s.name);
    answer["cluster"]["id"].as_str().expect("id").to_owned()
}

/// Creates the clusters through the API, waits until they are AVAILABLE, and takes manual
/// snapshots of every other one (two of some, one with a description a spec must quote).
async fn seed(sim: &Sim, seeds: &[Seed]) -> Vec<String> {
    let mut ids = Vec::new();
    for s in seeds {
        ids.push(create(sim, s).await);
    }
    sim.advance(3000.0).await;
    for (i, (s, id)) in seeds.iter().zip(&ids).enumerate() {
        let (_, body) = sim.get(&format!("clusters/{id}")).await;
        assert_eq!(body["cluster"]["status"], "AVAILABLE", "{}", s.name);
        if i % 4 == 1 {
            // A description (only the detail shows it); the first reads as a mapping unquoted.
            let text = if i == 1 {
                "Finance: month-end loads, 100%".to_owned()
            } else {
                format!("Estate {}", s.name)
            };
            let path = format!("/v1/{}/clusters/{id}/description", sim_support::PID);
            let (status, answer) = sim
                .call("POST", &path, Some(json!({"description_info": text})))
                .await;
            assert_eq!(status, 200, "{}: {answer}", s.name);
        }
        if i % 5 == 2 {
            // A policy changed from the default: a week's retention and one more strategy.
            let (status, answer) = sim
                .call(
                    "PUT",
                    &format!("/v2/{}/clusters/{id}/snapshot-policies", sim_support::PID),
                    Some(json!({"keep_day": 7, "backup_strategies": [{
                        "policy_name": "saturday-full", "backup_strategy": "0 30 1 ? * 7",
                        "backup_type": "full"}]})),
                )
                .await;
            assert_eq!(status, 200, "{answer}");
        }
        if i % 2 == 1 {
            continue;
        }
        let mut body = json!({"snapshot": {"name": format!("{}-base", s.name), "cluster_id": id}});
        match i % 3 {
            0 => body["snapshot"]["description"] = json!(format!("Nightly copy: {}", s.name)),
            1 => {}
            _ => body["snapshot"]["description"] = json!("yes"),
        }
        let (status, answer) = sim.post("snapshots", body).await;
        assert_eq!(status, 200, "{answer}");
        if i % 4 == 0 {
            sim.advance(3000.0).await;
            sim.snapshot(id, &format!("{}-before-upgrade", s.name))
                .await;
        }
        sim.advance(3000.0).await;
    }
    ids
}

/// Every request counted that changes something, as `METHOD route`.
fn mutating(counts: &serde_json::Map<String, Value>) -> Vec<String> {
    counts
        .keys()
        .filter(|k| !k.starts_with("GET "))
        .cloned()
        .collect()
}

/// Plans `spec`; asserts every step adopts a cluster (tags it `managed-by: dwsctl`, replacing
/// another tool's value) and returns the adopted clusters' names.
async fn adoptions(sim: &Sim, spec: &str) -> Vec<String> {
    let out = dwsctl(sim, &["plan", "-f", spec, "--json", "--detailed-exitcode"]).await;
    out.assert_exit(2).assert_no_secrets();
    let plan: Value = serde_json::from_str(&out.stdout()).expect("JSON plan");
    let steps = plan["steps"].as_array().expect("steps");
    let mut names = Vec::new();
    for step in steps {
        let action = &step["action"];
        assert_eq!(action["type"], "update_tags", "{step:#}");
        // The ownership tag, and the record of the apply (`plan::record`).
        let created: Vec<&Value> = action["create"]
            .as_array()
            .expect("create")
            .iter()
            .filter(|t| t["key"] != "dwsctl-applied")
            .collect();
        assert_eq!(
            created,
            [&json!({"key": "managed-by", "value": "dwsctl"})],
            "{step:#}"
        );
        let deleted = action["delete"].as_array().expect("delete");
        assert!(
            deleted.iter().all(|t| t["key"] == "managed-by"),
            "only another tool's ownership value is replaced: {step:#}"
        );
        names.push(step["target"]["name"].as_str().expect("name").to_owned());
    }
    names
}

/// Plan (adoption only), apply, plan again (exit 0); nothing but tag calls sent: no create,
/// delete, resize, restore, start, stop, CN or policy change. `cn_lists`: whether the export
/// declares `number_of_cn`, so that the plans read the CN lists (and only then).
pub(super) async fn round_trip(sim: &Sim, spec: &str, expect_adopted: &[&str], cn_lists: bool) {
    sim.reset_requests().await;
    let adopted = adoptions(sim, spec).await;
    assert_eq!(adopted, expect_adopted);
    let out = dwsctl(sim, &["apply", "-f", spec, "--yes"]).await;
    out.assert_exit(0).assert_no_secrets();
    let out = dwsctl(sim, &["plan", "-f", spec, "--detailed-exitcode"]).await;
    out.assert_exit(0);
    let counts = sim.requests().await;
    let sent = mutating(&counts);
    assert!(
        sent.iter().all(|route| route.contains("/tags/")),
        "only tag calls may change anything: {sent:?}"
    );
    for route in [
        "/start",
        "/stop",
        "/cns/batch-create",
        "/cns/batch-delete",
        "/description",
    ] {
        assert!(
            !sent.iter().any(|r| r.ends_with(route)),
            "{route}: {sent:?}"
        );
    }
    assert_eq!(
        counts.contains_key("GET /v1.0/{project_id}/clusters/{cluster_id}/cns"),
        cn_lists,
        "the plans read the CN lists exactly when the export declares number_of_cn: {counts:?}"
    );
}

pub(super) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read the exported spec")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_estate_plans_as_adoption_only_and_converges_after_apply() {
    let sim = sim_support::start().await;
    let seeds = estate();
    let ids = seed(&sim, &seeds).await;
    stop(&sim, &seeds, &ids, &STOPPED).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("estate.yaml");
    let spec_arg = spec.display().to_string();
    sim.reset_requests().await;
    let out = dwsctl(&sim, &["export", "--out", &spec_arg]).await;
    out.assert_exit(0);
    assert_eq!(
        Value::Object(sim.requests().await),
        json!({"GET /v1.0/{project_id}/clusters": 1, "GET /v1.0/{project_id}/snapshots": 1,
               "GET /v1.0/{project_id}/clusters/{cluster_id}": 20,
               "GET /v1.0/{project_id}/clusters/{cluster_id}/cns": 20,
               "GET /v2/{project_id}/clusters/{cluster_id}/snapshot-policies": 20}),
        "export lists, reads each cluster's detail, CNs and policy, and changes nothing"
    );
    let text = read(&spec);
    insta::assert_snapshot!("export_estate", text);
    insta::assert_snapshot!("export_estate_stderr", out.transcript());
    let again = dwsctl(&sim, &["export"]).await;
    again.assert_exit(0);
    assert_eq!(
        again.stdout(),
        text,
        "the same estate exports byte for byte the same"
    );
    assert_satisfies_the_schema(&validator(), &spec);
    let loaded =
        dwsctl::spec::load_with(std::slice::from_ref(&spec), &|_| None).expect("the export loads");
    assert_eq!(loaded.desired.clusters.len(), 20);
    for (name, cluster) in &loaded.desired.clusters {
        let power = STOPPED
            .contains(&name.as_str())
            .then_some(dwsctl::spec::Power::Stopped);
        assert_eq!(
            cluster.power, power,
            "{name}: only stopped clusters get power"
        );
    }
    let described: Vec<&str> = loaded
        .desired
        .clusters
        .iter()
        .filter(|(_, c)| c.description.is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        described,
        [
            "estate-02",
            "estate-06",
            "estate-10",
            "estate-14",
            "estate-18"
        ]
    );
    let cns = |name: &str| loaded.desired.clusters[name].number_of_cn;
    assert_eq!(
        [cns("estate-01"), cns("estate-09"), cns("estate-10")],
        [Some(3), Some(2), Some(5)]
    );

    let unowned: Vec<String> = seeds
        .iter()
        .filter(|s| !s.tags.contains(&("managed-by", "dwsctl")))
        .map(|s| s.name.clone())
        .collect();
    let unowned: Vec<&str> = unowned.iter().map(String::as_str).collect();
    assert_eq!(unowned.len(), 15);
    round_trip(&sim, &spec_arg, &unowned, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_of_named_clusters_and_an_unknown_name() {
    let sim = sim_support::start().await;
    seed(&sim, &estate()[..3]).await;
    let out = dwsctl(
        &sim,
        &["export", "--cluster", "estate-03", "--cluster", "estate-01"],
    )
    .await;
    out.assert_exit(0);
    let spec: serde_yaml::Value = serde_yaml::from_str(&out.stdout()).expect("YAML");
    let names: Vec<&str> = spec["clusters"]
        .as_mapping()
        .expect("clusters")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    assert_eq!(names, ["estate-01", "estate-03"]);
    let out = dwsctl(&sim, &["export", "--cluster", "estate-99"]).await;
    out.assert_exit(1);
    insta::assert_snapshot!(out.transcript());
}

#[test]
fn export_help_lists_the_cloud_options_and_the_state_option() {
    let out = cli_support::dwsctl(["export", "--help"]).output();
    out.assert_exit(0);
    let help = out.stdout();
    for flag in [
        "--cluster <NAME>",
        "--out <FILE>",
        "--from-terraform <STATE>",
        "--sim[",
        "--endpoint",
    ] {
        assert!(help.contains(flag), "{flag} missing:\n{help}");
    }
}

const HOSTILE: &str = "\u{1b}[2J\u{1b}[H\n  adopt: false\n# forged\u{9b}1m\u{202e}";

/// A listed cluster whose strings no DWS would send.
fn hostile_cluster() -> Value {
    json!({
        "id": "6c3b9aa7-67f7-45b5-b7c0-d8ba5fa54677", "name": format!("evil{HOSTILE}"),
        "status": "AVAILABLE", "port": 8000, "endpoints": [], "public_endpoints": [], "nodes": [],
        "tags": [{"key": format!("k{HOSTILE}"), "value": format!("v{HOSTILE}")}],
        "user_name": "dbadmin", "number_of_node": 3, "availability_zone": "eu-de-01",
        "node_type": format!("dws{HOSTILE}"), "vpc_id": "vpc-1", "subnet_id": "subnet-1",
        "security_group_id": "sg-1", "action_progress": {}, "sub_status": "NORMAL"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_strings_from_the_cloud_stay_values_and_never_reach_the_terminal_raw() {
    use crate::fake_http::{FakeHttp, Reply, Request};
    let fake = FakeHttp::start(|request: &Request| {
        if request.path.ends_with("/clusters") {
            Reply::json(200, &json!({"clusters": [hostile_cluster()], "count": 1}))
        } else if request.path.ends_with("/cns") {
            let cn = json!({"id": format!("cn{HOSTILE}"), "name": format!("cn{HOSTILE}")});
            Reply::json(
                200,
                &json!({"min_num": 2, "max_num": 3, "instances": [cn, cn]}),
            )
        } else if request
            .path
            .ends_with("/clusters/6c3b9aa7-67f7-45b5-b7c0-d8ba5fa54677")
        {
            let mut detail = hostile_cluster();
            detail["cluster_description_info"] = json!(format!("desc{HOSTILE}"));
            Reply::json(200, &json!({"cluster": detail}))
        } else if request.path.ends_with("/snapshot-policies") {
            Reply::json(
                200,
                &json!({"keep_day": 3, "auto_backup": true, "backup_strategies": [
                    {"policy_id": "p1", "policy_name": format!("pol{HOSTILE}"),
                     "backup_strategy": format!("0 0 2 ? * 1{HOSTILE}"), "backup_type": "full"}]}),
            )
        } else {
            let snapshot = json!({"id": "s1", "name": format!("snap{HOSTILE}"),
                "description": format!("d{HOSTILE}"), "status": "AVAILABLE", "type": "MANUAL",
                "cluster_id": "6c3b9aa7-67f7-45b5-b7c0-d8ba5fa54677"});
            Reply::json(200, &json!({"snapshots": [snapshot], "count": 1}))
        }
    })
    .await;
    let out = cli_support::dwsctl(["export"])
        .env("DWS_ENDPOINT", &fake.base)
        .env("OS_AUTH_TOKEN", "hostile-test-token-02")
        .env("OS_PROJECT_ID", "p1")
        .run()
        .await;
    out.assert_exit(0);
    for (label, text) in [("stdout", out.stdout()), ("stderr", out.stderr())] {
        assert!(
            !text
                .chars()
                .any(|c| dwsctl::term::is_unsafe(c) && c != '\n'),
            "{label} holds a raw control character: {text:?}"
        );
    }
    let spec: serde_yaml::Value = serde_yaml::from_str(&out.stdout()).expect("still YAML");
    let clusters = spec["clusters"].as_mapping().expect("clusters");
    assert_eq!(clusters.len(), 1, "{spec:?}");
    let cluster = &spec["clusters"][format!("evil{HOSTILE}").as_str()];
    assert_eq!(cluster["adopt"].as_bool(), Some(true), "{}", out.stdout());
    assert_eq!(
        cluster["node_type"].as_str(),
        Some(format!("dws{HOSTILE}").as_str())
    );
    assert_eq!(cluster["number_of_cn"].as_u64(), Some(2));
    assert_eq!(
        cluster["description"].as_str(),
        Some(format!("desc{HOSTILE}").as_str())
    );
    let tag = &cluster["tags"][format!("k{HOSTILE}").as_str()];
    assert_eq!(tag.as_str(), Some(format!("v{HOSTILE}").as_str()));
    let snapshot = &cluster["snapshots"][format!("snap{HOSTILE}").as_str()];
    assert_eq!(snapshot.as_str(), Some(format!("d{HOSTILE}").as_str()));
    let policy = &cluster["automated_snapshots"]["policies"][format!("pol{HOSTILE}").as_str()];
    assert_eq!(
        policy["schedule"].as_str(),
        Some(format!("0 0 2 ? * 1{HOSTILE}").as_str())
    );
    assert!(
        out.stderr().contains("warning: cluster name"),
        "the spec's rules refuse the name, and the export says so:\n{}",
        out.stderr()
    );
}
