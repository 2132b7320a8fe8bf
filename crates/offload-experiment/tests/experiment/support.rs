//! Shared fixtures: a lab with a memory publisher, and a "gate" a candidate
//! can block on until the test releases it.

use std::sync::Arc;

use offload_experiment::{InternalError, Lab, LabConfig, MemoryPublisher};
use tokio::sync::{mpsc, oneshot};

/// A lab on the current runtime that publishes into memory.
pub fn lab() -> (Lab, Arc<MemoryPublisher>) {
    Lab::in_memory().expect("default lab config is valid")
}

/// A lab whose internal errors arrive on the returned channel.
pub fn lab_with_errors(
    config: &LabConfig,
) -> (
    Lab,
    Arc<MemoryPublisher>,
    mpsc::UnboundedReceiver<InternalError>,
) {
    let publisher = Arc::new(MemoryPublisher::default());
    let (sender, receiver) = mpsc::unbounded_channel();
    let hook = move |error: &InternalError| {
        let _ = sender.send(error.clone());
    };
    let lab = Lab::new(config, publisher.clone(), hook).expect("valid lab config");
    (lab, publisher, receiver)
}

/// Two one-shot events: the candidate says "entered", the test says "go".
pub struct Gate {
    /// Resolves when the candidate is running and blocked.
    pub entered: oneshot::Receiver<()>,
    /// Releases the candidate.
    pub release: oneshot::Sender<()>,
}

/// The candidate's end of a [`Gate`].
pub struct GateHandle {
    entered: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

impl GateHandle {
    /// Announces that the candidate runs, then blocks until released.
    pub async fn pass(self) {
        let _ = self.entered.send(());
        let _ = self.release.await;
    }
}

/// A fresh gate pair.
pub fn gate() -> (Gate, GateHandle) {
    let (entered_sender, entered) = oneshot::channel();
    let (release, release_receiver) = oneshot::channel();
    (
        Gate { entered, release },
        GateHandle {
            entered: entered_sender,
            release: release_receiver,
        },
    )
}

/// A gate handle that can travel as a cloneable candidate input.
pub type SharedGate = Arc<std::sync::Mutex<Option<GateHandle>>>;

/// Wraps a handle for use as an input.
pub fn shared(handle: GateHandle) -> SharedGate {
    Arc::new(std::sync::Mutex::new(Some(handle)))
}

/// Passes the gate inside the input, if it is still there.
pub async fn pass(input: SharedGate) {
    let handle = input.lock().expect("gate lock").take();
    if let Some(handle) = handle {
        handle.pass().await;
    }
}
