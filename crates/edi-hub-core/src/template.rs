//! Example upload files: a dataset's header and a few valid rows, for
//! `edi-hub template` (as CSV here, or as a workbook written from
//! [`examples`]) and the documentation.

use crate::Dataset;
use crate::dataset::{ColumnDef, ValueKind};

/// One example value, typed as a spreadsheet holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Example {
    Text(String),
    Whole(i64),
    /// A number shown with this many decimal places.
    Number(f64, usize),
    Flag(bool),
}

impl Example {
    /// The value as CSV text.
    pub fn text(&self) -> String {
        match self {
            Example::Text(s) => s.clone(),
            Example::Whole(n) => n.to_string(),
            Example::Number(x, places) => format!("{x:.places$}"),
            Example::Flag(b) => b.to_string(),
        }
    }
}

/// A few valid rows of `dataset`: one value per column, in definition order.
pub fn examples(dataset: Dataset) -> Vec<Vec<Example>> {
    const ETHNICITIES: [&str; 4] = ["white_british", "black_african", "asian_indian", "not_stated"];
    ETHNICITIES
        .iter()
        .enumerate()
        .map(|(i, ethnicity)| dataset.columns().iter().map(|c| example(c, ethnicity, i)).collect())
        .collect()
}

fn example(c: &ColumnDef, ethnicity: &str, i: usize) -> Example {
    match (c.kind, c.name) {
        (ValueKind::Ethnicity, _) => Example::Text(ethnicity.to_string()),
        (ValueKind::Organisation, _) => Example::Text("E09000001".into()),
        (ValueKind::Code(codes), _) => Example::Text(codes[0].into()),
        (ValueKind::PayBand, _) => Example::Whole(4),
        (ValueKind::Flag, _) => Example::Flag(false),
        (ValueKind::Count, "positive") => Example::Whole(20 + i as i64),
        (ValueKind::Count, _) => Example::Whole(40 + 10 * i as i64),
        (ValueKind::Decimal, _) => Example::Number(36.5 + 9.0 * i as f64, 1),
        (ValueKind::Pay, "median_hourly_pay") => Example::Number(18.75 + i as f64, 2),
        (ValueKind::Pay, _) => Example::Number(19.5 + i as f64, 2),
    }
}

/// An example upload for `dataset`: its header and a few valid rows.
pub fn csv(dataset: Dataset) -> String {
    let mut csv = dataset.columns().iter().map(|c| c.name).collect::<Vec<_>>().join(",");
    csv.push('\n');
    for row in examples(dataset) {
        csv.push_str(&row.iter().map(Example::text).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    csv
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::validate::{Limits, UploadFormat, validate};

    #[test]
    fn every_template_is_a_valid_file() {
        for dataset in Dataset::ALL {
            let csv = csv(dataset);
            let r = validate(dataset, UploadFormat::Csv, Bytes::from(csv.clone()), &Limits::default());
            assert_eq!(r.map(|t| t.rows).ok(), Some(4), "{dataset}:\n{csv}");
        }
    }

    #[test]
    fn the_csv_is_unchanged() {
        assert_eq!(
            csv(Dataset::Pay),
            "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nwhite_british,40,19.50,18.75\nblack_african,50,20.50,19.75\nasian_indian,60,21.50,20.75\nnot_stated,70,22.50,21.75\n"
        );
    }
}
