//! The EDI Hub's system of record: an object store (a local directory by
//! default, S3-compatible in production, in memory for unit tests) holding
//! the Parquet data files, the submission ledger, the period ledger
//! (schedules and releases), tokens, sign-in mappings and sessions,
//! action-plan targets and the access log.
//!
//! Every write is either a new object at a fresh path or a create-only write
//! (`PutMode::Create`), so several hub processes can share one store without
//! locks and nothing is ever updated in place.

mod access_log;
mod error;
mod layout;
mod ledger;
mod ledger_cache;
mod parquet_file;
mod periods;
mod releases;
mod sessions;
mod snapshot;
mod store;
mod targets;
mod tokens;
mod users;

pub use access_log::{AccessEvent, AccessOutcome};
pub use error::{Error, Result};
pub use ledger::{Commit, NewSubmission};
pub use parquet_file::{checksum, decode_parquet, encode_parquet, stored_parquet};
pub use periods::{PeriodEvent, PeriodRecord, PeriodState, ReleaseRecord, Schedule, Trigger};
pub use sessions::{
    MAX_CLAIM_VALUES, NewSession, Session, SessionRecord, SessionRegistry, handle_of as session_handle,
};
pub use snapshot::{DamagedEntry, DamagedLedger, PopulationRecord, Snapshot, Status, SubmissionRecord};
pub use store::{Store, StoreLocation};
pub use targets::{NewTarget, TargetRecord};
pub use tokens::{NewToken, Role, TokenRecord, TokenRegistry};
pub use users::{Grant, Resolution, Subject, UserRecord, UserRegistry};
