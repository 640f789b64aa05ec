//! Benchmark answers: one row per organisation with data, then summary rows
//! for London, inner and outer London and each sub-regional partnership,
//! with ranks and quartiles, redacted for the viewer.
//!
//! - [`Scope`]: the comparison a row stands for;
//! - [`Figure`], [`Withheld`]: what a row is built from;
//! - [`Row`], [`Column`]: an answer row and the columns it can withhold;
//! - [`assemble`]: the answer rows of a metric, redacted for the viewer,
//!   with its summary rows (and [`quantile`], their quartiles).

mod assemble;
mod figure;
mod pools;
mod row;
mod scope;
mod summary;

pub use assemble::{Sources, assemble, assemble_from};
pub use figure::{Figure, Withheld};
pub use pools::ExactPools;
pub use row::{Column, Row};
pub use scope::Scope;
pub use summary::quantile;

#[cfg(test)]
mod tests;
