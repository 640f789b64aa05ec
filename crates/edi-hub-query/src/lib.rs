//! Benchmark queries: one DataFusion `SessionContext` for the process,
//! reading the current submissions' Parquet files straight from the object
//! store, with each catalogue metric turned into a DataFusion plan.

mod cache;
mod engine;
mod error;
mod patterns;
mod plan;
mod release;
mod sources;

#[cfg(test)]
mod snapshot_tests;

pub use cache::Lookup;
pub use engine::{Answer, BenchmarkRequest, Engine, PeriodRelease};
pub use error::{Error, Result};
pub use release::{Publication, ReleaseStats};
pub use sources::Source;
