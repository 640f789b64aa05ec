//! Example upload files: a dataset's header and a few valid rows, for
//! `edi-hub template` and the documentation.

use crate::Dataset;
use crate::dataset::ValueKind;

/// An example upload for `dataset`: its header and a few valid rows.
pub fn csv(dataset: Dataset) -> String {
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
}
