//! Generated upload files for tests and benchmarks.

use std::fmt::Write as _;

use edi_hub_core::dataset::{AGE_BANDS, SEX};
use edi_hub_core::ethnicity::DETAILED;

/// A large, valid workforce file: every detailed code x pay band x sex x
/// age band (2,052 rows), with counts that vary from cell to cell.
pub fn large_workforce() -> String {
    let mut csv = String::from("ethnicity,pay_band,sex,age_band,headcount\n");
    for (i, (code, _)) in DETAILED.iter().enumerate() {
        for band in 1..=6 {
            for sex in SEX {
                for age in AGE_BANDS.iter().filter(|a| **a != "not_stated") {
                    let _ = writeln!(csv, "{code},{band},{sex},{age},{}", (i * 7 + band) % 23);
                }
            }
        }
    }
    csv
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use edi_hub_core::Dataset;
    use edi_hub_core::validate::{Limits, UploadFormat, validate};

    #[test]
    fn the_large_workforce_file_is_valid() {
        let csv = super::large_workforce();
        let table = validate(Dataset::Workforce, UploadFormat::Csv, Bytes::from(csv), &Limits::default()).unwrap();
        assert_eq!(table.rows, 19 * 6 * 3 * 6);
    }
}
