//! Benchmark queries: one DataFusion `SessionContext` for the process over
//! tables held in memory (each quarter's submissions of a dataset, decoded
//! once from their Parquet files in the object store, within a byte
//! budget), with each catalogue metric turned into a DataFusion plan.

mod cache;
mod engine;
mod error;
mod figures;
mod patterns;
mod plan;
mod release;
mod sources;
mod tables;

#[cfg(test)]
mod held_tests;
#[cfg(test)]
mod snapshot_tests;

pub use cache::Lookup;
pub use engine::{Answer, BenchmarkRequest, Engine, PeriodRelease};
pub use error::{Error, Result};
pub use release::{Publication, ReleaseStats};
pub use sources::Source;
pub use tables::{DEFAULT_BUDGET_MB, TableStats};
