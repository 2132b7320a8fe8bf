//! [`LagProbe`] sees a blocked runtime as lag.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use offload_pool::{ConfigError, LagProbe, LagProbeConfig, PoolError};
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

fn probe_config() -> LagProbeConfig {
    LagProbeConfig {
        interval: Duration::from_millis(5),
        window: 64,
        ..LagProbeConfig::default()
    }
}

#[tokio::test]
async fn blocking_the_runtime_thread_shows_as_more_lag_than_idle() {
    let probe = LagProbe::start(probe_config()).unwrap();
    probe.wait_for_samples(5).await;
    let idle = probe.stats();
    let taken = idle.total_samples;

    // Block this (the only) runtime thread on a channel that a helper thread
    // answers well after the probe's next wake-up was due. The helper's sleep
    // is the blockage being measured, not a wait for some event.
    let (unblock_tx, unblock_rx) = mpsc::channel();
    let helper = thread::spawn(move || {
        thread::sleep(probe_config().interval * 40);
        unblock_tx.send(()).unwrap();
    });
    let block_started = Instant::now();
    unblock_rx.recv().unwrap();
    let blocked_for = block_started.elapsed();
    helper.join().unwrap();

    probe.wait_for_samples(taken + 2).await;
    let blocked = probe.stats();
    assert!(blocked.max > idle.max, "idle {idle:?} blocked {blocked:?}");
    // The probe was due at most one interval into the block and could only
    // wake after it, so one sample must hold nearly the whole block.
    let config = probe_config();
    let least = blocked_for.saturating_sub(config.interval + config.timer_slack);
    assert!(
        blocked.max >= least,
        "blocked for {blocked_for:?}: {blocked:?}"
    );
    assert!(
        blocked.max > blocked.p50,
        "one late wake among timely ones: {blocked:?}"
    );
}

#[tokio::test]
async fn lag_histogram_is_exported() {
    let probe = LagProbe::start(probe_config()).unwrap();
    let mut registry = Registry::default();
    probe.register_metrics(&mut registry);
    probe.wait_for_samples(3).await;
    let mut text = String::new();
    encode(&mut text, &registry).unwrap();
    let count_line = text
        .lines()
        .find(|line| line.starts_with("offload_event_loop_lag_seconds_count"))
        .expect("histogram count line");
    let count: u64 = count_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3, "{text}");
}

#[test]
fn probe_outside_a_runtime_is_refused() {
    let err = LagProbe::start(probe_config()).unwrap_err();
    assert!(matches!(err, PoolError::NoRuntime), "{err}");
}

#[test]
fn zero_interval_is_refused_naming_the_field() {
    let config = LagProbeConfig {
        interval: Duration::ZERO,
        ..probe_config()
    };
    assert_eq!(
        config.validate(),
        Err(ConfigError::ZeroDuration { field: "interval" })
    );
}
