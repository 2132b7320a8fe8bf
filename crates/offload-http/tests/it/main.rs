//! Integration tests of the HTTP API over a real SQLite store, a real engine and the
//! real sandbox. Most call the router in-process with `oneshot`; the event-stream
//! and client tests go through a real socket on 127.0.0.1.

mod auth;
mod bad_input;
mod client;
mod dead;
mod events;
mod experiments;
mod fixture;
mod jobs;
mod list;
mod observe;
mod openapi;
mod openmetrics;
mod progress;
mod publisher;
mod queues;
mod resume;
mod shadow;
mod tasks;
