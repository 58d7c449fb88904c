//! Unknown outcomes and throttling: a create whose answers are all lost is looked for only as
//! long as a listing can plausibly lag, an interrupt then claims nothing is running, and 429
//! answers slow a step down instead of failing it.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::super::fake::{FakeCloud, Fault};
use super::super::*;
use super::kit::spawn_run;
use super::{create, options, plan, run, step, target};

#[tokio::test(start_paused = true)]
async fn a_create_whose_answers_are_all_lost_fails_after_the_listing_window_not_the_timeout() {
    let cloud = FakeCloud::new();
    for _ in 0..3 {
        cloud.fault("create:dws-demo", Fault::LostUnknown);
    }
    let start = Instant::now();
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options()).await;
    let Outcome::Failed { reason } = &report.steps[0].outcome else {
        panic!("{report:?}");
    };
    assert!(
        reason.contains("outcome unknown: not listed after 120 s"),
        "{reason}"
    );
    assert_eq!(cloud.count("create:"), 3);
    assert_eq!(cloud.clusters_named("dws-demo"), 0);
    // Three windows of 120 s and their listings, not the 60-minute create limit.
    assert!(
        start.elapsed() < Duration::from_secs(10 * 60),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn the_listing_window_is_configurable() {
    let cloud = FakeCloud::new();
    for _ in 0..3 {
        cloud.fault("create:dws-demo", Fault::LostUnknown);
    }
    let options = Options {
        unknown_grace: Duration::from_secs(30),
        ..options()
    };
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options).await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Failed { reason }
                 if reason.contains("not listed after 30 s")),
        "{report:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_while_looking_for_a_lost_create_does_not_report_it_running() {
    let cloud = FakeCloud::new();
    cloud.fault("create:dws-demo", Fault::LostUnknown);
    let run = spawn_run(
        plan(vec![create("dws-demo")]),
        &cloud,
        options(),
        Arc::new(NoEvents),
    );
    // The answer is lost after the fake's 500 ms; the step is then looking by name.
    let (report, _) = run
        .interrupt_after_call(&cloud, "create:", Duration::from_secs(5))
        .await;
    assert_eq!(report.status(), RunStatus::Interrupted, "{report:?}");
    assert_eq!(report.still_running().count(), 0, "{report:?}");
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Failed { reason }
                 if reason.contains("not listed so far")),
        "{report:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn throttled_answers_slow_a_create_down_instead_of_failing_it() {
    let cloud = FakeCloud::new();
    for _ in 0..3 {
        cloud.fault("create:dws-demo", Fault::Throttled);
    }
    let report = run(&plan(vec![create("dws-demo")]), &cloud, options()).await;
    assert_eq!(report.status(), RunStatus::Complete, "{report:?}");
    assert_eq!(cloud.count("create:"), 4);
    assert_eq!(cloud.clusters_named("dws-demo"), 1);
}

/// A reset whose answer was lost took effect: the API then refuses the re-send because the
/// password is already the new one (400 DWS.5144). That refusal ends the reset as done, and
/// the password version is recorded, so that the next plan does not reset it again (which the
/// API would refuse for ever).
#[tokio::test(start_paused = true)]
async fn a_reset_whose_lost_answer_took_effect_is_done_when_the_resend_is_refused_as_current() {
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    let key = format!("reset_password:{id}");
    cloud.fault(&key, Fault::CommitThenUnknown);
    let same = "HTTP 400 DWS.5144: Invalid password of the cluster administrator. The new \
                password must differ from the current one.";
    cloud.fault(&key, Fault::Error(same.into()));
    std::env::set_var("DWSCTL_UNKNOWN_TEST_PASSWORD", "Secret-pw-123!");
    let reset = plan(vec![step(
        "cluster.dws-demo.reset_password",
        target("dws-demo"),
        crate::plan::Action::ResetPassword {
            password: crate::secret::SecretRef::FromEnv("DWSCTL_UNKNOWN_TEST_PASSWORD".into()),
            password_version: "v2".into(),
            delete_tags: Vec::new(),
        },
        &[],
    )]);
    let report = run(&reset, &cloud, options()).await;
    assert_eq!(report.steps[0].outcome, Outcome::Done, "{report:?}");
    assert_eq!(cloud.count("reset_password:"), 2, "{:?}", cloud.calls());
    let listed = cloud.list_clusters().await.expect("list");
    assert!(
        listed[0]
            .tags
            .iter()
            .any(|t| t.key == crate::plan::PASSWORD_VERSION_TAG_KEY && t.value == "v2"),
        "{:?}",
        listed[0].tags
    );

    // Without a lost answer first, the same refusal is a failure with the cloud's reason.
    let cloud = FakeCloud::new();
    let id = cloud.seed_cluster("dws-demo", 3, &[]);
    cloud.fault(&format!("reset_password:{id}"), Fault::Error(same.into()));
    let report = run(&reset, &cloud, options()).await;
    assert!(
        matches!(&report.steps[0].outcome, Outcome::Failed { reason } if reason.contains("DWS.5144")),
        "{report:?}"
    );
}
