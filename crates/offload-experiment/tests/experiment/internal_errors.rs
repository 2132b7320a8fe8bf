//! Trouble inside the library (publisher, comparator) goes to the
//! `on_internal_error` hook, never to the caller; a full publish channel
//! drops and counts.

use std::sync::Mutex;
use std::sync::mpsc as std_mpsc;

use offload_experiment::{
    ErrorKind, ExperimentResult, Lab, LabConfig, Mode, Operation, Outcome, PublishError, Publisher,
    SkipReason,
};
use tokio::sync::mpsc;

use super::support::lab_with_errors;

/// Fails on the first result, panics on the second.
struct FlakyPublisher {
    seen: Mutex<usize>,
}

impl Publisher for FlakyPublisher {
    fn publish(&self, _result: &ExperimentResult) -> Result<(), PublishError> {
        let mut seen = self.seen.lock().unwrap();
        *seen += 1;
        match *seen {
            1 => Err(PublishError {
                message: "disk full".to_owned(),
            }),
            _ => panic!("publisher exploded"),
        }
    }
}

#[tokio::test]
async fn publisher_errors_and_panics_reach_the_hook_only() {
    let (sender, mut errors) = mpsc::unbounded_channel();
    let hook = move |error: &offload_experiment::InternalError| _ = sender.send(error.clone());
    let lab = Lab::new(
        &LabConfig::default(),
        FlakyPublisher {
            seen: Mutex::new(0),
        },
        hook,
    )
    .unwrap();
    let experiment = lab
        .experiment::<(), u8, String>("flaky")
        .mode(Mode::Inline)
        .candidate("same", |()| async { Ok(1) })
        .build()
        .unwrap();
    assert_eq!(experiment.run(async { Ok(1) }, || ()).await, Ok(1));
    assert_eq!(experiment.run(async { Ok(1) }, || ()).await, Ok(1));
    let first = errors.recv().await.unwrap();
    assert_eq!(
        (first.operation, first.kind()),
        (Operation::Publish, ErrorKind::Publish)
    );
    assert!(first.message.contains("disk full"), "{first}");
    let second = errors.recv().await.unwrap();
    assert!(second.message.contains("publisher exploded"), "{second}");
}

#[tokio::test]
async fn a_panicking_comparator_is_reported_and_the_candidate_skipped() {
    let (lab, published, mut errors) = lab_with_errors(&LabConfig::default());
    let experiment = lab
        .experiment::<(), u8, String>("bad-compare")
        .mode(Mode::Joined)
        .compare(|_, _| panic!("comparator exploded"))
        .candidate("same", |()| async { Ok(1) })
        .build()
        .unwrap();
    assert_eq!(experiment.run(async { Ok(1) }, || ()).await, Ok(1));
    let error = errors.recv().await.unwrap();
    assert_eq!(error.operation, Operation::Compare);
    assert!(error.message.contains("comparator exploded"));
    let outcome = &published.wait_for(1).await[0].candidates[0].outcome;
    assert_eq!(
        *outcome,
        Outcome::Skipped {
            reason: SkipReason::CompareFailed
        }
    );
}

/// Announces each result it starts on, then blocks until released.
struct BlockingPublisher {
    entered: std_mpsc::SyncSender<()>,
    release: Mutex<std_mpsc::Receiver<()>>,
}

impl Publisher for BlockingPublisher {
    fn publish(&self, _result: &ExperimentResult) -> Result<(), PublishError> {
        let _ = self.entered.send(());
        let _ = self.release.lock().unwrap().recv();
        Ok(())
    }
}

#[tokio::test]
async fn a_full_publish_channel_drops_and_counts_without_blocking() {
    let (entered_sender, entered) = std_mpsc::sync_channel(8);
    let (release, release_receiver) = std_mpsc::channel();
    let publisher = BlockingPublisher {
        entered: entered_sender,
        release: Mutex::new(release_receiver),
    };
    let config = LabConfig {
        publish_capacity: 1,
        ..LabConfig::default()
    };
    let lab = Lab::new(&config, publisher, |_| {}).unwrap();
    let experiment = lab
        .experiment::<(), u8, String>("overflow")
        .mode(Mode::Inline)
        .candidate("same", |()| async { Ok(1) })
        .build()
        .unwrap();
    experiment.run(async { Ok(1) }, || ()).await.unwrap();
    // The publishing thread holds the first result and is blocked on it.
    tokio::task::spawn_blocking(move || entered.recv())
        .await
        .unwrap()
        .unwrap();
    experiment.run(async { Ok(1) }, || ()).await.unwrap(); // fills the channel
    experiment.run(async { Ok(1) }, || ()).await.unwrap(); // dropped
    assert_eq!(lab.dropped_publishes(), 1);
    drop(release);
}
