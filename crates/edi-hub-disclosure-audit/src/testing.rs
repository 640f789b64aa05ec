//! Test tables: workforce tables from CSV text through the real validator,
//! and their protected patterns worked out as a release would.

use bytes::Bytes;
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::counts::{CountKey, People};
use edi_hub_core::ethnicity::Group;
use edi_hub_core::table::to_record_batch;
use edi_hub_core::validate::{Limits, UploadFormat, ValidTable, validate};
use edi_hub_core::{Organisation, Period};

pub fn period() -> Period {
    "2026-Q1".parse().expect("a period")
}

/// Inner London boroughs from E09000001 on.
pub fn org(i: usize) -> Organisation {
    format!("E09{:06}", i + 1).parse().expect("a borough")
}

pub fn valid(csv: &str) -> ValidTable {
    validate(Dataset::Workforce, UploadFormat::Csv, Bytes::from(csv.to_string()), &Limits::default())
        .unwrap_or_else(|p| panic!("invalid test table: {p:?}\n{csv}"))
}

pub fn atoms(csv: &str) -> Atoms {
    let batch = to_record_batch(&valid(csv), Some((org(0), period()))).expect("a batch");
    Atoms::of(Dataset::Workforce, &batch).expect("atoms")
}

/// A workforce table from (code, headcount per pay band 1, 2, ...).
pub fn workforce(rows: &[(&str, &[i64])]) -> String {
    let mut csv = String::from("ethnicity,pay_band,headcount\n");
    for (code, bands) in rows {
        for (band, n) in bands.iter().enumerate() {
            csv.push_str(&format!("{code},{},{n}\n", band + 1));
        }
    }
    csv
}

/// The headcount of `group` (in `band`, or all bands).
pub fn headcount(group: &str, band: Option<&'static str>) -> CountKey {
    CountKey {
        measure: "headcount",
        who: People::Group(Group::parse(group).expect("a group")),
        filters: band.map(|b| vec![("pay_band", b)]).unwrap_or_default(),
    }
}
