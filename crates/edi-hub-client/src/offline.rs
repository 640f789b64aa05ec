//! `edi-hub validate`: a borough's file checked offline with exactly the
//! hub's upload validation.

use std::fmt::Write;
use std::path::Path;

use bytes::Bytes;
use edi_hub_core::Dataset;
use edi_hub_core::validate::{Limits, Problem, UploadFormat, validate};

/// The upload format of a file, from its name (`.parquet`, `.xlsx`, else
/// CSV; `.gz` is gzip).
fn format_of(path: &Path) -> UploadFormat {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".parquet") {
        UploadFormat::Parquet
    } else if name.ends_with(".xlsx") {
        UploadFormat::Xlsx
    } else {
        UploadFormat::Csv
    }
}

/// The outcome of checking a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The hub would accept it: one line saying so.
    Valid(String),
    /// The hub would refuse it: every problem, one line each.
    Invalid(String),
}

/// Validates a file as the hub would; an error when it cannot be read.
pub fn validate_file(dataset: Dataset, path: &Path) -> anyhow::Result<Checked> {
    use anyhow::Context as _;
    let raw = std::fs::read(path).with_context(|| path.display().to_string())?;
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(raw.as_slice()), &mut out)
            .with_context(|| format!("{}: not valid gzip", path.display()))?;
        out
    } else {
        raw
    };
    match validate(dataset, format_of(path), Bytes::from(bytes), &Limits::default()) {
        Ok(table) => Ok(Checked::Valid(format!("{}: valid {dataset} file, {} rows", path.display(), table.rows))),
        Err(problems) => Ok(Checked::Invalid(report(path, dataset, &problems))),
    }
}

/// A readable list of problems: one line each, row and column first.
pub fn report(path: &Path, dataset: Dataset, problems: &[Problem]) -> String {
    let n = problems.len();
    let plural = if n == 1 { "" } else { "s" };
    let mut out = format!("{}: not a valid {dataset} file ({n} problem{plural})\n", path.display());
    for p in problems {
        let row = p.row.map_or("file".to_string(), |r| format!("row {r}"));
        let column = p.column.as_deref().unwrap_or("-");
        let _ = writeln!(out, "  {row:<10} {column:<20} {}", p.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_checked_offline() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("casework.csv");
        std::fs::write(&good, edi_hub_core::template::csv(Dataset::Casework)).unwrap();
        assert!(
            matches!(validate_file(Dataset::Casework, &good).unwrap(), Checked::Valid(r) if r.contains("valid casework file, 4 rows"))
        );
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "ethnicity,case_type,count\nBlack,x,-1\n").unwrap();
        let Checked::Invalid(report) = validate_file(Dataset::Casework, &bad).unwrap() else { panic!("valid") };
        assert!(report.contains("3 problems"), "{report}");
        assert!(report.contains("row 1      ethnicity"), "{report}");
    }

    #[test]
    fn workbooks_are_checked_offline() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("survey.xlsx");
        std::fs::write(&good, crate::template::workbook(Dataset::Survey).unwrap()).unwrap();
        assert!(
            matches!(validate_file(Dataset::Survey, &good).unwrap(), Checked::Valid(r) if r.contains("valid survey file, 4 rows"))
        );
        // A workbook of another dataset: its sheet is read, and every problem placed in it.
        let Checked::Invalid(report) = validate_file(Dataset::Casework, &good).unwrap() else { panic!("valid") };
        assert!(report.contains("sheet 'survey', cell B1: 'question' is not a column"), "{report}");
        assert!(report.contains("B (question)"), "{report}");
    }
}
