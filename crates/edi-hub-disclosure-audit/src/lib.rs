//! The disclosure audit: checks, by linear programming, that nothing the
//! hub publishes lets anyone who is neither the data's owner nor a steward
//! work out a withheld count. It reads what is actually published (answers,
//! not the suppression method's state), writes each published number as a
//! linear constraint over each organisation's cells, and solves for the
//! interval of every sensitive count (`good_lp` with the pure-Rust
//! `microlp` solver, which live only in this crate).
//!
//! - [`equations`]: the linear system and the interval of each check;
//! - [`published`]: one organisation's published figures as equations;
//! - [`runner`]: `edi-hub disclosure-audit`, over a whole quarter of a store.
//!
//! Tests only: an independent oracle (`oracle`) checks what the publish
//! path shows against counts worked out from the raw rows, sharing none of
//! the atoms and count keys the pattern and this audit are built on.

pub mod equations;
pub mod published;
pub mod runner;

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod properties;

pub use runner::{AuditReport, OrganisationAudit, audit_period, audit_period_served};
