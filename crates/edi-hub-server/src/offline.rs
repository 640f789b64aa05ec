//! Commands for borough HR teams that need no hub: `edi-hub validate`
//! (the upload checks, offline) and `edi-hub template` (an example file).

use std::fmt::Write;
use std::path::Path;

use bytes::Bytes;
use edi_hub_core::Dataset;
use edi_hub_core::dataset::ValueKind;
use edi_hub_core::validate::{Limits, Problem, UploadFormat, validate};

/// The upload format of a file, from its name (`.parquet`, else CSV; `.gz` is gzip).
fn format_of(path: &Path) -> UploadFormat {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.trim_end_matches(".gz").ends_with(".parquet") { UploadFormat::Parquet } else { UploadFormat::Csv }
}

/// Validates a file as the hub would; `Ok(report)` when valid, `Err(report)` otherwise.
pub fn validate_file(dataset: Dataset, path: &Path) -> Result<String, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(raw.as_slice()), &mut out)
            .map_err(|e| format!("{}: not valid gzip: {e}", path.display()))?;
        out
    } else {
        raw
    };
    match validate(dataset, format_of(path), Bytes::from(bytes), &Limits::default()) {
        Ok(table) => Ok(format!("{}: valid {dataset} file, {} rows", path.display(), table.rows)),
        Err(problems) => Err(report(path, dataset, &problems)),
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

/// An example upload for `dataset`: its header and a few valid rows.
pub fn template(dataset: Dataset) -> String {
    const ETHNICITIES: [&str; 4] = ["white_british", "black_african", "asian_indian", "not_stated"];
    let columns = dataset.columns();
    let mut csv = columns.iter().map(|c| c.name).collect::<Vec<_>>().join(",");
    csv.push('\n');
    for (i, ethnicity) in ETHNICITIES.iter().enumerate() {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match (c.kind, c.name) {
                (ValueKind::Ethnicity, _) => ethnicity.to_string(),
                (ValueKind::Organisation, _) => "E09000001".into(),
                (ValueKind::Code(codes), _) => codes[0].into(),
                (ValueKind::PayBand, _) => "4".into(),
                (ValueKind::Flag, _) => "false".into(),
                (ValueKind::Count, "positive") => format!("{}", 20 + i),
                (ValueKind::Count, _) => format!("{}", 40 + 10 * i),
                (ValueKind::Decimal, _) => format!("{:.1}", 36.5 + 9.0 * i as f64),
                (ValueKind::Pay, "median_hourly_pay") => format!("{:.2}", 18.75 + i as f64),
                (ValueKind::Pay, _) => format!("{:.2}", 19.5 + i as f64),
            })
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_a_valid_file() {
        for dataset in Dataset::ALL {
            let csv = template(dataset);
            let r = validate(dataset, UploadFormat::Csv, Bytes::from(csv.clone()), &Limits::default());
            assert_eq!(r.map(|t| t.rows).ok(), Some(4), "{dataset}:\n{csv}");
        }
    }

    #[test]
    fn files_are_checked_offline() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("casework.csv");
        std::fs::write(&good, template(Dataset::Casework)).unwrap();
        assert!(validate_file(Dataset::Casework, &good).unwrap().contains("valid casework file, 4 rows"));
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "ethnicity,case_type,count\nBlack,x,-1\n").unwrap();
        let report = validate_file(Dataset::Casework, &bad).unwrap_err();
        assert!(report.contains("3 problems"), "{report}");
        assert!(report.contains("row 1      ethnicity"), "{report}");
    }
}
