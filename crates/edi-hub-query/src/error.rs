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
}

/// Result of query operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
