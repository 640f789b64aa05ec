//! The EDI Hub's HTTP API and command line: an axum router over the store
//! and query engine, documented by OpenAPI, and the `edi-hub` binary.

pub mod access;
pub mod api;
pub mod app;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod client;
pub mod dashboard;
pub mod demo;
pub mod disclosure_audit;
pub mod error;
pub mod format;
pub mod metrics;
pub mod offline;
pub mod rate_limit;
pub mod upload;

pub use app::{App, AppState, ServerConfig, router, serve};
