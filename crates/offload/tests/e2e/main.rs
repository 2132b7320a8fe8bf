//! End-to-end tests of the `offload` binary: a real server process, the real CLI,
//! real signals. One test binary; each module is one area.

mod cli;
mod cluster;
mod cluster_support;
mod crash;
mod experiments;
mod logs;
mod progress;
mod support;
mod tls;
