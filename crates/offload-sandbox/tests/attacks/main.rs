//! The attack suite: hostile programs run at the highest tier this host gives, each asserting the
//! containment the issue promises.
//!
//! Every test prints the tier it ran at. `OFFLOAD_SANDBOX_FORCE_TIER=T0` or `T1` (read only here,
//! and passed into `SandboxConfig::max_tier`) runs the whole suite at a lower tier to prove the
//! fallbacks; tests whose promise only T1 keeps then assert that a strict run is refused. On a host
//! that should give T2 (root, namespaces, Landlock, seccomp, memory and pids cgroups) the suite
//! fails if it does not, so a layer missing on CI is an error, not a silent skip. Nothing here sleeps to wait for a process.

mod support;

mod escape;
mod exhaustion;
mod isolation;
mod policy;
mod progress;
