//! Validation of uploaded CSV, Parquet and Excel files against a dataset's
//! definition: every problem is listed with its row, column and a plain
//! English message, and only a file without problems yields a table.

mod column;
mod csv_input;
mod header;
mod parquet_input;
mod place;
mod problem;
mod rules;
mod xlsx_input;
mod xlsx_package;

use bytes::Bytes;

pub use column::Values;
pub use place::column_letter;
pub use problem::{MAX_LISTED_PROBLEMS, Problem, Problems, SheetPlace, shorten as shorten_for_message};
pub use xlsx_package::{MAX_CELLS, MAX_PARTS, MAX_SHARED_STRINGS, MAX_SHEETS};

use crate::dataset::{ColumnDef, Dataset};

/// The upload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    Csv,
    Parquet,
    /// An Excel workbook (.xlsx).
    Xlsx,
}

/// Size limits for one file (a hostile file must not exhaust memory).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_rows: usize,
    /// Largest total uncompressed column size a Parquet file may declare.
    pub max_uncompressed_bytes: u64,
    /// Largest total size the parts of an Excel workbook may expand to (the
    /// hub sets it to its upload limit).
    pub max_workbook_bytes: u64,
}

/// The default upload limit, 50 MiB.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: 1_000_000,
            max_uncompressed_bytes: 512 * 1024 * 1024,
            max_workbook_bytes: DEFAULT_MAX_UPLOAD_BYTES,
        }
    }
}

impl Limits {
    /// The default limits, with Excel workbooks expanding to at most `max_upload_bytes`.
    pub fn for_upload_limit(max_upload_bytes: usize) -> Self {
        Limits { max_workbook_bytes: max_upload_bytes as u64, ..Limits::default() }
    }
}

/// What a reader produced: one checked column per dataset column.
#[derive(Debug)]
struct Read {
    rows: usize,
    builders: Vec<column::ColumnBuilder>,
    /// Indices of the dataset columns present in the file.
    present: Vec<usize>,
    /// Rows rejected as a whole (e.g. a wrong number of CSV fields).
    bad_rows: Vec<usize>,
}

impl Read {
    /// The read file, or `None` (with a problem) when it has no data rows.
    fn finish(
        rows: usize,
        builders: Vec<column::ColumnBuilder>,
        header: &header::HeaderMap,
        bad_rows: Vec<usize>,
        problems: &mut Problems,
        empty: &str,
    ) -> Option<Read> {
        if rows == 0 {
            problems.push(Problem::file(empty));
            return None;
        }
        let present = header.file_columns.iter().flatten().copied().collect();
        Some(Read { rows, builders, present, bad_rows })
    }
}

/// A file that passed every check: one value list per column of the dataset.
#[derive(Debug, Clone)]
pub struct ValidTable {
    pub dataset: Dataset,
    pub rows: usize,
    /// Every column of the dataset, in definition order, with whether the
    /// file had it (an absent optional dimension means "all").
    pub columns: Vec<(&'static ColumnDef, bool, Values)>,
}

impl ValidTable {
    pub fn values(&self, name: &str) -> Option<&Values> {
        self.columns.iter().find(|(d, _, _)| d.name == name).map(|(_, _, v)| v)
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.iter().any(|(d, present, _)| d.name == name && *present)
    }
}

/// Validates an uploaded file; returns the table or every problem found.
pub fn validate(
    dataset: Dataset,
    format: UploadFormat,
    bytes: Bytes,
    limits: &Limits,
) -> Result<ValidTable, Vec<Problem>> {
    let mut problems = Problems::default();
    let read = match format {
        UploadFormat::Csv => csv_input::read(dataset, &bytes, limits, &mut problems),
        UploadFormat::Parquet => parquet_input::read(dataset, bytes, limits, &mut problems),
        UploadFormat::Xlsx => xlsx_input::read(dataset, &bytes, limits, &mut problems),
    };
    let Some(read) = read else {
        return Err(problems.into_vec());
    };
    let mut good = vec![true; read.rows];
    for r in read.bad_rows.iter().chain(read.builders.iter().flat_map(|b| b.bad_rows.iter())) {
        if let Some(g) = good.get_mut(*r) {
            *g = false;
        }
    }
    if !problems.is_full() {
        rules::check(dataset, &read.builders, &read.present, &good, &mut problems);
    }
    if !problems.is_empty() {
        return Err(problems.into_vec());
    }
    let present = read.present;
    let columns = read
        .builders
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let here = present.contains(&i);
            let values = if here { b.values } else { absent(b.def, read.rows) };
            (b.def, here, values)
        })
        .collect();
    Ok(ValidTable { dataset, rows: read.rows, columns })
}

/// All-missing values for a column the file did not have.
fn absent(def: &ColumnDef, rows: usize) -> Values {
    use crate::dataset::ValueKind as K;
    match def.kind {
        K::Ethnicity | K::Code(_) | K::Organisation => Values::Code(vec![None; rows]),
        K::PayBand | K::Count => Values::Int(vec![None; rows]),
        K::Decimal | K::Pay => Values::Float(vec![None; rows]),
        K::Flag => Values::Bool(vec![None; rows]),
    }
}

#[cfg(test)]
mod mutation;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod xlsx_tests;
