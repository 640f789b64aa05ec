//! Property tests of disclosure control: for random organisation tables, the
//! LP audit finds no sensitive count pinned down by everything a non-owner
//! is shown, and no published count below k except 0.

use bytes::Bytes;
use proptest::prelude::*;

use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::Policy;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::pattern::Pattern;
use edi_hub_core::table::to_record_batch;
use edi_hub_core::validate::{Limits, UploadFormat, validate};
use edi_hub_core::{Organisation, Period};

use crate::published::{ProtectedSubmission, audit};

const DETAILED: [&str; 8] = [
    "white_british",
    "white_other",
    "black_african",
    "black_caribbean",
    "asian_indian",
    "asian_bangladeshi",
    "mixed_other",
    "other_any",
];
const HIGH_LEVEL: [&str; 5] = ["white", "black", "asian", "mixed", "other"];

fn key() -> (Organisation, Period) {
    ("E09000015".parse().unwrap(), "2025-Q1".parse().unwrap())
}

/// A stored table from CSV text, through the real validator.
fn table(dataset: Dataset, csv: &str) -> ProtectedSubmission {
    let valid = validate(dataset, UploadFormat::Csv, Bytes::from(csv.to_string()), &Limits::default())
        .unwrap_or_else(|p| panic!("invalid test table: {p:?}\n{csv}"));
    let batch = to_record_batch(&valid, Some(key())).unwrap();
    let policy = Policy::default();
    ProtectedSubmission {
        atoms: Atoms::of(dataset, &batch).unwrap(),
        pattern: Pattern::protect(dataset, &batch, policy).unwrap(),
    }
}

/// Counts mostly small, sometimes zero, sometimes large.
fn count() -> impl Strategy<Value = i64> {
    prop_oneof![3 => Just(0i64), 4 => 1i64..10, 3 => 10i64..60, 1 => 60i64..400]
}

/// A workforce table: detailed or high-level codes (plus not stated), some
/// bands, with or without the senior leadership flag.
fn workforce() -> impl Strategy<Value = String> {
    (any::<bool>(), 1usize..4, any::<bool>(), proptest::collection::vec(count(), 6 * 6 * 2 * 2)).prop_map(
        |(detailed, bands, flag, counts)| {
            let codes: Vec<&str> = if detailed { DETAILED.to_vec() } else { HIGH_LEVEL.to_vec() };
            let mut csv = String::from(if flag {
                "ethnicity,pay_band,senior_leadership,headcount\n"
            } else {
                "ethnicity,pay_band,headcount\n"
            });
            let mut n = counts.into_iter();
            for code in codes.iter().copied().chain(["not_stated"]) {
                for band in 1..=bands {
                    let flags: &[&str] = if flag { &["true", "false"] } else { &[""] };
                    for f in flags {
                        let c = n.next().unwrap_or(0);
                        if flag {
                            csv.push_str(&format!("{code},{band},{f},{c}\n"));
                        } else {
                            csv.push_str(&format!("{code},{band},{c}\n"));
                        }
                    }
                }
            }
            csv
        },
    )
}

/// A survey table: two questions, respondents and positive answers.
fn survey() -> impl Strategy<Value = String> {
    proptest::collection::vec((count(), 0.0f64..=1.0), 6 * 2).prop_map(|cells| {
        let mut csv = String::from("ethnicity,question,respondents,positive\n");
        let mut n = cells.into_iter();
        for code in HIGH_LEVEL.iter().copied().chain(["not_stated"]) {
            for q in ["race_equality_approach", "psychological_safety"] {
                let (r, share) = n.next().unwrap_or((0, 0.0));
                csv.push_str(&format!("{code},{q},{r},{}\n", (r as f64 * share).round() as i64));
            }
        }
        csv
    })
}

/// A recruitment table: the three stages per high-level code.
fn recruitment() -> impl Strategy<Value = String> {
    proptest::collection::vec((count(), 0.0f64..=1.0, 0.0f64..=1.0), 6).prop_map(|cells| {
        let mut csv = String::from("ethnicity,stage,count\n");
        for (code, (applied, s, a)) in HIGH_LEVEL.iter().copied().chain(["not_stated"]).zip(cells) {
            let shortlisted = (applied as f64 * s).round() as i64;
            let appointed = (shortlisted as f64 * a).round() as i64;
            csv.push_str(&format!(
                "{code},applied,{applied}\n{code},shortlisted,{shortlisted}\n{code},appointed,{appointed}\n"
            ));
        }
        csv
    })
}

fn assert_safe(tables: &[ProtectedSubmission]) {
    let (organisation, period) = key();
    let report = audit(organisation, period, tables, Policy::default(), 1).expect("audit runs");
    assert!(report.small_published.is_empty(), "small counts published: {:?}", report.small_published);
    assert!(report.leaks.is_empty(), "pinned: {:#?}", report.leaks);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn workforce_tables_leak_nothing(csv in workforce()) {
        assert_safe(&[table(Dataset::Workforce, &csv)]);
    }

    #[test]
    fn survey_and_recruitment_leak_nothing(s in survey(), r in recruitment()) {
        assert_safe(&[table(Dataset::Survey, &s), table(Dataset::Recruitment, &r)]);
    }
}

#[test]
fn the_worked_example_is_protected() {
    // Band 6: white 12, black 2, not stated 1 (the DISCLOSURE brief), plus
    // a second band so totals exist beyond band 6.
    let t = table(
        Dataset::Workforce,
        "ethnicity,pay_band,headcount\nwhite,6,12\nblack,6,2\nasian,6,0\nmixed,6,0\nother,6,0\nnot_stated,6,1\n\
         white,5,40\nblack,5,25\nasian,5,30\nmixed,5,11\nother,5,12\nnot_stated,5,3\n",
    );
    assert!(t.pattern.secondary > 0, "{:?}", t.pattern);
    assert_safe(&[t]);
}

#[test]
fn the_audit_catches_primary_suppression_alone() {
    let mut t = table(
        Dataset::Workforce,
        "ethnicity,pay_band,headcount\nwhite,6,12\nblack,6,2\nasian,6,0\nmixed,6,0\nother,6,0\nnot_stated,6,1\n\
         white,5,40\nblack,5,25\nasian,5,30\nmixed,5,11\nother,5,12\nnot_stated,5,3\n",
    );
    t.pattern = Pattern::primary_only(&t.atoms, Policy::default());
    let (organisation, period) = key();
    let report = audit(organisation, period, &[t], Policy::default(), 1).unwrap();
    let pinned: Vec<&str> = report.leaks.iter().map(|l| l.what.as_str()).collect();
    assert!(pinned.iter().any(|w| w.contains("headcount of black, pay_band=6")), "{pinned:#?}");
    assert!(pinned.iter().any(|w| w.contains("not_stated")), "{pinned:#?}");
}

#[test]
fn a_tiny_borough_shows_nothing_small() {
    let t = table(Dataset::Workforce, "ethnicity,headcount\nwhite,4\nblack,3\nnot_stated,1\n");
    assert_safe(&[t]);
}

#[test]
fn a_single_small_cell_in_a_band_is_protected() {
    let t = table(
        Dataset::Workforce,
        "ethnicity,pay_band,headcount\nwhite,1,50\nblack,1,30\nasian,1,0\nwhite,2,40\nblack,2,0\nasian,2,3\n",
    );
    assert_safe(&[t]);
}
