//! Raw tables, the rows of an uploaded CSV file, and the classification of
//! the spec (section 3) they are read with, written out independently.

use std::collections::BTreeSet;

use bytes::Bytes;

use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::{Pattern, Policy};
use edi_hub_core::table::to_record_batch;
use edi_hub_core::validate::{Limits, UploadFormat, validate};
use edi_hub_core::{Organisation, Period};

/// The classification (spec section 3), written out independently: each
/// high-level group and its detailed codes.
pub(super) const CLASSIFICATION: [(&str, &[&str]); 5] = [
    ("asian", &["asian_bangladeshi", "asian_chinese", "asian_indian", "asian_pakistani", "asian_other"]),
    ("black", &["black_african", "black_caribbean", "black_other"]),
    ("mixed", &["mixed_white_asian", "mixed_white_black_african", "mixed_white_black_caribbean", "mixed_other"]),
    ("white", &["white_british", "white_irish", "white_gypsy_irish_traveller", "white_roma", "white_other"]),
    ("other", &["other_arab", "other_any"]),
];

/// The finest codes (detailed codes, or `not_stated`) a reported code or a
/// requested group stands for.
pub(super) fn finest(id: &str) -> BTreeSet<&'static str> {
    let of_parents = |parents: &[&str]| -> BTreeSet<&'static str> {
        CLASSIFICATION.iter().filter(|(p, _)| parents.contains(p)).flat_map(|(_, c)| c.iter().copied()).collect()
    };
    match id {
        "not_stated" => BTreeSet::from(["not_stated"]),
        "ethnic_minority" => of_parents(&["asian", "black", "mixed", "other"]),
        "white_minority" => {
            let mut s = of_parents(&["white"]);
            s.remove("white_british");
            s
        }
        _ => {
            if let Some((_, children)) = CLASSIFICATION.iter().find(|(p, _)| *p == id) {
                return children.iter().copied().collect();
            }
            let code = CLASSIFICATION.iter().flat_map(|(_, c)| c.iter().copied()).find(|c| *c == id);
            BTreeSet::from([code.unwrap_or_else(|| panic!("unknown ethnicity code or group {id}"))])
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Relation {
    Inside,
    Outside,
    /// Partly inside: the group cannot be counted from this code.
    Straddles,
}

/// How the people of a reported code relate to a requested group.
pub(super) fn relation(code: &str, group: &str) -> Relation {
    let (c, g) = (finest(code), finest(group));
    if c.is_subset(&g) {
        Relation::Inside
    } else if c.is_disjoint(&g) {
        Relation::Outside
    } else {
        Relation::Straddles
    }
}

/// One row of a raw table.
#[derive(Debug, Clone)]
pub(super) struct RawRow {
    pub(super) code: &'static str,
    /// Values of the table's dimension columns, in order.
    pub(super) dims: Vec<String>,
    /// Values of the table's measure columns, in order, as written.
    pub(super) values: Vec<f64>,
}

/// A raw table: the rows of an uploaded CSV file.
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub(super) dataset: Dataset,
    /// Dimension columns besides `ethnicity`, as in the file.
    pub(super) dims: Vec<&'static str>,
    pub(super) measures: Vec<&'static str>,
    pub(super) rows: Vec<RawRow>,
}

/// Measure columns that count people.
pub(super) fn counts_people(measure: &str) -> bool {
    matches!(measure, "headcount" | "count" | "respondents" | "positive")
}

impl Raw {
    pub(super) fn new(dataset: Dataset, dims: &[&'static str], measures: &[&'static str]) -> Raw {
        Raw { dataset, dims: dims.to_vec(), measures: measures.to_vec(), rows: Vec::new() }
    }

    pub(super) fn push(&mut self, code: &'static str, dims: &[&str], values: &[f64]) {
        assert_eq!(dims.len(), self.dims.len());
        assert_eq!(values.len(), self.measures.len());
        let values = values
            .iter()
            .zip(&self.measures)
            .map(|(v, m)| if counts_people(m) { *v } else { format!("{v:.2}").parse().unwrap() })
            .collect();
        self.rows.push(RawRow { code, dims: dims.iter().map(|d| d.to_string()).collect(), values });
    }

    pub(super) fn csv(&self) -> String {
        let mut header = vec!["ethnicity"];
        header.extend(&self.dims);
        header.extend(&self.measures);
        let mut out = header.join(",") + "\n";
        for r in &self.rows {
            let mut cells = vec![r.code.to_string()];
            cells.extend(r.dims.iter().cloned());
            for (v, m) in r.values.iter().zip(&self.measures) {
                cells.push(if counts_people(m) { format!("{}", *v as i64) } else { format!("{v:.2}") });
            }
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// A dimension value of a row (`None`: the file has no such column).
    pub(super) fn dim(&self, row: usize, name: &str) -> Option<&str> {
        self.dims.iter().position(|d| *d == name).map(|i| self.rows[row].dims[i].as_str())
    }

    pub(super) fn value(&self, row: usize, measure: &str) -> f64 {
        let i = self.measures.iter().position(|m| *m == measure).unwrap_or_else(|| panic!("no measure {measure}"));
        self.rows[row].values[i]
    }

    pub(super) fn describe(&self, row: usize) -> String {
        let r = &self.rows[row];
        let mut s = r.code.to_string();
        for (name, v) in self.dims.iter().zip(&r.dims) {
            s.push_str(&format!(", {name}={v}"));
        }
        s
    }
}

pub(super) fn key() -> (Organisation, Period) {
    ("E09000015".parse().unwrap(), "2025-Q1".parse().unwrap())
}

impl Raw {
    /// Whether the hub's validation accepts the table.
    pub(super) fn is_valid(&self) -> bool {
        validate(self.dataset, UploadFormat::Csv, Bytes::from(self.csv()), &Limits::default()).is_ok()
    }
}

/// The real protected pattern of a raw table, through the real validator
/// and stored layout.
pub(super) fn real_pattern(raw: &Raw, policy: Policy) -> Pattern {
    let csv = raw.csv();
    let valid = validate(raw.dataset, UploadFormat::Csv, Bytes::from(csv.clone()), &Limits::default())
        .unwrap_or_else(|p| panic!("invalid test table: {p:?}\n{csv}"));
    assert_eq!(valid.rows, raw.rows.len());
    let batch = to_record_batch(&valid, Some(key())).unwrap();
    Pattern::protect(raw.dataset, &batch, policy).unwrap()
}
