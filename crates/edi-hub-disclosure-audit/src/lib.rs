//! The disclosure audit: checks, by linear programming, that nothing the
//! hub publishes lets anyone who is neither the data's owner nor a steward
//! work out a withheld count. It reads what is actually published (answers,
//! not the suppression method's state), writes each published number as a
//! linear constraint over each organisation's cells, and solves for the
//! interval of every sensitive count (`good_lp` with the pure-Rust
//! `microlp` solver, which live only in this crate).
//!
//! - [`blocks`]: a system split into independent blocks (each solved alone);
//! - [`equations`]: the linear system and the interval of each check;
//! - [`outer`]: cheap outer bounds of each unknown (bound propagation);
//! - [`published`]: one organisation's published figures as equations;
//! - [`releases`]: one organisation over every release of a quarter (a
//!   revised table's unchanged cells are the same unknowns);
//! - [`pooled`]: the pooled counts releases show, across organisations;
//! - [`release_audit`]: `edi-hub disclosure-audit` of a released quarter;
//! - [`runner`]: `edi-hub disclosure-audit` of a quarter not yet released.
//!
//! Tests only: an independent oracle (`oracle`) checks what the publish
//! path shows against counts worked out from the raw rows, sharing none of
//! the atoms and count keys the pattern and this audit are built on.

pub mod blocks;
pub mod equations;
pub mod outer;
pub mod pooled;
pub mod published;
pub mod release_audit;
pub mod releases;
pub mod runner;

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod testing;

pub use release_audit::{ReleaseAudit, ReleaseOrganisation, audit_releases, audit_releases_for};
pub use runner::{AuditReport, OrganisationAudit, audit_period, audit_period_served};
