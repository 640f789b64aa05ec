//! Synthetic data, clearly labelled: a realistic, generated data set of all
//! six datasets for every London authority over a run of quarters (what
//! `edi-hub demo` serves and `edi-hub bench` measures), and generated
//! files for tests (the largest valid upload). Nothing here is real.

pub mod files;
pub mod generate;
pub mod load;
pub mod scale;

pub use generate::{DemoFile, organisation_files, population, submissions};
pub use load::{MARKER, last_quarters, load, load_at_scale, load_except};
pub use scale::Scale;
