//! Shadow jobs: the candidate runs after its control, on the shadow queue, and
//! the two runs are compared and recorded as an experiment.

use offload_core::experiment::ExperimentName;
use offload_core::{JobId, JobSpec, ShadowSpec, StateName};
use offload_engine::{EngineConfig, ShadowConfig, ShadowEvent, ShadowStep};
use offload_store::{ExperimentQuery, JobFilter};
use tokio::sync::broadcast;

use crate::support::{Fixture, PATIENCE, cmd, config};

fn shadowed(control: &[&str], shadow: &[&str], normalize: &[&str]) -> JobSpec {
    JobSpec {
        shadow: Some(ShadowSpec {
            command: shadow.iter().map(|s| s.to_string()).collect(),
            normalize: normalize.iter().map(|s| s.to_string()).collect(),
            experiment: Some("exp".into()),
            ..ShadowSpec::default()
        }),
        ..cmd(control)
    }
}

/// Waits for the shadow service's last step about `control`.
async fn until_step(events: &mut broadcast::Receiver<ShadowEvent>, control: JobId) -> ShadowEvent {
    let wait = async {
        loop {
            let event = events.recv().await.unwrap();
            if event.control == control && event.step != ShadowStep::Enqueued {
                return event;
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .expect("the shadow never finished")
}

async fn run(fx: &Fixture, spec: JobSpec) -> (offload_core::Job, ShadowEvent) {
    let mut events = fx.engine.subscribe_shadows();
    let id = fx.submit(spec).await;
    let job = fx.finish(id).await;
    (job, until_step(&mut events, id).await)
}

fn name() -> ExperimentName {
    ExperimentName::new("exp").unwrap()
}

async fn report(fx: &Fixture) -> offload_store::ExperimentReport {
    let query = ExperimentQuery {
        since: offload_core::Timestamp(0),
        samples: 10,
    };
    fx.store
        .experiment_get(&name(), &query)
        .await
        .unwrap()
        .expect("the experiment exists")
}

#[tokio::test]
async fn an_equal_shadow_records_a_match_and_the_control_keeps_its_output() {
    let fx = Fixture::new(config(2));
    let (job, event) = run(&fx, shadowed(&["echo", "1"], &["echo", "1"], &[])).await;
    assert_eq!(job.state.name(), StateName::Succeeded);
    assert_eq!(event.step, ShadowStep::Compared("match"));
    let output = fx.store.job_output(job.id).await.unwrap().unwrap();
    assert_eq!(output.stdout, b"1\n");
    let shadow = fx
        .store
        .job_get(event.shadow.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shadow.spec.queue.as_str(), "shadow");
    assert_eq!(shadow.spec.labels["shadow_of"], job.id.to_string());
    assert_eq!(shadow.spec.labels["experiment"], "exp");
    assert!(shadow.spec.shadow.is_none() && shadow.spec.retry.max_retries == 0);
    assert_eq!(report(&fx).await.summary.matched, 1);
}

#[tokio::test]
async fn a_different_shadow_records_a_mismatch_with_both_outputs() {
    let fx = Fixture::new(config(2));
    let (_, event) = run(&fx, shadowed(&["echo", "1"], &["echo", "2"], &[])).await;
    assert_eq!(event.step, ShadowStep::Compared("mismatch"));
    let report = report(&fx).await;
    let sample = report.samples.first().expect("the mismatch is kept");
    assert_eq!(sample.control.value, "1\nexit: 0\n");
    assert_eq!(sample.candidate.observed.value, "2\nexit: 0\n");
    assert_eq!(sample.fields, ["+2", "-1"]);
}

#[tokio::test]
async fn normalization_hides_what_differs_by_design() {
    let fx = Fixture::new(config(2));
    // Nanoseconds, not `$$`: in a PID namespace both runs could be pid 1.
    let argv = ["sh", "-c", "echo id=$(date +%s%N)"];
    let (job, event) = run(&fx, shadowed(&argv, &argv, &[r"id=\d+"])).await;
    assert_eq!(event.step, ShadowStep::Compared("match"));
    let control = fx.store.job_output(job.id).await.unwrap().unwrap();
    let shadow = fx
        .store
        .job_output(event.shadow.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(control.stdout, shadow.stdout, "the raw outputs must differ");
}

#[tokio::test]
async fn a_failed_control_is_compared_too() {
    let fx = Fixture::new(config(2));
    let (job, event) = run(&fx, shadowed(&["sh", "-c", "exit 3"], &["true"], &[])).await;
    assert_eq!(job.state.name(), StateName::Failed);
    assert_eq!(event.step, ShadowStep::Compared("mismatch"));
    let report = report(&fx).await;
    let fields = &report.samples[0].fields;
    assert!(fields.iter().any(|f| f == "-exit: 3"), "{fields:?}");
}

#[tokio::test]
async fn a_full_shadow_queue_skips_and_counts_and_the_control_succeeds() {
    let fx = Fixture::new(EngineConfig {
        shadow: ShadowConfig {
            max_waiting: 0,
            ..ShadowConfig::default()
        },
        ..config(2)
    });
    let (job, event) = run(&fx, shadowed(&["echo", "1"], &["echo", "1"], &[])).await;
    assert_eq!(job.state.name(), StateName::Succeeded);
    assert_eq!(event.step, ShadowStep::Skipped("saturated"));
    let skipped = fx.engine.metrics().shadow_skipped.get_or_create(
        &offload_engine::metrics::ExperimentLabel {
            experiment: "exp".into(),
        },
    );
    assert_eq!(skipped.get(), 1);
    let filter = JobFilter {
        label: Some(("shadow_of".into(), job.id.to_string())),
        ..JobFilter::default()
    };
    assert!(fx.store.job_list(&filter).await.unwrap().jobs.is_empty());
}

#[tokio::test]
async fn the_shadow_queue_is_limited_at_start() {
    let fx = Fixture::new(config(8));
    // The limit is set by the shadow service before it handles any shadow.
    let (_, event) = run(&fx, shadowed(&["true"], &["true"], &[])).await;
    assert_eq!(event.step, ShadowStep::Compared("match"));
    let queues = fx.store.queue_list().await.unwrap();
    let shadow = queues.iter().find(|q| q.name.as_str() == "shadow").unwrap();
    assert_eq!(shadow.concurrency, Some(2));
}
