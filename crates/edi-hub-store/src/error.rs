//! Errors of the store crate.

/// What can go wrong reading or writing the object store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object store failed or is unreachable.
    #[error("object store: {0}")]
    ObjectStore(#[from] object_store::Error),
    /// A stored object could not be decoded (it was written by something else or damaged).
    #[error("stored object {path} is not readable: {reason}")]
    Corrupt { path: String, reason: String },
    /// Writing or reading Parquet failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A stored table could not be assembled in memory.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The store location could not be understood.
    #[error("object store location: {0}")]
    Location(String),
    /// Too many writers raced for the same ledger slot.
    #[error("the submission ledger is busy; try again")]
    Contended,
    /// No submission or token with this id.
    #[error("{0} not found")]
    NotFound(String),
    /// A ledger entry of this key (or the population ledger, or the
    /// period's ledger) cannot be read, so nothing more is accepted for it
    /// until a steward repairs it.
    #[error("{0}")]
    Withheld(String),
    /// A period's ledger changed between reading it and writing a release
    /// planned from it (another hub process, or another request, wrote
    /// first): nothing was published; plan again from a fresh snapshot.
    #[error("{0}")]
    Conflict(String),
    /// The submission is already withdrawn.
    #[error("submission {0} is already withdrawn")]
    AlreadyWithdrawn(String),
}

/// Result of store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
