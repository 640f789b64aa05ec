//! Random raw tables for each dataset, as the validator accepts them.

use proptest::prelude::*;

use edi_hub_core::dataset::{self, Dataset};

use super::raw::{Raw, RawRow, counts_people};

/// Counts mostly small, sometimes zero, sometimes large.
pub(super) fn count() -> impl Strategy<Value = i64> {
    prop_oneof![3 => Just(0i64), 4 => 1i64..10, 3 => 10i64..60, 1 => 60i64..400]
}

/// `n` counts for one table: most tables mostly small counts (as
/// [`count`]); some mostly large, so that figures with several inputs
/// (relative likelihoods) are shown often enough to be tested.
pub(super) fn counts(n: usize) -> impl Strategy<Value = Vec<i64>> {
    let large = prop_oneof![1 => Just(0i64), 2 => 1i64..10, 4 => 10i64..60, 3 => 60i64..400];
    (proptest::bool::weighted(0.35), proptest::collection::vec((count(), large), n))
        .prop_map(|(large, v)| v.into_iter().map(|(small, big)| if large { big } else { small }).collect())
}

/// Per high-level group: left out, high-level, or one or two detailed codes.
pub(super) const DETAIL: [(&str, [&str; 2]); 5] = [
    ("white", ["white_british", "white_other"]),
    ("black", ["black_african", "black_caribbean"]),
    ("asian", ["asian_indian", "asian_bangladeshi"]),
    ("mixed", ["mixed_other", "mixed_white_asian"]),
    ("other", ["other_any", "other_arab"]),
];

/// A set of codes mixing levels across groups, with or without not_stated.
pub(super) fn codes() -> impl Strategy<Value = Vec<&'static str>> {
    let level = prop_oneof![1 => Just(0u8), 3 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8)];
    (proptest::collection::vec(level, 5), any::<bool>()).prop_map(|(levels, not_stated)| {
        let mut out = Vec::new();
        for ((high, detailed), level) in DETAIL.iter().zip(levels) {
            match level {
                1 => out.push(*high),
                2 => out.push(detailed[0]),
                3 => out.extend(detailed),
                _ => {}
            }
        }
        if out.is_empty() {
            out.push("white");
        }
        if not_stated {
            out.push("not_stated");
        }
        out
    })
}

pub(super) fn bands(n: usize) -> Vec<&'static str> {
    ["1", "2", "3"][..n].to_vec()
}

/// Every combination of one value per column.
pub(super) fn combinations(columns: &[Vec<&'static str>]) -> Vec<Vec<&'static str>> {
    columns.iter().fold(vec![vec![]], |done, values| {
        done.iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(*v);
                    next
                })
            })
            .collect()
    })
}

/// A table of `dataset`: one row per code and combination of dimension
/// values, counts taken in turn from `counts`.
pub(super) fn table_of(
    dataset: Dataset,
    codes: &[&'static str],
    columns: &[(&'static str, Vec<&'static str>)],
    measure: &'static str,
    counts: &[i64],
) -> Raw {
    let dims: Vec<&'static str> = columns.iter().filter(|(_, v)| !v.is_empty()).map(|(d, _)| *d).collect();
    let values: Vec<Vec<&'static str>> =
        columns.iter().filter(|(_, v)| !v.is_empty()).map(|(_, v)| v.clone()).collect();
    let mut raw = Raw::new(dataset, &dims, &[measure]);
    let mut n = counts.iter().cycle();
    for &code in codes {
        for d in combinations(&values) {
            raw.push(code, &d, &[*n.next().unwrap() as f64]);
        }
    }
    raw
}

/// Workforce dimensions besides the pay band, with the values tables use.
pub(super) const EXTRA: [(&str, &[&str]); 4] = [
    ("senior_leadership", &["true", "false"]),
    ("top_5_percent", &["true", "false"]),
    ("sex", &["female", "male"]),
    ("age_band", &["25_34", "55_64"]),
];

pub(super) fn workforce_table(codes: &[&'static str], n_bands: usize, extras: &[&'static str], counts: &[i64]) -> Raw {
    let mut columns = vec![("pay_band", bands(n_bands))];
    for (name, values) in EXTRA.iter().filter(|(name, _)| extras.contains(name)) {
        columns.push((*name, values.to_vec()));
    }
    table_of(Dataset::Workforce, codes, &columns, "headcount", counts)
}

/// Leaves out the rows that count nobody, as many files do (keeping one).
pub(super) fn without_zero_rows(mut raw: Raw, drop: bool) -> Raw {
    if drop {
        let measures = raw.measures.clone();
        let counted = |r: &RawRow| r.values.iter().zip(&measures).any(|(v, m)| counts_people(m) && *v != 0.0);
        let keep: Vec<RawRow> = raw.rows.iter().filter(|r| counted(r)).cloned().collect();
        if !keep.is_empty() {
            raw.rows = keep;
        }
    }
    raw
}

pub(super) fn drop_zeros() -> impl Strategy<Value = bool> {
    proptest::bool::weighted(0.3)
}

pub(super) fn extras() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(EXTRA.map(|(name, _)| name).to_vec(), 0..=2)
}

/// A workforce table: codes at mixed levels, up to three bands, up to two
/// further dimensions (flags, or dimensions no count separates).
pub(super) fn workforce() -> impl Strategy<Value = Vec<Raw>> {
    (codes(), 0usize..=3, extras(), counts(64), drop_zeros()).prop_map(|(codes, b, extras, counts, drop)| {
        let b = if extras.len() > 1 { b.min(1) } else { b };
        vec![without_zero_rows(workforce_table(&codes, b, &extras, &counts), drop)]
    })
}

pub(super) fn pay() -> impl Strategy<Value = Vec<Raw>> {
    (codes(), counts(11), proptest::collection::vec((900u32..6000, 900u32..6000), 11), drop_zeros()).prop_map(
        |(codes, heads, pay, drop)| {
            let mut raw = Raw::new(Dataset::Pay, &[], &["headcount", "mean_hourly_pay", "median_hourly_pay"]);
            for (code, (h, (mean, median))) in codes.iter().zip(heads.into_iter().zip(pay)) {
                raw.push(code, &[], &[h as f64, f64::from(mean) / 100.0, f64::from(median) / 100.0]);
            }
            vec![without_zero_rows(raw, drop)]
        },
    )
}

/// Recruitment: the three stages per code (and band), nested.
pub(super) fn recruitment() -> impl Strategy<Value = Vec<Raw>> {
    (codes(), 0usize..=2, counts(33), proptest::collection::vec((0.0f64..=1.0, 0.0f64..=1.0), 33), drop_zeros())
        .prop_map(|(codes, b, applied, ratios, drop)| {
            let dims: &[&'static str] = if b > 0 { &["stage", "pay_band"] } else { &["stage"] };
            let mut raw = Raw::new(Dataset::Recruitment, dims, &["count"]);
            let mut n = applied.into_iter().zip(ratios).cycle();
            for &code in &codes {
                for band in if b > 0 { combinations(&[bands(b)]) } else { vec![vec![]] } {
                    let (applied, (s, a)) = n.next().unwrap();
                    let shortlisted = (applied as f64 * s).round() as i64;
                    let appointed = (shortlisted as f64 * a).round() as i64;
                    for (stage, v) in [("applied", applied), ("shortlisted", shortlisted), ("appointed", appointed)] {
                        let mut d = vec![stage];
                        d.extend(&band);
                        raw.push(code, &d, &[v as f64]);
                    }
                }
            }
            vec![without_zero_rows(raw, drop)]
        })
}

/// A table of events by code (and band), beside the organisation's
/// workforce (the bases of the relative likelihoods), which reports the
/// same codes or, sometimes, others, and its own bands.
pub(super) fn events_and_workforce(
    dataset: Dataset,
    dimension: &'static str,
    values: &'static [&'static str],
    with_bands: bool,
) -> impl Strategy<Value = Vec<Raw>> {
    (
        (codes(), proptest::option::weighted(0.3, codes())),
        (if with_bands { 0usize..=2 } else { 0usize..=0 }, 0usize..=2),
        proptest::sample::subsequence(values, 1..=3),
        (counts(66), counts(33)),
        (drop_zeros(), drop_zeros()),
    )
        .prop_map(move |((codes, other), (b, wb), kinds, (counts, heads), (drop, wdrop))| {
            let columns = [(dimension, kinds), ("pay_band", bands(b))];
            let events = table_of(dataset, &codes, &columns, "count", &counts);
            let staff = workforce_table(other.as_deref().unwrap_or(&codes), wb, &[], &heads);
            vec![without_zero_rows(events, drop), without_zero_rows(staff, wdrop)]
        })
}

pub(super) fn survey() -> impl Strategy<Value = Vec<Raw>> {
    (
        codes(),
        proptest::sample::subsequence(dataset::QUESTIONS, 1..=3),
        counts(33),
        proptest::collection::vec(0.0f64..=1.0, 33),
        drop_zeros(),
    )
        .prop_map(|(codes, questions, respondents, shares, drop)| {
            let mut raw = Raw::new(Dataset::Survey, &["question"], &["respondents", "positive"]);
            let mut n = respondents.into_iter().zip(shares).cycle();
            for &code in &codes {
                for q in &questions {
                    let (r, share) = n.next().unwrap();
                    raw.push(code, &[*q], &[r as f64, (r as f64 * share).round()]);
                }
            }
            vec![without_zero_rows(raw, drop)]
        })
}

/// Recruitment tables with some stage rows left out (at random, whatever
/// their count), as the validator accepts.
pub(super) fn recruitment_with_missing_stages() -> impl Strategy<Value = Vec<Raw>> {
    (recruitment(), proptest::collection::vec(proptest::bool::weighted(0.25), 99)).prop_map(|(mut tables, gaps)| {
        let raw = &mut tables[0];
        // Keep every applied row (the first of each group), drop some later stages.
        raw.rows =
            raw.rows.iter().enumerate().filter(|(i, _)| i % 3 == 0 || !gaps[i % 99]).map(|(_, r)| r.clone()).collect();
        tables
    })
}
