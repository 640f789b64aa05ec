//! Fixed cases: negative controls (no secondary suppression) that the
//! oracle must catch, the evaluator against hand-worked sums, and the
//! recruitment leak.

use std::collections::BTreeMap;

use edi_hub_core::benchmark::{Figure, Withheld, assemble};
use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::{Policy, Viewer};
use edi_hub_core::ethnicity::Group;
use edi_hub_core::metrics::{MetricDef, Params, SumDef};

use bytes::Bytes;
use edi_hub_core::validate::{Limits, UploadFormat, validate};

use super::evaluate::{has_figure, input_value};
use super::raw::{Raw, Relation, finest, key, relation};
use super::unknowns::{Cell, Unknowns};
use super::{Secondary, oracle};

/// The DISCLOSURE brief's worked example: band 6 has white 12, black 2,
/// not stated 1 and zeros; band 5 holds larger counts.
fn worked_example() -> Raw {
    let mut raw = Raw::new(Dataset::Workforce, &["pay_band"], &["headcount"]);
    for (code, b6, b5) in [
        ("white", 12, 40),
        ("black", 2, 25),
        ("asian", 0, 30),
        ("mixed", 0, 11),
        ("other", 0, 12),
        ("not_stated", 1, 3),
    ] {
        raw.push(code, &["6"], &[f64::from(b6)]);
        raw.push(code, &["5"], &[f64::from(b5)]);
    }
    raw
}

#[test]
fn the_oracle_pins_the_worked_example_without_secondary_suppression() {
    let tables = [worked_example()];
    let off = oracle(&tables, Secondary::Off);
    eprintln!(
        "oracle negative control (no secondary suppression): {} sensitive counts, {} pinned:\n{}",
        off.checked,
        off.pinned.len(),
        off.report()
    );
    let unknowns = Unknowns::of(&tables);
    let cell =
        |row: usize| BTreeMap::from([(unknowns.id(Cell { table: 0, row, measure: "headcount", times: None }), 1)]);
    // Rows: white 6, white 5, black 6, black 5, ..., not_stated 6 (row 10).
    let pinned: Vec<&BTreeMap<usize, i64>> = off.pinned.iter().map(|f| &f.check.terms).collect();
    assert!(pinned.contains(&&cell(2)), "black in band 6 (2) is not pinned:\n{}", off.report());
    assert!(pinned.contains(&&cell(10)), "not stated in band 6 (1) is not pinned:\n{}", off.report());
    let safe = oracle(&tables, Secondary::Pattern);
    eprintln!(
        "oracle worked example with the real pattern: {} sensitive counts, {} pinned",
        safe.checked,
        safe.pinned.len()
    );
    assert!(safe.pinned.is_empty(), "{}", safe.report());
    assert!(safe.small_shown.is_empty(), "{:?}", safe.small_shown);
}

#[test]
fn the_evaluator_follows_the_classification() {
    assert_eq!(relation("black_african", "black"), Relation::Inside);
    assert_eq!(relation("black", "black_african"), Relation::Straddles);
    assert_eq!(relation("white", "white_minority"), Relation::Straddles);
    assert_eq!(relation("white_british", "white_minority"), Relation::Outside);
    assert_eq!(relation("mixed", "ethnic_minority"), Relation::Inside);
    assert_eq!(relation("not_stated", "ethnic_minority"), Relation::Outside);
    // Every group a request can name is known to the oracle.
    for g in Group::all() {
        assert!(!finest(g.id()).is_empty());
    }
}

#[test]
fn the_oracle_pins_a_survey_complement_without_secondary_suppression() {
    // Black: 12 respondents, 11 positive: the one negative answer is
    // respondents minus positive, both shown when nothing else is withheld.
    let mut raw = Raw::new(Dataset::Survey, &["question"], &["respondents", "positive"]);
    for (code, r, p) in [("white", 40, 30), ("black", 12, 11), ("asian", 25, 20)] {
        raw.push(code, &["race_equality_approach"], &[r as f64, p as f64]);
    }
    let tables = [raw];
    let off = oracle(&tables, Secondary::Off);
    eprintln!(
        "oracle survey negative control: {} sensitive counts, {} pinned:\n{}",
        off.checked,
        off.pinned.len(),
        off.report()
    );
    let unknowns = Unknowns::of(&tables);
    let id = |measure| unknowns.id(Cell { table: 0, row: 1, measure, times: None });
    let negative = BTreeMap::from([(id("respondents"), 1), (id("positive"), -1)]);
    assert!(off.pinned.iter().any(|f| f.check.terms == negative), "{}", off.report());
    let safe = oracle(&tables, Secondary::Pattern);
    assert!(safe.pinned.is_empty(), "{}", safe.report());
}

#[test]
fn the_evaluator_sums_the_right_rows() {
    let mut w = Raw::new(Dataset::Workforce, &["pay_band", "senior_leadership"], &["headcount"]);
    for (code, band, senior, n) in [
        ("white_british", "1", "false", 30),
        ("white_other", "1", "true", 4),
        ("black_african", "2", "true", 7),
        ("asian", "2", "false", 11),
        ("not_stated", "1", "false", 3),
    ] {
        w.push(code, &[band, senior], &[f64::from(n)]);
    }
    let share = MetricDef::find("workforce_share").unwrap();
    let group = |g: &str, filters: Vec<(&'static str, &'static str)>| Params { group: Group::parse(g), filters };
    let [numerator, denominator] = [share.inputs()[0], share.inputs()[1]];
    let tables = [w];
    let value = |input: &SumDef, p: &Params| input_value(&tables, input, p);
    assert_eq!(value(&numerator, &group("ethnic_minority", vec![])), 18.0);
    assert_eq!(value(&numerator, &group("white_minority", vec![])), 4.0);
    assert_eq!(value(&numerator, &group("white", vec![("pay_band", "1")])), 34.0);
    assert_eq!(value(&numerator, &group("ethnic_minority", vec![("senior_leadership", "true")])), 7.0);
    assert_eq!(value(&denominator, &group("black", vec![("pay_band", "1")])), 34.0);
    // The table reported asian at the high level only: no figure for a detailed asian code.
    assert!(!has_figure(share, &group("asian_indian", vec![]), &tables));
    assert!(has_figure(share, &group("black_african", vec![]), &tables));
    // A filter on a column the file has but no row matches: no figure.
    assert!(!has_figure(share, &group("black", vec![("pay_band", "6")]), &tables));
}

/// The counts behind a relative likelihood as the answer row shows them
/// (rates and 95% interval, viewer not the owner): every set of counts up
/// to `limit` that gives the same row.
fn counts_behind(metric: &MetricDef, truth: [f64; 4], limit: u32) -> Vec<[f64; 4]> {
    let (organisation, period) = key();
    let shown = |x: [f64; 4]| {
        // Nothing withheld by a pattern: one explicit flag per input.
        let hidden = Withheld::per_input(vec![false; metric.inputs().len()]);
        let figure = Figure { organisation, period, inputs: x.to_vec(), hidden, release: None, revised: false };
        let rows = assemble(metric, &[figure], &[period], Viewer::Public, Policy::default());
        let r = &rows[0];
        [r.numerator, r.denominator, r.value, r.lower_ci, r.upper_ci]
    };
    let target = shown(truth);
    let (Some(group), Some(reference)) = (target[0], target[1]) else { return Vec::new() };
    // Each rate fixes the part once the base is chosen.
    let part = |rate: f64, base: u32| {
        let x = (rate * f64::from(base) / 100.0).round();
        ((x - rate * f64::from(base) / 100.0).abs() < 1e-6).then_some(x)
    };
    let mut found = Vec::new();
    for b in 1..=limit {
        let Some(a) = part(group, b) else { continue };
        for d in 1..=limit {
            let Some(c) = part(reference, d) else { continue };
            let x = [a, c, f64::from(b), f64::from(d)];
            if shown(x) == target {
                found.push(x);
            }
        }
    }
    found
}

#[test]
fn a_shown_interval_gives_its_counts_back() {
    // Why the oracle credits the attacker with the counts behind a shown
    // interval: for moderate counts, one answer row admits one set of
    // counts. Inputs: [outcome group, outcome white, base group, base white].
    let metric = MetricDef::find("shortlisting_rl").unwrap();
    for truth in [[30.0, 35.0, 50.0, 60.0], [39.0, 35.0, 110.0, 60.0]] {
        assert_eq!(counts_behind(metric, truth, 400), vec![truth]);
    }
}

/// Recruitment where one code reports applications and appointments but no
/// shortlisting row. The validator accepts it (stages are compared only
/// where both are reported); the query engine counts mixed's shortlisted
/// as 0, while the protected pattern's atoms take it as at least the
/// appointed (1).
fn recruitment_without_a_shortlisting_row() -> Raw {
    let mut raw = Raw::new(Dataset::Recruitment, &["stage"], &["count"]);
    for (code, stage, n) in [
        ("white", "applied", 60),
        ("white", "shortlisted", 35),
        ("white", "appointed", 15),
        ("black", "applied", 50),
        ("black", "shortlisted", 30),
        ("black", "appointed", 15),
        ("asian", "applied", 40),
        ("asian", "shortlisted", 9),
        ("asian", "appointed", 0),
        ("mixed", "applied", 20),
        ("mixed", "appointed", 1),
    ] {
        raw.push(code, &[stage], &[f64::from(n)]);
    }
    raw
}

/// The oracle found this leak: a recruitment file with a stage row missing
/// (mixed: applied 20, appointed 1, no shortlisted row) passed validation,
/// the pattern's atoms counted mixed as 1 shortlisted where the published
/// figures counted 0, and it published ethnic_minority and black
/// shortlisting together, which gave away the 9 asian shortlisted. A stage
/// with no row now counts no one, so the file is refused.
#[test]
fn a_recruitment_file_without_a_shortlisting_row_is_refused() {
    let raw = recruitment_without_a_shortlisting_row();
    let refused = validate(raw.dataset, UploadFormat::Csv, Bytes::from(raw.csv()), &Limits::default());
    let problems = refused.expect_err("the file does not nest");
    assert!(problems.iter().any(|p| p.message.contains("no row, so 0")), "{problems:?}");
}

#[test]
fn the_missing_shortlisting_row_leak_needs_no_credited_counts() {
    // The two counts the leak above subtracts are given back by their rows
    // alone: ethnic_minority's shortlisting (39 of 110 applicants, white 35
    // of 60) and black's (30 of 50).
    let metric = MetricDef::find("shortlisting_rl").unwrap();
    assert_eq!(counts_behind(metric, [39.0, 35.0, 110.0, 60.0], 400), vec![[39.0, 35.0, 110.0, 60.0]]);
    assert_eq!(counts_behind(metric, [30.0, 35.0, 50.0, 60.0], 400), vec![[30.0, 35.0, 50.0, 60.0]]);
}
