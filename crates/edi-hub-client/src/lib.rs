//! The borough's side of the hub: `edi-hub upload` sends quarterly files
//! to a hub over HTTP (reqwest, with a progress bar from indicatif, which
//! live only in this crate), and `edi-hub validate` checks a file offline
//! with exactly the hub's upload validation; `edi-hub template --format
//! xlsx` writes a ready-to-fill workbook (rust_xlsxwriter).
//!
//! Nothing here runs inside the hub: this crate depends on the pure core
//! for file names, datasets and validation, never on the server.

pub mod naming;
pub mod offline;
pub mod template;
pub mod upload;

pub use offline::{Checked, validate_file};
pub use upload::{UploadArgs, upload};
