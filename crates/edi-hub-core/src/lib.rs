//! The EDI Hub's pure domain: identifiers, the ethnicity classification,
//! dataset definitions and validation, the stored table layout and JSON
//! Schemas. No IO, no async: every other crate builds on this one.

pub mod benchmark;
pub mod dataset;
pub mod disclosure;
pub mod ethnicity;
pub mod metrics;
pub mod organisation;
pub mod period;
pub mod schema;
pub mod table;
pub mod validate;

pub use dataset::Dataset;
pub use organisation::Organisation;
pub use period::Period;
