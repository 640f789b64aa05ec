//! Errors of the query crate.

/// What can go wrong answering a query.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// DataFusion failed to plan or run a query.
    #[error("query engine: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] edi_hub_store::Error),
    /// A query result did not have the expected layout.
    #[error("unexpected query result: {0}")]
    Layout(String),
    /// A lock was poisoned by a panic while held: an internal fault, never
    /// read as an empty state.
    #[error("{0} is unusable after an internal fault")]
    Poisoned(&'static str),
    /// A filter value the plan cannot express (an internal fault: parameters
    /// are checked before planning).
    #[error("filter {column}={value} cannot be planned")]
    Filter { column: &'static str, value: &'static str },
    /// A release was protected for another smallest count than the hub
    /// serves: nothing of it is shown until the quarter is released again
    /// under the hub's own rule (fails closed).
    #[error(
        "release {release} of {period} was protected for k = {protected}, but this hub serves k = {serving}: a steward publishes the quarter again (POST /api/v1/periods/{period}/releases) or the hub is started with --min-count {protected}"
    )]
    ReleasePolicy { period: edi_hub_core::Period, release: u32, protected: i64, serving: i64 },
}

/// Result of query operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
