//! Engine integration tests: a real SQLite store, the real sandbox and real processes.
//!
//! Tests wait on the engine's event bus or on `Engine::wait`, never on sleeps.

mod cancel;
mod lifecycle;
mod rescue;
mod retry;
mod shadow;
mod shutdown;
mod support;
