//! Per-run policy: a run never gets less isolation than it asked for, and refusals name the
//! setting or mechanism at fault.

use offload_sandbox::{Isolation, Network, Termination, Tier};

use crate::support::{Fixture, sh};

fn refusal(termination: Termination) -> String {
    match termination {
        Termination::SandboxUnavailable(message) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn isolation_none_and_host_network_are_refused_unless_configured() {
    let fx = Fixture::new("policy");
    let mut spec = sh("true");
    spec.isolation = Isolation::None;
    assert!(refusal(fx.run(spec).await.termination).contains("allow_isolation_none"));
    let mut spec = sh("true");
    spec.network = Network::Host;
    assert!(refusal(fx.run(spec).await.termination).contains("allow_host_network"));
}

#[tokio::test]
async fn every_result_records_the_tier_applied() {
    let fx = Fixture::new("policy-tier");
    let result = fx.run(sh("true")).await;
    assert_eq!(result.termination, Termination::Exited(0));
    assert_eq!(result.tier, fx.tier());
    let mut spec = sh("true");
    spec.isolation = Isolation::Strict;
    let result = fx.run(spec).await;
    match fx.tier() {
        Tier::T0 => assert!(refusal(result.termination).contains("T1")),
        _ => assert_eq!(
            (result.termination, result.tier),
            (Termination::Exited(0), fx.tier())
        ),
    }
}
