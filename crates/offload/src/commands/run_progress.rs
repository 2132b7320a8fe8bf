//! Progress of `offload run`: a spinner per running task on a terminal, and quiet
//! plain lines when stderr is not one (a log file, CI, a pipe).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use offload_engine::dispatch::{Event, Status};
use tokio::sync::mpsc;

/// Shows the dispatcher's events until the run ends.
pub async fn show(events: mpsc::UnboundedReceiver<Event>, prefix: String) {
    if std::io::stderr().is_terminal() {
        bars(events, prefix).await;
    } else {
        lines(events, prefix).await;
    }
}

async fn lines(mut events: mpsc::UnboundedReceiver<Event>, prefix: String) {
    while let Some(event) = events.recv().await {
        eprintln!(
            "offload: {prefix}{} {} {}",
            event.phase,
            event.task,
            event.status.name()
        );
    }
}

async fn bars(mut events: mpsc::UnboundedReceiver<Event>, prefix: String) {
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut running: HashMap<(&'static str, String), ProgressBar> = HashMap::new();
    while let Some(event) = events.recv().await {
        let label = format!("{prefix}{} {}", event.phase, event.task);
        let key = (event.phase, event.task.clone());
        if event.status == Status::Running {
            let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
            bar.set_message(label);
            bar.enable_steady_tick(Duration::from_millis(120));
            running.insert(key, bar);
        } else if let Some(bar) = running.remove(&key) {
            bar.finish_with_message(format!("{label} {}", event.status.name()));
        } else {
            let _ = multi.println(format!("{label} {}", event.status.name()));
        }
    }
}
