//! The file-name convention of `edi-hub upload`: where each file goes and
//! how it is sent, from its name, `{organisation}_{dataset}_{period}.csv`
//! (e.g. `E09000015_workforce_2025-Q1.csv`) or `{dataset}_{period}.csv`
//! with `--organisation`, or from `--dataset` and `--period`. `.parquet`
//! files are sent as Parquet, `.xlsx` files as Excel workbooks, and a
//! further `.gz` as gzip.

use std::path::{Path, PathBuf};

use edi_hub_core::{Dataset, Organisation, Period};

use crate::upload::UploadArgs;

/// The file-name convention, for messages.
pub const CONVENTION: &str = "{organisation}_{dataset}_{period}.csv (e.g. E09000015_workforce_2025-Q1.csv), or {dataset}_{period}.csv with --organisation; .parquet for Parquet, .xlsx for Excel, .gz for gzip";

/// The content type of an Excel workbook (.xlsx).
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a file's name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameParts {
    pub organisation: Option<Organisation>,
    pub dataset: Dataset,
    pub period: Period,
}

/// How a file is sent: its content type and whether it is gzip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoding {
    pub content_type: &'static str,
    pub gzip: bool,
}

/// A file ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: PathBuf,
    pub organisation: Organisation,
    pub dataset: Dataset,
    pub period: Period,
    pub encoding: Encoding,
}

/// Splits a file name into its stem and how it is sent.
pub fn encoding_of(name: &str) -> Result<(&str, Encoding), String> {
    let lower = name.to_ascii_lowercase();
    let (rest, gzip) = match lower.strip_suffix(".gz") {
        Some(r) => (r, true),
        None => (lower.as_str(), false),
    };
    let (stem_len, content_type) = if let Some(s) = rest.strip_suffix(".csv") {
        (s.len(), "text/csv")
    } else if let Some(s) = rest.strip_suffix(".parquet") {
        (s.len(), "application/vnd.apache.parquet")
    } else if let Some(s) = rest.strip_suffix(".xlsx") {
        (s.len(), XLSX)
    } else {
        return Err("not a file the hub takes: the name must end in .csv, .parquet or .xlsx (any may add .gz)".into());
    };
    Ok((&name[..stem_len], Encoding { content_type, gzip }))
}

/// Reads `{organisation}_{dataset}_{period}` or `{dataset}_{period}`
/// (codes in any letter case).
pub fn parse_stem(stem: &str) -> Result<NameParts, String> {
    let parts: Vec<&str> = stem.split('_').collect();
    let (organisation, dataset, period) = match parts.as_slice() {
        [o, d, p] => (Some(*o), *d, *p),
        [d, p] => (None, *d, *p),
        _ => return Err(format!("'{stem}' does not follow the naming convention {CONVENTION}")),
    };
    let organisation = organisation
        .map(|o| o.to_ascii_uppercase().parse::<Organisation>().map_err(|e| format!("in the file name: {e}")))
        .transpose()?;
    let dataset = match dataset.to_ascii_lowercase().parse::<Dataset>() {
        Ok(d) if d != Dataset::Population => d,
        _ => {
            return Err(format!(
                "in the file name: '{dataset}' is not a dataset (datasets: {})",
                Dataset::SUBMITTED.map(Dataset::name).join(", ")
            ));
        }
    };
    let period = period.to_ascii_uppercase().parse::<Period>().map_err(|e| format!("in the file name: {e}"))?;
    Ok(NameParts { organisation, dataset, period })
}

/// Where a file goes: from the flags, else its name; a flag that
/// contradicts the name is an error rather than a guess.
pub fn plan(path: &Path, args: &UploadArgs) -> Result<Planned, String> {
    if args.dataset == Some(Dataset::Population) {
        return Err("population is reference data, replaced by a steward (PUT /api/v1/reference/population)".into());
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (stem, encoding) = encoding_of(&name)?;
    let from_name = parse_stem(stem);
    let parts = match (&from_name, args.dataset, args.period) {
        (Ok(p), _, _) => *p,
        (Err(_), Some(dataset), Some(period)) => NameParts { organisation: None, dataset, period },
        (Err(e), _, _) => return Err(format!("{e}; or give --dataset and --period")),
    };
    let check = |what: &str, flag: Option<String>, named: Option<String>| match (flag, named) {
        (Some(f), Some(n)) if f != n => Err(format!("the file name says {what} {n} but --{what} is {f}")),
        _ => Ok(()),
    };
    check("organisation", args.organisation.map(|o| o.to_string()), parts.organisation.map(|o| o.to_string()))?;
    check(
        "dataset",
        args.dataset.map(|d| d.to_string()),
        Some(parts.dataset.to_string()).filter(|_| from_name.is_ok()),
    )?;
    check("period", args.period.map(|p| p.to_string()), Some(parts.period.to_string()).filter(|_| from_name.is_ok()))?;
    let organisation = args
        .organisation
        .or(parts.organisation)
        .ok_or_else(|| format!("which organisation? Give --organisation or name the file {CONVENTION}"))?;
    Ok(Planned {
        path: path.to_path_buf(),
        organisation,
        dataset: args.dataset.unwrap_or(parts.dataset),
        period: args.period.unwrap_or(parts.period),
        encoding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(organisation: Option<&str>, dataset: Option<&str>, period: Option<&str>) -> UploadArgs {
        UploadArgs {
            url: "http://127.0.0.1:8080".into(),
            token: "t".into(),
            organisation: organisation.map(|o| o.parse().unwrap()),
            dataset: dataset.map(|d| d.parse().unwrap()),
            period: period.map(|p| p.parse().unwrap()),
            files: Vec::new(),
        }
    }

    fn planned(name: &str, a: &UploadArgs) -> Result<(String, String, String, &'static str, bool), String> {
        plan(Path::new(name), a).map(|p| {
            (
                p.organisation.to_string(),
                p.dataset.to_string(),
                p.period.to_string(),
                p.encoding.content_type,
                p.encoding.gzip,
            )
        })
    }

    #[test]
    fn file_names_give_organisation_dataset_period_and_format() {
        let none = args(None, None, None);
        let p = planned("exports/E09000015_workforce_2025-Q1.csv", &none).unwrap();
        assert_eq!(p, ("E09000015".into(), "workforce".into(), "2025-Q1".into(), "text/csv", false));
        let p = planned("e09000015_Pay_2025-q2.PARQUET.gz", &none).unwrap();
        assert_eq!(p, ("E09000015".into(), "pay".into(), "2025-Q2".into(), "application/vnd.apache.parquet", true));
        let harrow = args(Some("E09000015"), None, None);
        let p = planned("survey_2024-Q4.csv.gz", &harrow).unwrap();
        assert_eq!(p, ("E09000015".into(), "survey".into(), "2024-Q4".into(), "text/csv", true));
        // Flags stand in for a name that does not follow the convention.
        let flags = args(Some("E09000001"), Some("casework"), Some("2025-Q3"));
        let p = planned("Casework Q3 final.csv", &flags).unwrap();
        assert_eq!(p, ("E09000001".into(), "casework".into(), "2025-Q3".into(), "text/csv", false));
        // Excel workbooks.
        let p = planned("E09000015_workforce_2025-Q1.xlsx", &none).unwrap();
        assert_eq!(p, ("E09000015".into(), "workforce".into(), "2025-Q1".into(), XLSX, false));
        let p = planned("Staff survey Q1.XLSX", &args(Some("E09000015"), Some("survey"), Some("2025-Q1"))).unwrap();
        assert_eq!(p, ("E09000015".into(), "survey".into(), "2025-Q1".into(), XLSX, false));
    }

    #[test]
    fn names_that_cannot_be_read_are_explained() {
        let none = args(None, None, None);
        let e = planned("staff.csv", &none).unwrap_err();
        assert!(e.contains("E09000015_workforce_2025-Q1.csv") && e.contains("--dataset"), "{e}");
        let e = planned("E09000015_staff_2025-Q1.csv", &none).unwrap_err();
        assert!(e.contains("'staff' is not a dataset"), "{e}");
        let e = planned("E09000015_population_2025-Q1.csv", &none).unwrap_err();
        assert!(e.contains("'population' is not a dataset"), "{e}");
        let e = planned("E09000099_workforce_2025-Q1.csv", &none).unwrap_err();
        assert!(e.contains("E09000099"), "{e}");
        let e = planned("E09000015_workforce_2025-Q5.csv", &none).unwrap_err();
        assert!(e.contains("YYYY-Qn"), "{e}");
        let e = planned("E09000015_workforce_2025-Q1.xls", &none).unwrap_err();
        assert!(e.contains(".csv, .parquet or .xlsx"), "{e}");
        let e = planned("E09000015_workforce_2025-Q1.ods", &none).unwrap_err();
        assert!(e.contains(".csv, .parquet or .xlsx"), "{e}");
        let e = planned("workforce_2025-Q1.csv", &none).unwrap_err();
        assert!(e.contains("--organisation"), "{e}");
        let e = planned("pop.csv", &args(Some("E09000001"), Some("population"), Some("2025-Q1"))).unwrap_err();
        assert!(e.contains("reference data"), "{e}");
        // A flag that contradicts the name is refused, not guessed.
        let e = planned("E09000015_workforce_2025-Q1.csv", &args(Some("E09000001"), None, None)).unwrap_err();
        assert!(e.contains("says organisation E09000015 but --organisation is E09000001"), "{e}");
        let e = planned("E09000015_workforce_2025-Q1.csv", &args(None, None, Some("2025-Q2"))).unwrap_err();
        assert!(e.contains("--period"), "{e}");
    }
}
